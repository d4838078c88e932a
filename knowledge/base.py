"""PLACEHOLDER until retrieval lands: keeps the app bootable. Replaced by the retrieval work."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


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


@dataclass
class Answer:
    text: str
    sources: list[Source] = field(default_factory=list)
    confident: bool = False
    score: float = 0.0


class KnowledgeBase:
    document_count = 0
    passage_count = 0

    @classmethod
    def load(cls, directory: str) -> "KnowledgeBase":
        return cls()

    @classmethod
    async def load_async(cls, directory: str) -> "KnowledgeBase":
        return await asyncio.to_thread(cls.load, directory)

    def search(self, query: str, top: int = 5) -> list[Hit]:
        return []

    def answer(self, question: str) -> Answer:
        return Answer(text="")

    async def reload(self) -> None:
        return None
