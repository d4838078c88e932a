"""Segment vectors for hybrid retrieval, kept in the database (``KbSegmentEmbedding``).

Guarantees:
- after every reload of the knowledge base (a publish, an edit, a restart: see sync.py), the
  vectors of the current embedding model are attached to it in one query, and the segments
  whose vector is missing or stale (another model, another dimension, changed text) are
  embedded in the background, then attached too: a publish is embedded within seconds, and a
  model or dimension change re-embeds everything without blocking any answer;
- until a segment has a vector, it is found by BM25 alone; a failing model is retried at the
  next reload or the next change of dimension, never in a loop.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import numpy as np
from tortoise.exceptions import IntegrityError

from chuangye.llm import LlmClient, LlmError
from chuangye.log import log_event
from knowledge import KnowledgeBase
from knowledge.documents import Passage, embedding_text
from orm_models import KbSegmentEmbedding

log = logging.getLogger("chuangye.kb.embeddings")
BATCH = 16


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack(vector: list[float]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f4")


class Embedder:
    """Embeds the knowledge base's segments with ``client.embedding_model`` (one per process)."""

    def __init__(self, client: LlmClient, *, timeout: float = 30.0, batch: int = BATCH) -> None:
        self.client = client
        self.model = client.embedding_model
        self.timeout = timeout
        self.batch = batch
        self.dimension: int | None = None  # learnt from the model's answers
        self._task: asyncio.Task[Any] | None = None
        self._again = False

    async def _rows(self, segment_ids: list[int]) -> dict[int, dict[str, Any]]:
        rows = await KbSegmentEmbedding.filter(segment_id__in=segment_ids).values(
            "segment_id", "model", "dimension", "text_hash", "vector") if segment_ids else []
        return {r["segment_id"]: r for r in rows}

    def _fresh(self, row: dict[str, Any] | None, p: Passage) -> bool:
        return (row is not None and row["model"] == self.model and row["text_hash"] == text_hash(embedding_text(p))
                and (self.dimension is None or row["dimension"] == self.dimension))

    async def attach(self, kb: KnowledgeBase) -> list[Passage]:
        """Give ``kb`` the fresh vectors the database holds; return the passages still to embed."""
        passages = [p for p in kb.passages if p.segment_id is not None]
        rows = await self._rows([p.segment_id for p in passages if p.segment_id is not None])
        vectors, stale = {}, []
        for p in passages:
            row = rows.get(p.segment_id)  # type: ignore[arg-type]
            if self._fresh(row, p):
                vectors[p.id] = unpack(row["vector"])  # type: ignore[index]
            else:
                stale.append(p)
        kb.set_vectors(vectors, self.model)
        return stale

    async def embed(self, passages: list[Passage]) -> int:
        """Embed ``passages`` in batches and store their vectors; how many were stored."""
        done = 0
        for start in range(0, len(passages), self.batch):
            part = passages[start:start + self.batch]
            texts = [embedding_text(p) for p in part]
            vectors = await self.client.embed(texts, timeout=self.timeout)
            self.dimension = len(vectors[0])
            for p, text, vec in zip(part, texts, vectors):
                values = {"model": self.model, "dimension": len(vec), "text_hash": text_hash(text), "vector": pack(vec)}
                try:
                    await KbSegmentEmbedding.update_or_create(values, segment_id=p.segment_id)
                except IntegrityError:  # another process stored it first
                    await KbSegmentEmbedding.filter(segment_id=p.segment_id).update(**values)
                done += 1
        return done

    async def refresh(self, kb: KnowledgeBase) -> None:
        """Attach what is stored, embed what is missing or stale, attach again."""
        stale = await self.attach(kb)
        if not stale:
            return
        try:
            done = await self.embed(stale)
        except LlmError as exc:
            log_event(log, "could not embed segments", level=logging.WARNING, pending=len(stale), error=exc.kind)
            return
        log_event(log, "segments embedded", count=done, model=self.model, dimension=self.dimension)
        await self.attach(kb)

    def schedule(self, kb: KnowledgeBase) -> None:
        """``refresh`` in the background (one at a time; a request during one runs once more after it)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run(kb))

    async def _run(self, kb: KnowledgeBase) -> None:
        while True:
            self._again = False
            try:
                await self.refresh(kb)
            except Exception:
                log.exception("embedding the knowledge base failed")
            if not self._again:
                return

    def dimension_seen(self, kb: KnowledgeBase, dimension: int) -> None:
        """A question vector of ``dimension``: if the passages' differ, re-embed them in the background."""
        if self.dimension != dimension:
            self.dimension = dimension
            self.schedule(kb)

    async def wait(self) -> None:
        """Until the background work (if any) is done: for tests and shutdown."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
