"""The questions the bot could not answer confidently, and the FAQ entries staff write from them.

Guarantees:
- the backlog lists unhandled questions answered without confidence, and those whose answer the
  asker judged 没用 (with the segment that answer used), near-identical wordings grouped and counted;
- creating an entry validates every field (nothing is stored on bad input) and marks the questions
  it answers as handled, in one transaction;
- after a change, every process's knowledge base picks the entries up without a restart: the
  change bumps the knowledge base's version (``sync.KnowledgeSync.changed``, a database counter),
  and each process reloads when the version it last loaded differs (``FaqSync`` is that class).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from handlers.errors import InvalidInput, NotFound
from handlers.knowledge_ops.sync import KnowledgeSync, faq_entries, sync_for  # noqa: F401  (callers use faq.sync_for)
from handlers.validation import valid_pk
from orm_models import FaqEntry, KbSegment, QuestionLog, StaffAccount

log = logging.getLogger("chuangye.faq")
MAX_QUESTION, MAX_ANSWER, MAX_SOURCE = 200, 500, 200
SIMILAR = 85  # rapidfuzz ratio at which two wordings count as the same question
BACKLOG_ROWS = 1000
WRITER_ROLES = ("county", "prefecture")  # who may write and retire FAQ entries; window staff read them
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass
class QuestionGroup:
    question: str
    count: int
    ids: list[int] = field(default_factory=list)
    last_asked: datetime | None = None
    top_passage: str | None = None
    best_score: float = 0.0
    useless: int = 0  # how many of them got a confident answer the asker judged 没用
    segment_id: int | None = None  # the segment such an answer came from (the latest one)
    segment_label: str | None = None  # 《document title》section, for the console


def normalize(question: str) -> str:
    return _PUNCT.sub("", question or "").lower()


async def unconfident_questions(limit: int = 100) -> list[QuestionGroup]:
    """Unhandled questions answered without confidence or judged 没用, grouped by wording, most asked first."""
    rows = await QuestionLog.filter(Q(confident=False) | Q(helpful=False), handled=False) \
        .order_by("-created_at", "-id").limit(BACKLOG_ROWS)
    groups: list[tuple[str, QuestionGroup]] = []
    for row in rows:  # newest first, so each group shows its latest wording
        key = normalize(row.question)
        group = next((g for k, g in groups if k == key or fuzz.ratio(k, key) >= SIMILAR), None)
        if group is None:
            group = QuestionGroup(question=row.question, count=0, last_asked=row.created_at, top_passage=row.top_passage)
            groups.append((key, group))
        group.count += 1
        group.ids.append(row.id)
        if row.helpful is False and row.confident:
            group.useless += 1
            group.segment_id = group.segment_id or row.segment_id
            group.top_passage = group.top_passage or row.top_passage
        group.best_score = max(group.best_score, row.score or 0.0)
    ordered = sorted((g for _, g in groups), key=lambda g: (-g.count, -g.last_asked.timestamp()))[:limit]
    await _label_segments(ordered)
    return ordered


async def _label_segments(groups: list[QuestionGroup]) -> None:
    ids = {g.segment_id for g in groups if g.segment_id}
    if not ids:
        return
    segments = {s.id: s for s in await KbSegment.filter(id__in=ids).prefetch_related("document")}
    for g in groups:
        s = segments.get(g.segment_id) if g.segment_id else None
        if s is not None:
            g.segment_label = f"《{s.document.title}》{s.heading or f'第{s.position}段'}"


def _check_entry(question: str, answer: str, source: str) -> dict[str, str]:
    errors = {}
    if not question or len(question) > MAX_QUESTION:
        errors["question"] = f"问题必填，最长 {MAX_QUESTION} 个字"
    if not answer or len(answer) > MAX_ANSWER:
        errors["answer"] = f"答案必填，最长 {MAX_ANSWER} 个字（要能放进一条微信消息）"
    if not source or len(source) > MAX_SOURCE:
        errors["source"] = f"请注明答案的依据（文件名称或答复部门），最长 {MAX_SOURCE} 个字"
    return errors


async def create_entry(
    staff: StaffAccount, question: str, answer: str, source: str, question_ids: list[int] | None = None
) -> FaqEntry:
    """Write an FAQ entry and mark the questions it answers handled. Bad input stores nothing."""
    question, answer, source = (question or "").strip(), (answer or "").strip(), (source or "").strip()
    errors = _check_entry(question, answer, source)
    ids = _int_ids(question_ids, errors)
    if ids and not errors and await QuestionLog.filter(id__in=ids).count() != len(set(ids)):
        errors["question_ids"] = "部分问题记录不存在，请刷新列表后重试"
    if errors:
        raise InvalidInput(fields=errors)
    async with in_transaction() as conn:
        entry = await FaqEntry.create(
            question=question, answer=answer, source=source, created_by_id=staff.id,
            from_question_id=ids[0] if ids else None, using_db=conn,
        )
        if ids:
            await QuestionLog.filter(id__in=ids).using_db(conn).update(handled=True)
    return entry


def _int_ids(values: Any, errors: dict[str, str]) -> list[int]:
    if values in (None, []):
        return []
    if not isinstance(values, list) or not all(valid_pk(v) for v in values):
        errors["question_ids"] = "问题编号应为整数列表"
        return []
    return values


async def dismiss_questions(question_ids: list[int]) -> int:
    """Mark questions handled without an entry (e.g. greetings, off-topic). Returns how many changed."""
    errors: dict[str, str] = {}
    ids = _int_ids(question_ids, errors)
    if errors or not ids:
        raise InvalidInput(fields={"question_ids": errors.get("question_ids", "请选择要忽略的问题")})
    return await QuestionLog.filter(id__in=ids, handled=False).update(handled=True)


async def list_entries(include_inactive: bool = False) -> list[FaqEntry]:
    query = FaqEntry.all() if include_inactive else FaqEntry.filter(active=True)
    return await query.order_by("-id")


async def deactivate_entry(entry_id: int) -> FaqEntry:
    """Withdraw an entry from the knowledge base (again: no change). NotFound when there is none."""
    await FaqEntry.filter(id=entry_id, active=True).update(active=False)
    entry = await FaqEntry.get_or_none(id=entry_id)
    if entry is None:
        raise NotFound("没有找到该条常见问题")
    return entry


# The knowledge base follows FAQ entries like every other change to it: handlers/knowledge_ops/sync.py.
passages = faq_entries
FaqSync = KnowledgeSync
