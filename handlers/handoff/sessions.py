"""Human handoff (人工服务): a user waits for their county's staff, who answer and hand back.

Guarantees:
- a user has at most one open (waiting or active) session: enforced by a unique column in the
  database, so two processes racing to open one end up sharing it;
- every line said while in handoff (the user's messages, staff replies, the hand-back) is kept in
  the session's transcript, together with the conversation before the handoff;
- staff see and act on the sessions of their own county only (the prefecture sees all, and is the
  only one to see 州级 sessions); anything outside a member's scope is "not found";
- a staff reply is recorded whether or not WeChat accepted it, with the reason when it did not;
- the "nobody answered" notice is claimed row by row with a conditional update, so with several
  processes each overdue session is announced once;
- ID and mobile numbers in what the user or the bot said are masked before they are stored
  (personal data is kept encrypted elsewhere, never in plain transcripts).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from chuangye import pii
from chuangye.store import Store
from handlers.staff import audit
from handlers.handoff import marker as handoff_marker
from handlers.handoff import streak
from handlers.errors import DomainError, InvalidInput, NotFound
from handlers.clock import TZ
from orm_models import (Appointment, HandoffMessage, HandoffSession, LoanApplication, StaffAccount,
                        TrainingApplication, User)
from orm_models.handoff import PREFECTURE

log = logging.getLogger("chuangye.handoff")
OPEN = ("waiting", "active")
STATUS_ZH = {"waiting": "等待接入", "active": "服务中", "closed": "已结束"}
REASON_ZH = {"asked": "用户要求", "menu": "菜单进入", "unconfident": "连续答不准"}
SENDER_ZH = {"user": "用户", "bot": "机器人", "staff": "工作人员", "system": "系统"}
MAX_REPLY = 600
Send = Callable[[str, str], Awaitable[Any]]


class HandoffNotFound(NotFound):
    """No such session within the staff member's scope (HTTP 404)."""

    default_message = "没有找到该人工服务会话"


class HandoffClosed(DomainError):
    """The session was already handed back (HTTP 409)."""

    code, status = "handoff_closed", 409
    default_message = "该会话已结束，用户已回到机器人服务"


def now() -> datetime:
    return datetime.now(TZ)


def scrub(text: str) -> str:
    """Mask resident ID and mainland mobile numbers however typed (spaces, hyphens, full-width, +86)."""
    return pii.scrub(text)


async def open_session(openid: str, store: Store | None = None) -> HandoffSession | None:
    """The user's waiting or active session, if any.

    With ``store``, a recent "none" comes from the marker (handlers/handoff/marker.py) instead of
    a query; anything else is asked of the database, which stays the source of truth.
    """
    mark = await handoff_marker.read(store, openid) if store is not None else None
    if mark == handoff_marker.NONE:
        return None
    session = await HandoffSession.get_or_none(open_openid=openid)
    if store is not None and mark is None:
        await handoff_marker.learned(store, openid, session is not None)
    return session


async def resolve_county(openid: str) -> str:
    """The county whose staff should answer: the user's profile, else their latest records, else 州级."""
    user = await User.get_or_none(app="oa", openid=openid)
    if user is not None and user.county:
        return user.county
    for finder in _COUNTY_FINDERS:
        county = await finder(openid)
        if county:
            return county
    return PREFECTURE


async def _county_from_loans(openid: str) -> str | None:
    row = await LoanApplication.filter(user__app="oa", user__openid=openid).order_by("-id").first()
    return row.county if row else None


async def _county_from_training(openid: str) -> str | None:
    row = await TrainingApplication.filter(user__app="oa", user__openid=openid).order_by("-id").first()
    return row.county if row else None


async def _county_from_appointments(openid: str) -> str | None:
    row = (
        await Appointment.filter(user__app="oa", user__openid=openid).order_by("-id").select_related("window").first()
    )
    return row.window.county if row else None


_COUNTY_FINDERS = (_county_from_loans, _county_from_training, _county_from_appointments)


async def start_handoff(
    openid: str,
    *,
    reason: str,
    county: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    draft: dict[str, Any] | None = None,
    store: Store | None = None,
) -> tuple[HandoffSession, bool]:
    """Queue the user for staff. Returns (session, created): an already open session is reused.

    ``transcript`` is the conversation so far ({"who": "user"|"bot", "text": ...}, oldest first);
    ``draft`` the chat-flow state the user had, shown to staff. ``store``: the shared store whose
    "open session" marker is set once the session is committed.
    """
    session, created = await _start(openid, reason, county, transcript, draft)
    if store is not None:
        await handoff_marker.opened(store, openid)
        await streak.clear(store, openid)
    return session, created


async def _start(openid: str, reason: str, county: str | None, transcript: list[dict[str, Any]] | None,
                 draft: dict[str, Any] | None) -> tuple[HandoffSession, bool]:
    existing = await open_session(openid)
    if existing is not None:
        return existing, False
    county = county or await resolve_county(openid)
    try:
        async with in_transaction() as conn:
            session = await HandoffSession.create(
                openid=openid, open_openid=openid, county=county, reason=reason, draft=draft, using_db=conn
            )
            for line in transcript or []:
                await HandoffMessage.create(
                    session=session, sender=_who(line.get("who")), text=scrub(str(line.get("text", "")))[:2000],
                    before_handoff=True, using_db=conn,
                )
    except IntegrityError:
        session = await open_session(openid)
        if session is None:
            raise
        return session, False
    return session, True


def _who(value: Any) -> str:
    return value if value in ("user", "bot", "staff", "system") else "user"


async def record_user_message(session: HandoffSession, text: str) -> HandoffMessage:
    return await HandoffMessage.create(session=session, sender="user", text=scrub(text)[:2000])


async def mark_quiet_notice(session: HandoffSession) -> bool:
    """True the first time only: the user is told once that staff will answer."""
    return bool(await HandoffSession.filter(id=session.id, quiet_notice_sent=False).update(quiet_notice_sent=True))


# ---------------------------------------------------------------- staff side


def _scoped(staff: StaffAccount):
    query = HandoffSession.all()
    return query if staff.role == "prefecture" else query.filter(county=staff.county or "")


async def list_sessions(staff: StaffAccount, status: str | None = "open") -> list[HandoffSession]:
    """Sessions in the member's scope, the longest-waiting first. ``status``: open, closed or all."""
    query = _scoped(staff)
    if status == "open":
        query = query.filter(status__in=OPEN)
    elif status == "closed":
        query = query.filter(status="closed")
    elif status not in (None, "all"):
        raise InvalidInput(fields={"status": "状态只能是 open（进行中）、closed（已结束）或 all（全部）"})
    return await query.order_by("created_at", "id").limit(200)


async def waiting_count() -> int:
    """How many users wait for staff right now (the queue a /metrics gauge shows)."""
    return await HandoffSession.filter(status="waiting").count()


async def get_session(staff: StaffAccount, session_id: int, *, ip: str | None = None) -> tuple[HandoffSession, list[HandoffMessage]]:
    """The session and its transcript, oldest line first. Viewing is written to the audit log."""
    session = await _scoped(staff).get_or_none(id=session_id)
    if session is None:
        raise HandoffNotFound()
    await audit.record(staff, "view_detail", "handoff", session.id, ip=ip, detail={"county": session.county})
    return session, await HandoffMessage.filter(session_id=session.id).order_by("id")


async def reply(staff: StaffAccount, session_id: int, text: str, send: Send) -> HandoffMessage:
    """Send ``text`` to the user as a customer-service message and record it.

    The first reply picks the session up (waiting → active). The returned line says whether WeChat
    accepted it (``delivered``) and why not (``error``).
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_REPLY:
        raise InvalidInput(fields={"text": f"回复内容必填，最长 {MAX_REPLY} 个字"})
    session = await _open_in_scope(staff, session_id)
    if session.status == "waiting":
        await HandoffSession.filter(id=session.id, status="waiting").update(
            status="active", staff_id=staff.id, picked_at=now()
        )
    line = await HandoffMessage.create(session=session, sender="staff", text=text, staff_id=staff.id)
    line.delivered, line.error = await _deliver(send, session.openid, text)
    await line.save(update_fields=["delivered", "error"])
    return line


# Why WeChat refuses a customer-service message, in words staff can act on.
SEND_REFUSALS = {
    45015: "用户超过 48 小时没有给公众号发消息，微信不允许再发客服消息，请改用电话联系",
    45047: "用户回复前最多只能连续发送 5 条客服消息，请等用户回复",
    48001: "公众号没有客服消息接口权限（未认证），无法发送",
    43004: "用户已取消关注公众号",
    43101: "用户拒收消息",
}


async def _deliver(send: Send, openid: str, text: str) -> tuple[bool, str | None]:
    try:
        await send(openid, text)
    except Exception as exc:  # recorded on the line and shown to staff, never swallowed
        log.warning("handoff reply to %s not delivered: %s", openid, exc)
        return False, _refusal(exc)
    return True, None


def _refusal(exc: Exception) -> str:
    code = getattr(exc, "errcode", None)
    if code in SEND_REFUSALS:
        return f"{SEND_REFUSALS[code]}（errcode {code}）"
    return f"发送失败：{str(exc)[:150] or exc.__class__.__name__}"


async def close(staff: StaffAccount | None, session_id: int, store: Store | None = None) -> HandoffSession:
    """Hand the user back to the bot. ``staff`` None means the system (e.g. the user asked).

    ``store``: the shared store whose "open session" marker is cleared after the update.
    """
    session = await (_open_in_scope(staff, session_id) if staff else HandoffSession.get(id=session_id))
    changed = await HandoffSession.filter(id=session.id, status__in=OPEN).update(
        status="closed", open_openid=None, closed_at=now(), closed_by_id=staff.id if staff else None
    )
    if not changed:
        raise HandoffClosed()
    if store is not None:
        await handoff_marker.closed(store, session.openid)
    who = f"工作人员 {staff.display_name or staff.username}" if staff else "用户"
    await HandoffMessage.create(session=session, sender="system", text=f"{who}结束了人工服务", staff_id=staff.id if staff else None)
    return await HandoffSession.get(id=session.id)


async def record_handback(session: HandoffSession, text: str, send: Send) -> HandoffMessage:
    """Tell the user the bot is back (customer-service message); the line records whether it arrived."""
    delivered, error = await _deliver(send, session.openid, text)
    return await HandoffMessage.create(session=session, sender="bot", text=text, delivered=delivered, error=error)


async def _open_in_scope(staff: StaffAccount, session_id: int) -> HandoffSession:
    session = await _scoped(staff).get_or_none(id=session_id)
    if session is None:
        raise HandoffNotFound()
    if session.status not in OPEN:
        raise HandoffClosed()
    return session


async def claim_overdue(minutes: float, *, at: datetime | None = None) -> list[HandoffSession]:
    """Waiting sessions nobody picked up within ``minutes``, each returned once across all processes."""
    cutoff = (at or now()) - timedelta(minutes=minutes)
    claimed = []
    for session in await HandoffSession.filter(status="waiting", timeout_notified_at=None, created_at__lte=cutoff):
        if await HandoffSession.filter(id=session.id, timeout_notified_at=None).update(timeout_notified_at=now()):
            claimed.append(session)
    return claimed


async def mark_timeout_delivered(session: HandoffSession) -> None:
    await HandoffSession.filter(id=session.id).update(timeout_delivered=True)


async def take_overdue_notice(session: HandoffSession, minutes: float) -> bool:
    """True once for a session still waiting after ``minutes`` whose notice did not reach the user:
    the caller then gives it in its passive reply (which, unlike a push, always arrives)."""
    if session.status != "waiting" or session.timeout_delivered:
        return False
    if session.created_at > now() - timedelta(minutes=minutes):
        return False
    return bool(await HandoffSession.filter(id=session.id, timeout_delivered=False).update(
        timeout_delivered=True, timeout_notified_at=now()))


async def add_system_line(session: HandoffSession, text: str) -> None:
    await HandoffMessage.create(session=session, sender="system", text=text)
