"""Knowledge base: programme documents as Markdown, retrieval and answer composition.

Interface used by both channels (bot and API):
    kb = KnowledgeBase.load(dir) / await KnowledgeBase.load_async(dir)
    kb.search(query, top=5) -> list[Hit]
    kb.answer(question) -> Answer(text, sources, confident, score)
    await kb.reload()
"""
from knowledge.base import Answer, Hit, KnowledgeBase, Source

__all__ = ["Answer", "Hit", "KnowledgeBase", "Source"]
