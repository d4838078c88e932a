"""Policy questions, the same for both channels (official account and mini-program)."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from chuangye import pii
from chuangye.db import note_db_unavailable
from knowledge import Answer, Hit, KnowledgeBase
from orm_models import QuestionLog

log = logging.getLogger("chuangye.ask")
MAX_QUESTION_CHARS = 500
_recorded: ContextVar[list[bool] | None] = ContextVar("questions_recorded", default=None)


@contextmanager
def noting_recorded() -> Iterator[list[bool]]:
    """Collect, for the block's own task, the ``confident`` flag of each question recorded in it.

    The bot uses it to skip looking for a run of unsure answers when it just gave a sure one.
    """
    noted: list[bool] = []
    token = _recorded.set(noted)
    try:
        yield noted
    finally:
        _recorded.reset(token)


async def answer_policy_question(kb: KnowledgeBase, question: str, *, channel: str,
                                 openid: str | None = None) -> Answer:
    """Answer from the knowledge base and record the question.

    Guarantees: the answer fits one WeChat text and names its source, or says it is not sure;
    a failure to record the question never costs the user the answer.
    """
    question = question.strip()[:MAX_QUESTION_CHARS]
    answer = kb.answer(question)
    try:
        # Staff read this log (unanswered questions): keep no full ID or phone number in it.
        await QuestionLog.create(channel=channel, openid=openid, question=pii.scrub(question),
                                 confident=answer.confident, top_passage=answer.passage_id,
                                 score=round(answer.score, 3))
    except Exception as exc:
        if not note_db_unavailable(exc):  # an outage is logged once, not per question
            log.exception("could not record question log")
    else:
        noted = _recorded.get()
        if noted is not None:
            noted.append(answer.confident)
    return answer


def search_policies(kb: KnowledgeBase, query: str, top: int = 5) -> list[Hit]:
    return kb.search(query.strip()[:MAX_QUESTION_CHARS], top)
