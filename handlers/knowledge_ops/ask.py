"""Policy questions, the same for both channels (official account and mini-program)."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from tortoise.expressions import F

from chuangye import pii
from knowledge import Answer, Hit, KnowledgeBase
from orm_models import KbSegment, QuestionLog, User

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


async def _county_of(channel: str, openid: str | None) -> str | None:
    if not openid:
        return None
    try:
        rows = await User.filter(app=channel, openid=openid).values_list("county", flat=True)
    except Exception:
        log.exception("could not read the asker's county")
        return None
    return rows[0] if rows else None


async def answer_policy_question(kb: KnowledgeBase, question: str, *, channel: str,
                                 openid: str | None = None, county: str | None = None) -> Answer:
    """Answer from the knowledge base and record the question.

    Guarantees: the answer fits one WeChat text and names its source, or says it is not sure;
    a failure to record the question never costs the user the answer. ``county`` (or, when not
    given, the county the user with ``openid`` told us): that county's documents come first and
    other counties' are never used.
    """
    question = question.strip()[:MAX_QUESTION_CHARS]
    county = county or await _county_of(channel, openid)
    answer = kb.answer(question, county=county)
    try:
        # Staff read this log (unanswered questions): keep no full ID or phone number in it.
        await QuestionLog.create(channel=channel, openid=openid, question=pii.scrub(question),
                                 confident=answer.confident, top_passage=answer.passage_id,
                                 score=round(answer.score, 3))
        if answer.confident and answer.segment_id:  # the console shows how often each segment answered
            await KbSegment.filter(id=answer.segment_id).update(used_count=F("used_count") + 1)
    except Exception:
        log.exception("could not record question log")
    else:
        noted = _recorded.get()
        if noted is not None:
            noted.append(answer.confident)
    return answer


def search_policies(kb: KnowledgeBase, query: str, top: int = 5, county: str | None = None) -> list[Hit]:
    return kb.search(query.strip()[:MAX_QUESTION_CHARS], top, county)
