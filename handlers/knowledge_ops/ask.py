"""Policy questions, the same for both channels (official account and mini-program)."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from tortoise.expressions import F

from chuangye import metrics, pii
from chuangye.db import note_db_unavailable
from knowledge import Answer, Hit, KnowledgeBase
from handlers.knowledge_ops.question_log import QuestionLogWriter
from orm_models import KbSegment, QuestionLog, User

if TYPE_CHECKING:
    from knowledge.assist import Assistant

log = logging.getLogger("chuangye.ask")
MAX_QUESTION_CHARS = 500
COUNTY_SECONDS = 5.0  # a change of a user's county reaches the answers within this (as knowledge changes do)
COUNTY_ENTRIES = 10_000


@dataclass
class PolicyAnswer(Answer):
    """The knowledge base's answer, and whether the question made it into the question log (the
    bot looks for a run of unsure answers there only after recording an unsure one)."""

    recorded: bool = False
    answer_id: int | None = None  # the question log row: feedback is given against it (None: not recorded)


class Asking:
    """Per app (process): question logs written behind (question_log.py) and the askers' counties
    remembered (bounded), so that a question makes no database round trip but a user's first.

    A county older than ``COUNTY_SECONDS`` is still used for the question that finds it so, and
    read again meanwhile in the background: a change of county reaches the answers from the first
    question asked ``COUNTY_SECONDS`` after it. (Waiting for that read put the question behind
    whatever else held the database; on SQLite's one connection, a batch of question logs.)
    """

    def __init__(self, writer: QuestionLogWriter | None = None) -> None:
        self.log = writer or QuestionLogWriter()
        self._counties: OrderedDict[tuple[str, str], tuple[float, str | None]] = OrderedDict()
        self._reading: dict[tuple[str, str], asyncio.Task[str | None]] = {}

    async def county_of(self, channel: str, openid: str | None) -> str | None:
        if not openid:
            return None
        key = (channel, openid)
        cached = self._counties.get(key)
        if cached is None:
            return await asyncio.shield(self._read(key))  # a first question waits (with any other asking)
        if cached[0] <= time.monotonic():
            self._read(key)
        return cached[1]

    def _read(self, key: tuple[str, str]) -> asyncio.Task[str | None]:
        """The one read of ``key``'s county under way, started if none is."""
        task = self._reading.get(key)
        if task is None:
            task = self._reading[key] = asyncio.create_task(self._remember(key))
            task.add_done_callback(lambda _: self._reading.pop(key, None))
        return task

    async def _remember(self, key: tuple[str, str]) -> str | None:
        county, ok = await _read_county(*key)
        if ok:
            self._counties[key] = (time.monotonic() + COUNTY_SECONDS, county)
            self._counties.move_to_end(key)
            if len(self._counties) > COUNTY_ENTRIES:
                self._counties.popitem(last=False)
        return county

    async def close(self) -> None:
        for task in list(self._reading.values()):
            task.cancel()
        await self.log.close()


async def _county_of(channel: str, openid: str | None) -> str | None:
    return (await _read_county(channel, openid))[0]


async def _read_county(channel: str, openid: str | None) -> tuple[str | None, bool]:
    """(the user's county, whether it could be read)."""
    if not openid:
        return None, True
    try:
        rows = await User.filter(app=channel, openid=openid).values_list("county", flat=True)
    except Exception as exc:
        if not note_db_unavailable(exc):  # an outage is logged once, not per question
            log.exception("could not read the asker's county")
        return None, False
    return (rows[0] if rows else None), True


async def answer_policy_question(kb: KnowledgeBase, question: str, *, channel: str,
                                 openid: str | None = None, county: str | None = None,
                                 assistant: "Assistant | None" = None, asking: Asking | None = None) -> PolicyAnswer:
    """Answer from the knowledge base and record the question.

    Guarantees: the answer fits one WeChat text and names its source, or says it is not sure;
    a failure to record the question never costs the user the answer (``answer_id`` is then
    None). ``county`` (or, when not given, the county the user with ``openid`` told us): that
    county's documents come first and other counties' are never used. ``assistant`` (only when
    ``llm:`` is configured): the model's help (knowledge/assist.py), within the reply budget;
    without it, the extractive answer. ``asking`` (the app's): the question log row is written
    behind (its id is known at once) and the county is read at most every ``COUNTY_SECONDS``;
    without it, both happen here.
    """
    question = question.strip()[:MAX_QUESTION_CHARS]
    county = county or await (asking.county_of(channel, openid) if asking else _county_of(channel, openid))
    found = kb.answer(question, county=county) if assistant is None else \
        await assistant.answer(kb, question, county)
    answer = PolicyAnswer(**{f.name: getattr(found, f.name) for f in fields(Answer)})
    metrics.KNOWLEDGE_ANSWERS.labels(channel, "confident" if answer.confident else "unsure").inc()
    try:
        if asking is not None:
            answer.answer_id = await asking.log.add(
                channel=channel, openid=openid, question=pii.scrub(question), confident=answer.confident,
                top_passage=answer.passage_id, score=round(answer.score, 3),
                segment_id=answer.segment_id if answer.confident else None)
            answer.recorded = True
            return answer
        # Staff read this log (unanswered questions): keep no full ID or phone number in it.
        row = await QuestionLog.create(channel=channel, openid=openid, question=pii.scrub(question),
                                       confident=answer.confident, top_passage=answer.passage_id,
                                       score=round(answer.score, 3),
                                       segment_id=answer.segment_id if answer.confident else None)
        answer.answer_id = row.id
        if answer.confident and answer.segment_id:  # the console shows how often each segment answered
            await KbSegment.filter(id=answer.segment_id).update(used_count=F("used_count") + 1)
    except Exception as exc:
        if not note_db_unavailable(exc):  # an outage is logged once, not per question
            log.exception("could not record question log")
    else:
        answer.recorded = True
    return answer


def search_policies(kb: KnowledgeBase, query: str, top: int = 5, county: str | None = None) -> list[Hit]:
    return kb.search(query.strip()[:MAX_QUESTION_CHARS], top, county)
