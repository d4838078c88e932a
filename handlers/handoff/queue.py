"""Joining and leaving the staff queue, as the user is told it.

- ``queue_user`` opens (or finds) the user's session with the transcript so far and any unfinished
  form, and says who will answer;
- ``hand_back`` is staff ending a session: closed, and the user told the bot is back (and that an
  unfinished form is still there); the message is recorded whether or not it arrived;
- ``announce_overdue`` tells users nobody picked up how else to get help, once per session.
"""
from __future__ import annotations

from chuangye.store import Store
from handlers.appointments.windows import list_windows
from handlers.forms.drafts import draft_of
from handlers.handoff import sessions as handoff
from handlers.handoff import transcript
from handlers import texts as T
from orm_models import HandoffSession, StaffAccount


async def queue_user(store: Store, openid: str, *, reason: str, county: str | None = None) -> str:
    """Queue the user with the transcript and draft; the reply tells them who will answer."""
    draft = await draft_of(store, openid)
    session, created = await handoff.start_handoff(
        openid, reason=reason, county=county, transcript=await transcript.recent(store, openid), draft=draft,
        store=store)
    if not created:
        return T.HANDOFF_ALREADY
    who = T.HANDOFF_WHO_PREFECTURE if session.county == handoff.PREFECTURE else \
        T.HANDOFF_WHO_COUNTY.format(county=session.county)
    lines = [T.HANDOFF_QUEUED.format(who=who)]
    if draft:
        lines.append(T.HANDOFF_DRAFT_KEPT.format(title=draft["title"]))
    return "\n".join(lines)


async def resume_hint(store: Store, openid: str) -> str:
    """A line after the hand-back when the user has an unfinished form ("" when not)."""
    draft = await draft_of(store, openid)
    return "\n" + T.HANDOFF_RESUME_DRAFT.format(title=draft["title"]) if draft else ""


async def hand_back(staff: StaffAccount, session_id: int, store: Store, send: handoff.Send) -> HandoffSession:
    """Staff end the session; the user is told (customer-service message), and the line is kept."""
    session = await handoff.close(staff, session_id, store)
    text = T.HANDOFF_ENDED_BY_STAFF + await resume_hint(store, session.openid)
    await handoff.record_handback(session, text, send)
    return session


async def overdue_text(county: str) -> str:
    windows = [w for w in await list_windows() if w.county == county]
    lines = [T.HANDOFF_OVERDUE_WINDOW.format(name=w.name, phone=w.phone, address=w.address, hours=w.hours_text)
             for w in windows] or [T.HANDOFF_OVERDUE_NO_WINDOW]
    return T.HANDOFF_OVERDUE.format(windows="\n".join(lines))


async def announce_overdue(minutes: float, send: handoff.Send) -> int:
    """Tell users nobody picked up within ``minutes`` how else to get help. Returns how many were told;
    a notice WeChat refuses is given in the user's next passive reply instead (take_overdue_notice)."""
    sent = 0
    for session in await handoff.claim_overdue(minutes):
        try:
            await send(session.openid, await overdue_text(session.county))
        except Exception as exc:
            await handoff.add_system_line(session, f"超时提示未能推送（{str(exc)[:80]}），将在用户下次发消息时告知")
            continue
        await handoff.mark_timeout_delivered(session)
        await handoff.add_system_line(session, "无人接入已超时，已告知用户其他求助方式")
        sent += 1
    return sent
