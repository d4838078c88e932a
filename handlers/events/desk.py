"""Staff at an event: its sign-ups (masked), one sign-up in full (audited), check-in by id or code.

Guarantees: staff act only on sign-ups of their county (the prefecture: all); others are "not
found". A check-in is a conditional UPDATE from ``registered``, so two clicks or two staff members
at once check someone in once; each check-in and each view of personal data writes an audit row.
"""
from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from chuangye import pii
from handlers.clock import clock, local
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.events.signup import STATUS_ZH
from handlers.staff import audit
from handlers.staff.scope import Scope, get_in_scope
from orm_models import EventRegistration, StaffAccount


def registration_row(r: EventRegistration, *, full: bool = False) -> dict[str, Any]:
    """A sign-up as staff see it; the phone is masked unless ``full`` (detail view, audited)."""
    return {"id": r.id, "event_id": r.event_id, "event_title": r.event.title, "county": r.county, "name": r.name,
            "phone": pii.decrypt(r.phone_enc) if full else r.phone_masked, "pii_masked": not full,
            "status": r.status, "status_label": STATUS_ZH.get(r.status, r.status),
            "checked_in_at": local(r.checked_in_at), "created_at": local(r.created_at)}


async def list_registrations(staff: StaffAccount, event_id: int, *, status: str | None = None,
                             ip: str | None = None) -> list[dict[str, Any]]:
    """One event's sign-ups in the staff member's scope, in sign-up order, masked; audited as a list view."""
    scope = Scope.of(staff)
    await get_in_scope(scope.events(), event_id, "活动")
    query = scope.event_registrations().filter(event_id=event_id)
    if status:
        query = query.filter(status=status)
    rows = [registration_row(r) for r in await query.select_related("event").order_by("id")]
    await audit.record(staff, "view_list", "event_registration", None, ip=ip,
                       detail={"event_id": event_id, "status": status, "rows": len(rows)})
    return rows


async def registration_detail(staff: StaffAccount, registration_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """One sign-up; the full phone for county and prefecture administrators. Every view is audited."""
    scope = Scope.of(staff)
    reg = await get_in_scope(scope.event_registrations().select_related("event"), registration_id, "活动报名")
    action = "view_detail" if scope.full_pii else "view_detail_masked"
    await audit.record(staff, action, "event_registration", reg.id, ip=ip)
    return registration_row(reg, full=scope.full_pii)


async def _check_in(staff: StaffAccount, reg: EventRegistration, ip: str | None) -> dict[str, Any]:
    if reg.status == "checked_in":
        return registration_row(reg)  # a repeated click: already done
    if reg.status != "registered":
        raise NotAllowed(f"该报名当前状态为「{STATUS_ZH.get(reg.status, reg.status)}」，不能签到")
    now = clock.now()
    async with in_transaction() as conn:
        changed = await EventRegistration.filter(id=reg.id, status="registered").using_db(conn).update(
            status="checked_in", checked_in_at=now, updated_at=now)
        if changed:
            await audit.record(staff, "check_in", "event_registration", reg.id, ip=ip, using_db=conn)
    fresh = await EventRegistration.get(id=reg.id).select_related("event")
    if fresh.status != "checked_in":
        raise NotAllowed(f"该报名当前状态为「{STATUS_ZH.get(fresh.status, fresh.status)}」，不能签到")
    return registration_row(fresh)


async def check_in(staff: StaffAccount, registration_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """Check a participant in by sign-up id. Repeating it is harmless."""
    reg = await get_in_scope(Scope.of(staff).event_registrations().select_related("event"), registration_id, "活动报名")
    return await _check_in(staff, reg, ip)


async def check_in_by_code(staff: StaffAccount, code: str, *, ip: str | None = None) -> dict[str, Any]:
    """Check a participant in by the 6-character code they show. A code of another county is unknown here."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput({"code": "签到码：请输入签到码"})
    if len(code) != 6 or not code.isascii() or not code.isalnum():
        raise InvalidInput({"code": "签到码：是 6 位字母或数字，请核对后重新输入"})
    code = code.upper()
    reg = await Scope.of(staff).event_registrations().filter(code=code).select_related("event").first()
    if reg is None:
        raise NotFound(f"没有找到签到码为 {code} 的本县市活动报名，请核对签到码")
    return await _check_in(staff, reg, ip)
