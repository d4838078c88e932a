"""The knowledge base both channels share: same question, same answer, same sources."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.compose import compose, compose_unsure
from knowledge.documents import Passage, faq_passages, load_directory
from knowledge.index import PassageIndex, Scored
from knowledge.text import Analyzer

# Confident: a clearly matching passage (score), or a weaker one that still holds most of the
# question's weight (coverage). Calibrated on knowledge/data/questions.yaml, incl. unanswerable
# questions (python -m knowledge.evaluate).
STRONG_SCORE = 6.0
MIN_SCORE = 3.0
MIN_COVERAGE = 0.5
SNIPPET_CHARS = 80


@dataclass
class Source:
    id: str
    title: str
    source: str


@dataclass
class Hit:
    id: str
    title: str
    snippet: str
    source: str
    score: float
    section: str = ""
    doc_id: str = ""
    coverage: float = 0.0
    segment_id: int | None = None
    document_id: int | None = None


@dataclass
class Answer:
    text: str
    sources: list[Source] = field(default_factory=list)
    confident: bool = False
    score: float = 0.0
    passage_id: str | None = None
    segment_id: int | None = None  # the database segment the answer came from, when it did


def _hit(s: Scored) -> Hit:
    p = s.passage
    snippet = p.text if len(p.text) <= SNIPPET_CHARS else p.text[:SNIPPET_CHARS] + "…"
    return Hit(id=p.id, title=p.label, snippet=snippet, source=p.source_url, score=round(s.score, 3),
               section=p.section, doc_id=p.doc_id, coverage=round(s.coverage, 3),
               segment_id=p.segment_id, document_id=p.document_id)


def _source(p: Passage) -> Source:
    return Source(id=p.id, title=p.label, source=p.source_url)


class KnowledgeBase:
    """Passages indexed at load; ``reload``/``reload_passages`` swap the index atomically.

    Passages come from a folder of Markdown documents plus staff FAQ entries (``load``), or, in the
    running service, from the database (``from_passages``/``reload_passages``, fed by
    handlers/knowledge_ops/sync.py).
    """

    def __init__(self, directory: str, index: PassageIndex, document_count: int) -> None:
        self.directory = directory
        self._index = index
        self.document_count = document_count

    @property
    def passage_count(self) -> int:
        return len(self._index.passages)

    @classmethod
    def _build(cls, directory: str, extra: list[dict[str, Any]] | None) -> tuple[PassageIndex, int]:
        count, passages = load_directory(directory)
        passages += faq_passages(extra)
        return PassageIndex(passages, _analyzer()), count

    @classmethod
    def load(cls, directory: str, extra: list[dict[str, Any]] | None = None) -> "KnowledgeBase":
        index, count = cls._build(directory, extra)
        return cls(str(directory), index, count)

    @classmethod
    async def load_async(cls, directory: str, extra: list[dict[str, Any]] | None = None) -> "KnowledgeBase":
        return await asyncio.to_thread(cls.load, directory, extra)

    @classmethod
    def from_passages(cls, passages: list[Passage], document_count: int, directory: str = "") -> "KnowledgeBase":
        return cls(directory, PassageIndex(list(passages), _analyzer()), document_count)

    @classmethod
    async def from_passages_async(cls, passages: list[Passage], document_count: int,
                                  directory: str = "") -> "KnowledgeBase":
        return await asyncio.to_thread(cls.from_passages, passages, document_count, directory)

    async def reload_passages(self, passages: list[Passage], document_count: int) -> None:
        """Index ``passages`` off the event loop, then swap; queries never see a half index."""
        index = await asyncio.to_thread(PassageIndex, list(passages), _analyzer())
        self._index, self.document_count = index, document_count

    async def reload(self, extra: list[dict[str, Any]] | None = None) -> None:
        """Re-read documents and FAQ entries off the event loop; queries never see a half index."""
        index, count = await asyncio.to_thread(self._build, self.directory, extra)
        self._index, self.document_count = index, count

    def search(self, query: str, top: int = 5, county: str | None = None) -> list[Hit]:
        return [_hit(s) for s in self._index.search(query, max(1, min(top, 20)), county)]

    def answer(self, question: str, county: str | None = None) -> Answer:
        """``county``: the asker's, when known (their county's documents first, other counties' never)."""
        hits = self._index.search(question, 3, county)
        best = hits[0] if hits else None
        if best is None or not self._confident(best):
            return Answer(text=compose_unsure(best), sources=[], confident=False,
                          score=best.score if best else 0.0, passage_id=best.passage.id if best else None,
                          segment_id=best.passage.segment_id if best else None)
        related = next((h for h in hits[1:] if self._confident(h) and h.passage.id != best.passage.id), None)
        sources = [_source(best.passage)] + ([_source(related.passage)] if related else [])
        return Answer(text=compose(best, related), sources=sources, confident=True,
                      score=best.score, passage_id=best.passage.id, segment_id=best.passage.segment_id)

    @staticmethod
    def _confident(hit: Scored) -> bool:
        return hit.score >= STRONG_SCORE or (hit.score >= MIN_SCORE and hit.coverage >= MIN_COVERAGE)


_ANALYZER: Analyzer | None = None


def _analyzer() -> Analyzer:
    # jieba's dictionary load takes about a second: build the analyzer once per process.
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = Analyzer()
    return _ANALYZER


def default_directory() -> str:
    return str(Path(__file__).resolve().parent / "docs")
