"""Notifications as staff see them: the failed (or any status) list of their scope, and retry by hand.

A notification belongs to the window or county its event is about (a booking's window, an
application's county). Window staff see their window's and their county's applicants' messages,
county administrators their county's, the prefecture all. Recipients' openids are shown masked.
"""
from __future__ import annotations

from typing import Any

from handlers.staff import audit
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.clock import local
from handlers.staff.scope import Scope
from orm_models import Appointment, LoanApplication, Notification, StaffAccount, TrainingApplication, Window
from orm_models.notifications import FAILED, STATUSES

KIND_LABELS = {
    "appointment_booked": "新预约通知工作人员", "appointment_cancelled": "取消预约通知工作人员",
    "loan_decided": "贷款预申请审核结果", "training_decided": "培训报名审核结果",
    "daily_agenda": "每日预约安排", "appointment_reminder": "预约前一天提醒",
}
STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "cancelled": "已取消"}
APPLICATION_MODELS = {"loan_decided": LoanApplication, "training_decided": TrainingApplication}


def _mask(recipient: str) -> str:
    if len(recipient) <= 8:
        return recipient
    return recipient[:4] + "****" + recipient[-4:]


async def _origin_payloads(rows: list[Notification]) -> dict[int, dict[str, Any]]:
    """row id -> the payload of the event the row came from (itself for event rows)."""
    parent_ids = {r.event_id for r in rows if r.event_id}
    parents = {p.id: p.payload for p in await Notification.filter(id__in=parent_ids)} if parent_ids else {}
    return {r.id: parents.get(r.event_id, r.payload) if r.event_id else r.payload for r in rows}


async def _places(kind: str, payload: dict[str, Any]) -> tuple[int | None, str | None]:
    """(window id, county) the notification is about."""
    if kind in APPLICATION_MODELS:
        app = await APPLICATION_MODELS[kind].get_or_none(id=payload.get("application_id") or 0)
        return None, app.county if app else None
    window_id = payload.get("window_id")
    if window_id is None and payload.get("appointment_id"):
        appt = await Appointment.get_or_none(id=payload["appointment_id"])
        window_id = appt.window_id if appt else None
    window = await Window.get_or_none(id=window_id or 0)
    return (window.id, window.county) if window else (None, None)


def _visible(scope: Scope, window_id: int | None, county: str | None) -> bool:
    if scope.everything:
        return True
    if window_id is not None and scope.role == "window":
        return window_id == scope.window_id
    return county is not None and county == scope.county


def _row(n: Notification, window_id: int | None, county: str | None) -> dict[str, Any]:
    return {
        "id": n.id, "kind": n.kind, "kind_label": KIND_LABELS.get(n.kind, n.kind), "channel": n.channel,
        "recipient": _mask(n.recipient), "status": n.status, "status_label": STATUS_LABELS.get(n.status, n.status),
        "attempts": n.attempts, "last_error": n.last_error, "window_id": window_id, "county": county,
        "created_at": local(n.created_at), "updated_at": local(n.updated_at),
        "next_attempt_at": local(n.next_attempt_at),
    }


async def list_notifications(staff: StaffAccount, status: str | None = FAILED, limit: int = 200) -> list[dict[str, Any]]:
    """The scope's notifications of ``status`` (failed by default), newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput({"status": "状态必须是 " + "、".join(STATUSES)})
    query = Notification.all() if status is None else Notification.filter(status=status)
    rows = await query.order_by("-id").limit(1000)
    origins = await _origin_payloads(rows)
    scope, out = Scope.of(staff), []
    for n in rows:
        window_id, county = await _places(n.kind, origins[n.id])
        if _visible(scope, window_id, county):
            out.append(_row(n, window_id, county))
        if len(out) >= limit:
            break
    return out


async def retry(staff: StaffAccount, notification_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """Queue a failed notification of the scope again (handlers.notifications.outbox.retry_notification)."""
    from handlers.notifications.outbox import retry_notification

    n = await Notification.get_or_none(id=notification_id)
    window_id, county = (None, None)
    if n is not None:
        window_id, county = await _places(n.kind, (await _origin_payloads([n]))[n.id])
    if n is None or not _visible(Scope.of(staff), window_id, county):
        raise NotFound(f"没有找到编号为 {notification_id} 的通知")
    if not await retry_notification(n.id):
        raise NotAllowed("只有发送失败的通知可以重发")
    await audit.record(staff, "notification_retry", "notification", n.id, ip=ip)
    return _row(await Notification.get(id=n.id), window_id, county)
