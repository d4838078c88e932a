"""Feedback on answers: 有用 / 没用 from the chat, ``POST /ask/{answer_id}/feedback`` from the mini-program.

Guarantees:
- an answer is the question-log row written when it was given (``answer_id``); feedback on an
  unknown id is NotFound;
- one vote per answer: a second vote replaces the first (the segment's ``useless_count`` moves
  with it, so a 没用 changed to 有用 no longer counts), in one transaction;
- a 没用 answer joins the unanswered-question list (faq.unconfident_questions) with the segment
  it came from, and adds one to that segment's ``useless_count`` (the console shows both).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from handlers import clock
from handlers.errors import InvalidInput, NotFound
from orm_models import KbSegment, QuestionLog

if TYPE_CHECKING:
    from handlers.knowledge_ops.ask import Asking

MAX_COMMENT = 500
# What a user types in chat right after an answer (punctuation and spaces removed first).
HELPFUL_WORDS = frozenset({"有用", "有用的", "有帮助", "很有用", "挺有用", "有用谢谢", "好用"})
USELESS_WORDS = frozenset({"没用", "没有用", "无用", "没用的", "没帮助", "没有帮助", "不有用", "没得用"})


@dataclass
class Recorded:
    answer_id: int
    helpful: bool
    changed: bool  # False when the same vote was given again


def verdict(text: str) -> bool | None:
    """True for 有用, False for 没用, None when ``text`` is not a vote."""
    word = "".join(ch for ch in (text or "") if ch.isalnum())
    if word in HELPFUL_WORDS:
        return True
    if word in USELESS_WORDS:
        return False
    return None


async def record_feedback(answer_id: int, helpful: bool, comment: str | None = None, *,
                          asking: "Asking | None" = None) -> Recorded:
    """Store the asker's verdict on an answer (replacing an earlier one). ``asking`` (the app's):
    an answer whose row is still written behind, here or in another process, is written first."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput({"comment": f"意见最长 {MAX_COMMENT} 个字"})
    if asking is not None and not await asking.log.written(answer_id):
        raise NotFound("没有找到这条回答，可能已过期")
    async with in_transaction() as conn:
        row = await QuestionLog.filter(id=answer_id).using_db(conn).select_for_update().first()
        if row is None:
            raise NotFound("没有找到这条回答，可能已过期")
        before = row.helpful
        row.helpful, row.feedback_at = helpful, clock.now()
        if comment or before is None:
            row.feedback_comment = comment
        await row.save(using_db=conn, update_fields=["helpful", "feedback_at", "feedback_comment"])
        if row.segment_id and before is not helpful:
            delta = (1 if helpful is False else 0) - (1 if before is False else 0)
            if delta:
                await KbSegment.filter(id=row.segment_id).using_db(conn).update(
                    useless_count=F("useless_count") + delta)
    return Recorded(answer_id=row.id, helpful=helpful, changed=before is not helpful)
