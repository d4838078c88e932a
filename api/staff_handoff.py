"""Staff side of 人工服务 and of the FAQ backlog: /staff/handoffs, /staff/questions, /staff/faq.

Handoff sessions are scoped like everything else (a window's and a county's staff see their
county's users, the prefecture sees all and the 州级 queue). A reply goes to the user as a
customer-service message and is recorded whether or not WeChat accepted it. Handing back tells
the user the bot is back. FAQ entries join the knowledge base at once in this process and in
every other one on its next question (handlers/knowledge_ops/faq.py), without a restart.
Text users typed (transcripts, questions) is shown with any ID or mobile number masked
(``chuangye.pii.scrub``), however it was written and whatever the stored row holds.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import Field

from chuangye import appkeys as K
from chuangye.pii import scrub
from handlers.knowledge_ops import faq
from handlers.handoff import sessions as handoff
from handlers.handoff.queue import hand_back
from orm_models import HandoffMessage, HandoffSession
from orm_models.handoff import HANDOFF_STATUSES

from api.registry import Call, Routes
from api.schemas import DbId, In, Out, Timestamp
from api.staff import ROLE_ERRORS, client_ip, require

routes = Routes("工作人员·人工服务", "转人工的用户队列、对话记录、回复和结束；机器人答不准的问题和常见问题（FAQ）维护")

FAQ_ROLES = faq.WRITER_ROLES
SCOPE_NOTE = "窗口工作人员和县市管理员看本县市的用户，州级管理员看全部（含州级队列）"


class SessionQuery(In):
    status: Literal["open", "closed", "all"] = Field("open", title="状态", description="open 等待或进行中 / closed 已结束 / all 全部")


class SessionRow(Out):
    id: int
    user: str = Field(description="用户标识（openid 末 6 位）")
    county: str = Field(description="负责的县市，或“州级”")
    status: Literal[HANDOFF_STATUSES]  # type: ignore[valid-type]
    reason: str = Field(description="asked 用户要求 / menu 菜单 / unconfident 连续答不准")
    staff_id: int | None
    created_at: Timestamp
    picked_at: Timestamp | None
    closed_at: Timestamp | None
    overdue_notified: bool = Field(description="是否已因无人接入告知用户其他求助方式")
    draft: dict[str, Any] | None = Field(description="转人工时用户未填完的表单（已脱敏）")


class SessionList(Out):
    sessions: list[SessionRow]


class MessageRow(Out):
    id: int
    sender: Literal["user", "bot", "staff", "system"]
    text: str
    staff_id: int | None
    before_handoff: bool = Field(description="转人工之前的对话")
    delivered: bool | None = Field(description="工作人员回复是否已送达微信")
    error: str | None = Field(description="未送达的原因")
    at: Timestamp


class SessionDetail(Out):
    session: SessionRow
    messages: list[MessageRow]


class ReplyIn(In):
    text: str = Field(..., title="回复内容", min_length=1, max_length=handoff.MAX_REPLY)


class ReplyOut(Out):
    message: MessageRow


class SessionOut(Out):
    session: SessionRow


def session_row(s: HandoffSession) -> dict[str, Any]:
    return {"id": s.id, "user": "…" + s.openid[-6:], "county": s.county, "status": s.status, "reason": s.reason,
            "staff_id": s.staff_id, "created_at": s.created_at, "picked_at": s.picked_at, "closed_at": s.closed_at,
            "overdue_notified": s.timeout_delivered, "draft": s.draft}


def message_row(m: HandoffMessage) -> dict[str, Any]:
    return {"id": m.id, "sender": m.sender, "text": scrub(m.text), "staff_id": m.staff_id, "before_handoff": m.before_handoff,
            "delivered": m.delivered, "error": m.error, "at": m.created_at}


@routes.get("/staff/handoffs", summary="转人工的用户队列（等待最久的在前）", auth="staff", query=SessionQuery,
            response=SessionList, description=SCOPE_NOTE)
async def staff_handoff_list(call: Call) -> dict:
    return {"sessions": [session_row(s) for s in await handoff.list_sessions(call.staff, call.query.status)]}


@routes.get("/staff/handoffs/{id}", summary="人工服务对话记录（查看记入审计日志）", auth="staff", response=SessionDetail)
async def staff_handoff_detail(call: Call) -> dict:
    session, lines = await handoff.get_session(call.staff, call.path["id"], ip=client_ip(call))
    return {"session": session_row(session), "messages": [message_row(m) for m in lines]}


@routes.post("/staff/handoffs/{id}/reply", summary="回复用户（以客服消息发送，结果记入对话）", auth="staff",
             body=ReplyIn, response=ReplyOut, errors={409: "会话已结束（handoff_closed）"})
async def staff_handoff_reply(call: Call) -> dict:
    send = call.resource(K.WECHAT).send_custom_text
    return {"message": message_row(await handoff.reply(call.staff, call.path["id"], call.body.text, send))}


@routes.post("/staff/handoffs/{id}/close", summary="结束人工服务，交还机器人（告知用户）", auth="staff",
             response=SessionOut, errors={409: "会话已结束（handoff_closed）"})
async def staff_handoff_close(call: Call) -> dict:
    send = call.resource(K.WECHAT).send_custom_text
    return {"session": session_row(await hand_back(call.staff, call.path["id"], call.resource(K.STORE), send))}


# ---------------------------------------------------------------- unconfident questions and FAQ


class BacklogQuery(In):
    limit: int = Field(100, ge=1, le=500, title="条数")


class QuestionGroupRow(Out):
    question: str = Field(description="最近一次的问法")
    count: int = Field(description="相近问法被问的次数")
    ids: list[int] = Field(description="这些提问记录的编号，写 FAQ 或忽略时传回")
    last_asked: Timestamp
    top_passage: str | None = Field(description="机器人当时找到的最接近的段落")
    best_score: float
    useless: int = Field(description="其中机器人有把握地回答了、但提问人评为“没用”的次数")
    segment_id: int | None = Field(description="被评为“没用”的回答所用的知识库段落")
    segment_label: str | None = Field(description="该段落的文档标题和小标题")


class BacklogOut(Out):
    groups: list[QuestionGroupRow]


class FaqIn(In):
    # Lengths are checked by the use case (handlers/knowledge_ops/faq.py), whose messages name each field.
    question: str = Field(..., title="问题", description=f"最长 {faq.MAX_QUESTION} 个字")
    answer: str = Field(..., title="答案", description=f"最长 {faq.MAX_ANSWER} 个字，要能放进一条微信消息")
    source: str = Field(..., title="依据", description=f"答案的依据：文件名称或答复部门，最长 {faq.MAX_SOURCE} 个字")
    question_ids: list[DbId] = Field(default_factory=list, title="对应的提问记录编号", max_length=1000)


class DismissIn(In):
    question_ids: list[DbId] = Field(..., title="要忽略的提问记录编号", min_length=1, max_length=1000)


class DismissOut(Out):
    dismissed: int


class FaqRow(Out):
    id: int
    question: str
    answer: str
    source: str
    active: bool
    created_by_id: int | None
    created_at: Timestamp


class FaqOne(Out):
    entry: FaqRow


class FaqList(Out):
    entries: list[FaqRow]


async def _faq_changed(call: Call) -> None:
    await faq.sync_for(call.resource(K.EXTRA), call.resource(K.KB), call.resource(K.STORE)).changed()


@routes.get("/staff/questions/unconfident", summary="机器人没能准确回答或被评为“没用”的问题（相近问法合并计数）", auth="staff",
            query=BacklogQuery, response=BacklogOut)
async def staff_unconfident_questions(call: Call) -> dict:
    groups = await faq.unconfident_questions(call.query.limit)
    return {"groups": [replace(g, question=scrub(g.question)) for g in groups]}


@routes.post("/staff/questions/dismiss", summary="忽略问题（不写 FAQ，从列表移除）", auth="staff", body=DismissIn,
             response=DismissOut, errors=ROLE_ERRORS)
async def staff_dismiss_questions(call: Call) -> dict:
    require(call, *FAQ_ROLES)
    return {"dismissed": await faq.dismiss_questions(call.body.question_ids)}


@routes.get("/staff/faq", summary="常见问题（FAQ）列表", auth="staff", response=FaqList)
async def staff_faq_list(call: Call) -> dict:
    return {"entries": await faq.list_entries()}


@routes.post("/staff/faq", summary="新增常见问题（立即用于回答，无需重启）", auth="staff", body=FaqIn, response=FaqOne,
             status=201, errors=ROLE_ERRORS)
async def staff_faq_create(call: Call) -> dict:
    staff = require(call, *FAQ_ROLES)
    b = call.body
    entry = await faq.create_entry(staff, b.question, b.answer, b.source, b.question_ids)
    await _faq_changed(call)
    return {"entry": entry}


@routes.post("/staff/faq/{id}/deactivate", summary="停用常见问题（立即不再用于回答）", auth="staff", response=FaqOne,
             idempotent=False, errors={**ROLE_ERRORS, 404: "没有该条常见问题（not_found）"})
async def staff_faq_deactivate(call: Call) -> dict:
    require(call, *FAQ_ROLES)
    entry = await faq.deactivate_entry(call.path["id"])
    await _faq_changed(call)
    return {"entry": entry}
