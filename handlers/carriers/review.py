"""Staff review of applications to settle in: the loan pre-application's queue and decisions.

Guarantees of ``decide_carrier_application`` (as handlers/applications/review.py for loans):
- only an application of the staff member's scope (the carrier's county; the prefecture: all) can
  be decided, others are not found;
- only from an open state (submitted, reviewing), by a conditional UPDATE: a decision racing a
  withdrawal or another decision ends with exactly one winner;
- the new status (closing the open keys, so the applicant may apply again), the decision record,
  the audit row and the applicant's notice (outbox ``carrier_decided``) are ONE transaction.
Lists are masked; a detail view shows the full name and phone to county and prefecture
administrators; every list, detail and decision is audited.
"""
from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from chuangye import pii
from handlers.carriers.applications import CLOSED_KEYS, OPEN_STATUSES, STATUS_ZH
from handlers.carriers.directory import KIND_OF
from handlers.clock import clock, local
from handlers.errors import InvalidInput, NotAllowed
from handlers.staff import audit
from handlers.staff.scope import Scope, get_in_scope
from orm_models import CarrierApplication, ReviewDecision, StaffAccount

KIND = "carrier"  # ReviewDecision.kind, audit object_type, outbox event carrier_decided
WHAT = "入驻申请"
DECISIONS = ("approved", "rejected")
MAX_NOTE = 500


def _query(scope: Scope):
    return scope.carrier_applications().select_related("carrier")


def row(a: CarrierApplication) -> dict[str, Any]:
    c = a.carrier
    return {"id": a.id, "carrier_id": c.id, "carrier": c.name, "carrier_kind": KIND_OF.get(c.kind, c.kind),
            "county": a.county, "name": a.name_masked, "phone": a.phone_masked, "pii_masked": True,
            "project": a.project, "team_size": a.team_size, "needs": a.needs, "status": a.status,
            "status_label": STATUS_ZH.get(a.status, a.status), "decision_note": a.decision_note,
            "decided_at": local(a.decided_at), "created_at": local(a.created_at)}


async def list_carrier_applications(staff: StaffAccount, *, status: str | None = None, limit: int = 200,
                                    offset: int = 0, ip: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """The scope's applications (masked): open ones oldest first, others newest first. Audited."""
    query = _query(Scope.of(staff))
    if status:
        if status not in STATUS_ZH:
            raise InvalidInput({"status": "状态必须是 " + "、".join(STATUS_ZH)})
        query = query.filter(status=status)
    total = await query.count()
    rows = [row(a) for a in await query.order_by("id" if status in OPEN_STATUSES else "-id").offset(offset).limit(limit)]
    await audit.record(staff, "view_list", KIND, None, ip=ip, detail={"status": status, "rows": len(rows)})
    return total, rows


async def carrier_application_detail(staff: StaffAccount, app_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """One application with its decisions; opening a submitted one moves it to 审核中. Audited."""
    scope = Scope.of(staff)
    app = await get_in_scope(_query(scope), app_id, WHAT)
    if app.status == "submitted":
        if await CarrierApplication.filter(id=app.id, status="submitted").update(status="reviewing"):
            app.status = "reviewing"
    out = row(app)
    if scope.full_pii:
        out.update(name=pii.decrypt(app.name_enc), phone=pii.decrypt(app.phone_enc), pii_masked=False)
    await audit.record(staff, "view_detail" if scope.full_pii else "view_detail_masked", KIND, app.id, ip=ip)
    history = await ReviewDecision.filter(kind=KIND, application_id=app.id).order_by("id")
    out["decisions"] = [{"decision": d.decision, "note": d.note, "staff_id": d.staff_id, "at": local(d.created_at)}
                        for d in history]
    return out


def _check(decision: str, note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "审核结论必须是 approved（同意入驻）、rejected（不通过）"
    if len(note) > MAX_NOTE:
        errors["note"] = f"审核意见最多 {MAX_NOTE} 个字"
    elif decision == "rejected" and not note.strip():
        errors["note"] = "不通过时请填写原因，申请人会收到这段说明"
    return errors


async def decide_carrier_application(staff: StaffAccount, app_id: int, decision: str, note: str = "", *,
                                     ip: str | None = None) -> dict[str, Any]:
    """Decide an open application and notify the applicant (see the module docstring)."""
    from handlers.notifications.outbox import enqueue_event

    note = (note or "").strip()
    errors = _check(decision, note)
    if errors:
        raise InvalidInput(errors)
    app = await get_in_scope(_query(Scope.of(staff)), app_id, WHAT)
    now = clock.now()
    async with in_transaction() as conn:
        changed = await CarrierApplication.filter(id=app.id, status__in=OPEN_STATUSES).using_db(conn).update(
            status=decision, decision_note=note or None, decided_at=now, updated_at=now, **CLOSED_KEYS)
        if not changed:
            current = (await CarrierApplication.filter(id=app.id).using_db(conn).values_list("status", flat=True))[0]
            raise NotAllowed(f"该{WHAT}当前状态为「{STATUS_ZH.get(current, current)}」，不能再作审核决定")
        await ReviewDecision.create(kind=KIND, application_id=app.id, decision=decision, note=note, county=app.county,
                                    staff_id=staff.id, using_db=conn)
        await audit.record(staff, "decision", KIND, app.id, ip=ip, using_db=conn,
                           detail={"decision": decision, "from": app.status})
        await enqueue_event("carrier_decided", {"application_id": app.id, "decision": decision, "note": note,
                                                "user_id": app.user_id}, using_db=conn)
    return row(await _query(Scope.of(staff)).get(id=app.id))
