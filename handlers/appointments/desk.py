"""The window desk: a day's appointments, check-in (by id or by the visitor's code), no-show.

Guarantees: staff act only on appointments inside their scope (others are "not found"); a status
changes only by a conditional UPDATE from an allowed state, so two clicks or two staff members
at once change it once; each change writes an audit row in the same transaction.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from handlers.staff import audit
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.clock import clock, day_bounds, local
from handlers.staff.scope import Scope, get_in_scope
from handlers.appointments.booking import STATUS_ZH as STATUS_LABELS  # one name per status, for staff and applicants
from orm_models import Appointment, StaffAccount

# status -> states it may be reached from
CHECK_IN_FROM = ("booked", "no_show")  # someone marked absent who turns up late is still served
NO_SHOW_FROM = ("booked",)


def appointment_row(a: Appointment) -> dict[str, Any]:
    """The list/detail shape. The phone is always masked here."""
    return {
        "id": a.id,
        "window_id": a.window_id,
        "window_name": a.window.name,
        "county": a.window.county,
        "start": local(a.start),
        "end": local(a.end),
        "purpose": a.purpose,
        "name": a.name,
        "phone": a.phone_masked,
        "status": a.status,
        "status_label": STATUS_LABELS.get(a.status, a.status),
        "checked_in_at": local(a.checked_in_at),
        "created_at": local(a.created_at),
    }


async def list_appointments(
    scope: Scope, day: date | None = None, *, status: str | None = None, window_id: int | None = None
) -> list[dict[str, Any]]:
    """The scope's appointments starting on ``day`` (today by default), earliest first, masked."""
    start, end = day_bounds(day or clock.now().date())
    query = scope.appointments().filter(start__gte=start, start__lt=end)
    if status:
        if status not in STATUS_LABELS:
            raise InvalidInput({"status": "状态必须是 " + "、".join(STATUS_LABELS)})
        query = query.filter(status=status)
    if window_id is not None:
        query = query.filter(window_id=window_id)
    rows = await query.select_related("window").order_by("start", "id")
    return [appointment_row(a) for a in rows]


async def _transition(staff: StaffAccount, appt: Appointment, to: str, allowed: tuple[str, ...], ip: str | None) -> Appointment:
    if appt.status == to:
        return appt  # a repeated click: already done
    if appt.status not in allowed:
        raise NotAllowed(f"该预约当前状态为「{STATUS_LABELS.get(appt.status, appt.status)}」，不能{_VERBS[to]}")
    now = clock.now()
    changes: dict[str, Any] = {"status": to, "updated_at": now}
    if to == "checked_in":
        changes["checked_in_at"] = now
    async with in_transaction() as conn:
        changed = await Appointment.filter(id=appt.id, status__in=allowed).using_db(conn).update(**changes)
        if changed:
            await audit.record(staff, "check_in" if to == "checked_in" else "no_show", "appointment", appt.id,
                               ip=ip, detail={"from": appt.status}, using_db=conn)
    fresh = await Appointment.get(id=appt.id).select_related("window")
    if not changed and fresh.status != to:
        raise NotAllowed(f"该预约当前状态为「{STATUS_LABELS.get(fresh.status, fresh.status)}」，不能{_VERBS[to]}")
    return fresh


_VERBS = {"checked_in": "签到", "no_show": "标记未到场"}


async def check_in(staff: StaffAccount, appointment_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """Check a visitor in by appointment id. Repeating it is harmless."""
    appt = await get_in_scope(Scope.of(staff).appointments().select_related("window"), appointment_id, "预约")
    return appointment_row(await _transition(staff, appt, "checked_in", CHECK_IN_FROM, ip))


async def check_in_by_code(staff: StaffAccount, code: str, *, ip: str | None = None) -> dict[str, Any]:
    """Check a visitor in by the 6-character code they show. A code of another window is unknown here."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput({"code": "请输入签到码"})
    if len(code) != 6 or not code.isascii() or not code.isalnum():
        raise InvalidInput({"code": "签到码是 6 位字母或数字，请核对后重新输入"})
    code = code.upper()
    appt = await Scope.of(staff).appointments().filter(code=code).select_related("window").first()
    if appt is None:
        raise NotFound(f"没有找到签到码为 {code} 的本窗口预约，请核对签到码")
    return appointment_row(await _transition(staff, appt, "checked_in", CHECK_IN_FROM, ip))


async def mark_no_show(staff: StaffAccount, appointment_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """Mark a booked visitor absent, once their appointment time has begun."""
    appt = await get_in_scope(Scope.of(staff).appointments().select_related("window"), appointment_id, "预约")
    if appt.status == "booked" and appt.start > clock.now():
        raise NotAllowed(f"预约时间（{local(appt.start):%m-%d %H:%M}）还没到，不能标记未到场")
    return appointment_row(await _transition(staff, appt, "no_show", NO_SHOW_FROM, ip))
