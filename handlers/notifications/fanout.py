"""Resolving an outbox event into one message row per recipient, each with a channel chain.

Recipients are resolved when the event is delivered (not when it is enqueued), so the
booking transaction stays small and a staff member who binds WeChat before delivery is
reached. Chains: staff get the official-account template message, then a customer-service
message; applicants get the mini-program subscribe message, then the official-account
template, then a customer-service message (WeChat itself tells us whether a subscribe grant
exists: errcode 43101 moves the row on to the next channel).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable

from tortoise.transactions import in_transaction

from orm_models import (Appointment, CarrierApplication, EventRegistration, LoanApplication, StaffAccount, TrainingApplication,
                        User, Window)
from orm_models.notifications import CUSTOM, PENDING, SENT, SUBSCRIBE, TEMPLATE, WECOM, Notification, NotificationAttempt

from handlers.notifications import compose
from handlers.clock import day_bounds

Chain = list[list[str]]  # [[channel, recipient], ...] in the order they are tried


@dataclass
class Recipient:
    key: str  # unique within the event: staff:7, wecom, applicant:12
    audience: str  # staff or applicant (picks the template id)
    chain: Chain


class ChannelUnavailable(Exception):
    """This channel cannot carry the message (e.g. no template configured): try the next one."""


class Undeliverable(Exception):
    """Retrying cannot help (e.g. the appointment no longer exists): the row fails with this text."""


class NoChannel(Undeliverable):
    """An event found nobody to notify through any channel: shown as failed, never dropped."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"无可用渠道：{detail}")


class Obsolete(Exception):
    """The message no longer makes sense (a reminder for a cancelled visit): cancelled, not failed."""


async def fan_out(row: Notification, config: Any, worker_id: str, now: datetime) -> int:
    """Create the per-recipient rows of event ``row`` and mark it done, in one transaction.

    Re-running it (after a crash or a manual retry) never duplicates a recipient's row: each
    child's dedupe key is the event's key plus the recipient's key.
    """
    resolver = RESOLVERS.get(row.kind)
    if resolver is None:
        raise Undeliverable(f"未知的通知类型 {row.kind}")
    message, recipients, nobody = await resolver(row.payload, config)
    if not recipients:
        raise NoChannel(nobody)
    children = [_child(row, r, message, now) for r in recipients]
    async with in_transaction() as conn:
        await Notification.bulk_create(children, ignore_conflicts=True, using_db=conn)
        await NotificationAttempt.create(notification_id=row.id, channel=row.channel, recipient="", ok=True,
                                         errmsg=f"分发给 {len(children)} 个接收方", worker=worker_id, using_db=conn)
        done = await Notification.filter(id=row.id, claimed_by=worker_id).using_db(conn).update(
            status=SENT, sent_at=now, claimed_by=None, claimed_until=None, last_error=None)
        if not done:
            raise RuntimeError(f"lease on event {row.id} lost during fan-out")
    return len(children)


def _child(event: Notification, r: Recipient, message: dict[str, Any], now: datetime) -> Notification:
    payload = {"message": message, "audience": r.audience, "chain": r.chain, "fallbacks": r.chain[1:]}
    return Notification(kind=event.kind, channel=r.chain[0][0], recipient=r.chain[0][1], payload=payload,
                        status=PENDING, next_attempt_at=now, dedupe_key=f"{event.dedupe_key}>{r.key}",
                        event_id=event.id, request_id=event.request_id)


# ---------------------------------------------------------------- recipients


async def window_staff(window_id: int, config: Any) -> list[Recipient]:
    staff = await StaffAccount.filter(window_id=window_id, is_active=True, wechat_openid__isnull=False).order_by("id")
    out = []
    for s in staff:
        chain = [[TEMPLATE, s.wechat_openid]] if config.wechat.staff_template_id else []
        out.append(Recipient(f"staff:{s.id}", "staff", chain + [[CUSTOM, s.wechat_openid]]))
    return out


async def applicant(user_id: int, config: Any) -> list[Recipient]:
    user = await User.get_or_none(id=user_id)
    if user is None:
        return []
    people = [user]
    if user.unionid:
        people += await User.filter(unionid=user.unionid).exclude(id=user.id).order_by("id")
    mp = next((p.openid for p in people if p.app == "mp"), None)
    oa = next((p.openid for p in people if p.app == "oa"), None)
    chain: Chain = []
    if mp and config.wechat.subscribe_template_id:
        chain.append([SUBSCRIBE, mp])
    if oa and config.wechat.applicant_template_id:
        chain.append([TEMPLATE, oa])
    if oa:
        chain.append([CUSTOM, oa])
    return [Recipient(f"applicant:{user.id}", "applicant", chain)] if chain else []


# ---------------------------------------------------------------- one resolver per event

Resolved = tuple[dict[str, Any], list[Recipient], str]


async def _appointment(payload: dict[str, Any]) -> Appointment:
    appt = await Appointment.get_or_none(id=payload["appointment_id"]).prefetch_related("window")
    if appt is None:
        raise Undeliverable(f"预约记录不存在（编号 {payload['appointment_id']}）")
    return appt


async def _appointment_changed(payload: dict[str, Any], config: Any, kind: str) -> Resolved:
    appt = await _appointment(payload)
    message = compose.appointment_message(kind, window_name=appt.window.name, start=appt.start,
                                          purpose=appt.purpose, name=appt.name)
    recipients = await window_staff(appt.window_id, config)
    if config.notify.wecom_webhook_url:
        recipients.append(Recipient("wecom", "staff", [[WECOM, "wecom"]]))
    return message, recipients, f"{appt.window.name}没有已绑定微信的工作人员，也未配置企业微信群机器人"


async def _booked(payload: dict[str, Any], config: Any) -> Resolved:
    return await _appointment_changed(payload, config, "appointment_booked")


async def _cancelled(payload: dict[str, Any], config: Any) -> Resolved:
    return await _appointment_changed(payload, config, "appointment_cancelled")


async def _loan_decided(payload: dict[str, Any], config: Any) -> Resolved:
    app = await LoanApplication.get_or_none(id=payload["application_id"])
    if app is None:
        raise Undeliverable(f"贷款预申请不存在（编号 {payload['application_id']}）")
    message = compose.decision_message("loan_decided", subject=f"{app.product}预申请", decision=payload["decision"],
                                       note=payload.get("note") or app.decision_note)
    return message, await applicant(payload.get("user_id") or app.user_id, config), _NO_APPLICANT_CHANNEL


async def _training_decided(payload: dict[str, Any], config: Any) -> Resolved:
    app = await TrainingApplication.get_or_none(id=payload["application_id"]).prefetch_related("session__course")
    if app is None:
        raise Undeliverable(f"培训报名不存在（编号 {payload['application_id']}）")
    message = compose.decision_message("training_decided", subject=f"{app.session.course.title}培训报名",
                                       decision=payload["decision"], note=payload.get("note") or app.decision_note)
    return message, await applicant(payload.get("user_id") or app.user_id, config), _NO_APPLICANT_CHANNEL


async def _carrier_decided(payload: dict[str, Any], config: Any) -> Resolved:
    app = await CarrierApplication.get_or_none(id=payload["application_id"]).prefetch_related("carrier")
    if app is None:
        raise Undeliverable(f"入驻申请不存在（编号 {payload['application_id']}）")
    message = compose.decision_message("carrier_decided", subject=f"入驻{app.carrier.name}",
                                       decision=payload["decision"], note=payload.get("note") or app.decision_note)
    return message, await applicant(payload.get("user_id") or app.user_id, config), _NO_APPLICANT_CHANNEL


_NO_APPLICANT_CHANNEL = "申请人既未关注公众号，也没有可用的小程序订阅消息"


async def _daily_agenda(payload: dict[str, Any], config: Any) -> Resolved:
    window = await Window.get_or_none(id=payload["window_id"])
    if window is None:
        raise Undeliverable(f"窗口不存在（编号 {payload['window_id']}）")
    day = datetime.fromisoformat(payload["date"]).date()
    begin, end = day_bounds(day)
    appts = await Appointment.filter(window_id=window.id, start__gte=begin, start__lt=end,
                                     status__in=["booked", "checked_in"]).order_by("start")
    message = compose.agenda_message(window_name=window.name, day=day, starts=[(a.start, a.name) for a in appts])
    return message, await window_staff(window.id, config), f"{window.name}没有已绑定微信的工作人员"


async def _reminder(payload: dict[str, Any], config: Any) -> Resolved:
    appt = await _appointment(payload)
    if appt.status != "booked":
        raise Obsolete("预约已取消或已办理，不再提醒")
    message = compose.reminder_message(window_name=appt.window.name, address=appt.window.address,
                                       start=appt.start, code=appt.code)
    return message, await applicant(appt.user_id, config), _NO_APPLICANT_CHANNEL


async def _event_reminder(payload: dict[str, Any], config: Any) -> Resolved:
    reg = await EventRegistration.get_or_none(id=payload["registration_id"]).prefetch_related("event")
    if reg is None:
        raise Undeliverable(f"活动报名不存在（编号 {payload['registration_id']}）")
    if reg.status != "registered" or not reg.event.is_active:
        raise Obsolete("活动报名已取消、已签到或活动已撤下，不再提醒")
    e = reg.event
    message = compose.event_reminder_message(title=e.title, start=e.start, place=e.place, online_url=e.online_url,
                                             code=reg.code)
    return message, await applicant(reg.user_id, config), _NO_APPLICANT_CHANNEL


RESOLVERS: dict[str, Callable[[dict[str, Any], Any], Awaitable[Resolved]]] = {
    "appointment_booked": _booked,
    "appointment_cancelled": _cancelled,
    "loan_decided": _loan_decided,
    "training_decided": _training_decided,
    "carrier_decided": _carrier_decided,
    "daily_agenda": _daily_agenda,
    "appointment_reminder": _reminder,
    "event_reminder": _event_reminder,
}


def register(kind: str, resolver: Callable[[dict[str, Any], Any], Awaitable[Resolved]]) -> None:
    """A capability's own events (e.g. handlers/mentors/notices.py), registered when it is imported,
    so notifications never import the capabilities (import-linter: no cycles in handlers)."""
    RESOLVERS[kind] = resolver
