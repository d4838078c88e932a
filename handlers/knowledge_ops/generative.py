"""The process's model helper (``llm:``): the assistant of knowledge/assist.py with the embedder
that keeps segment vectors in the database (embeddings.py)."""
from __future__ import annotations

from chuangye.config import LlmConfig
from chuangye.llm import LlmClient
from handlers.knowledge_ops.embeddings import Embedder
from knowledge.assist import ANSWER_SYSTEM, REWRITE_SYSTEM, Assistant

__all__ = ["ANSWER_SYSTEM", "REWRITE_SYSTEM", "Assistant", "make_assistant"]


def make_assistant(config: LlmConfig, session: object) -> Assistant | None:
    """The process's assistant, or None when ``llm:`` asks for nothing (the default)."""
    if not config.enabled or not config.base_url:
        return None
    client = LlmClient(session, config.base_url, api_key=config.api_key,  # type: ignore[arg-type]
                       chat_model=config.chat_model, embedding_model=config.embedding_model,
                       connect_timeout=config.connect_timeout_seconds, max_tokens=config.max_tokens)
    embedder = Embedder(client, timeout=config.background_timeout_seconds) if config.embedding_model else None
    return Assistant(client, config, embedder)
