"""Review queues and decisions on loan pre-applications and training applications.

Guarantees of ``decide_application``:
- only an application inside the staff member's scope can be decided (others: not found);
- only from an open state (loans: submitted/reviewing, training: submitted), by a conditional
  UPDATE, so a decision and a withdrawal (or two staff members) racing end with exactly one winner;
- the new status, the decision record, the audit row and the applicant's notification (outbox)
  are written in ONE transaction: all or nothing;
- a rejected training application gives its seat back.
Views of full personal data are written to the audit log; lists are always masked.
"""
from __future__ import annotations

from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from chuangye import pii
from handlers.staff import audit
from handlers.errors import InvalidInput, NotAllowed
from handlers.applications.loans import OPEN_STATUSES as LOAN_OPEN
from handlers.applications.loans import STATUS_ZH as LOAN_STATUS_ZH
from handlers.applications.training import STATUS_ZH as TRAINING_STATUS_ZH
from handlers.clock import clock
from handlers.clock import local
from handlers.staff.scope import Scope, get_in_scope
from orm_models import LoanApplication, ReviewDecision, StaffAccount, TrainingApplication, TrainingSession

# One name per status: staff read the words applicants read (chat, mini-program, exports, console).
LOAN_LABELS = LOAN_STATUS_ZH
TRAINING_LABELS = TRAINING_STATUS_ZH
OPEN = {"loan": LOAN_OPEN, "training": ("submitted",)}
DECISIONS = {"loan": ("approved", "rejected", "referred"), "training": ("approved", "rejected")}
DECISION_ZH = {"approved": "通过", "rejected": "不通过", "referred": "转银行"}  # the verbs staff choose from
WHAT = {"loan": "贷款预申请", "training": "培训报名"}
MAX_NOTE = 500


def _labels(kind: str) -> dict[str, str]:
    return LOAN_LABELS if kind == "loan" else TRAINING_LABELS


def _query(scope: Scope, kind: str):
    return scope.loans() if kind == "loan" else scope.trainings().select_related("session__course")


def _common(a: Any, kind: str) -> dict[str, Any]:
    return {
        "id": a.id, "county": a.county, "category": a.category, "name": a.name,
        "id_number": a.id_masked, "phone": a.phone_masked, "pii_masked": True,
        "status": a.status, "status_label": _labels(kind).get(a.status, a.status),
        "decision_note": a.decision_note, "decided_at": local(a.decided_at), "created_at": local(a.created_at),
    }


def loan_row(a: LoanApplication) -> dict[str, Any]:
    return {**_common(a, "loan"), "product": a.product, "business_type": a.business_type, "amount": a.amount,
            "purpose": a.purpose, "eligibility": a.eligibility, "eligibility_reasons": a.eligibility_reasons}


def training_row(a: TrainingApplication) -> dict[str, Any]:
    s = a.session
    return {**_common(a, "training"), "session_id": s.id, "course": s.course.title,
            "session_start": local(s.start), "session_county": s.county, "location": s.location}


def row(kind: str, a: Any) -> dict[str, Any]:
    return loan_row(a) if kind == "loan" else training_row(a)


async def list_applications(scope: Scope, kind: str, *, status: str | None = None, limit: int = 200,
                            offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """The scope's applications (masked), open ones oldest first, others newest first."""
    query = _query(scope, kind)
    if status:
        if status not in _labels(kind):
            raise InvalidInput({"status": "状态必须是 " + "、".join(_labels(kind))})
        query = query.filter(status=status)
    order = "id" if status in OPEN[kind] else "-id"
    total = await query.count()
    rows = await query.order_by(order).offset(offset).limit(limit)
    return total, [row(kind, a) for a in rows]


async def application_detail(staff: StaffAccount, kind: str, app_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """One application with its decision history. County and prefecture administrators see the full
    ID and phone number (audited as view_detail), window staff the masked form (audited too).
    Opening a submitted loan pre-application moves it to 审核中 (reviewing).
    """
    scope = Scope.of(staff)
    app = await get_in_scope(_query(scope, kind), app_id, WHAT[kind])
    if kind == "loan" and app.status == "submitted":
        if await LoanApplication.filter(id=app.id, status="submitted").update(status="reviewing"):
            app.status = "reviewing"
    out = row(kind, app)
    if scope.full_pii:
        out.update(id_number=pii.decrypt(app.id_enc), phone=pii.decrypt(app.phone_enc), pii_masked=False)
    await audit.record(staff, "view_detail" if scope.full_pii else "view_detail_masked", kind, app.id, ip=ip)
    history = await ReviewDecision.filter(kind=kind, application_id=app.id).order_by("id")
    out["decisions"] = [{"decision": d.decision, "note": d.note, "jobs_created": d.jobs_created,
                         "staff_id": d.staff_id, "at": local(d.created_at)} for d in history]
    return out


def _check_decision(kind: str, decision: str, note: str, jobs_created: int | None) -> dict[str, str]:
    labels = _labels(kind)
    errors: dict[str, str] = {}
    if decision not in DECISIONS[kind]:
        names = "、".join(f"{d}（{labels[d]}）" for d in DECISIONS[kind])
        errors["decision"] = f"审核结论必须是 {names}"
    if len(note) > MAX_NOTE:
        errors["note"] = f"审核意见最多 {MAX_NOTE} 个字"
    elif decision == "rejected" and not note.strip():
        errors["note"] = "不通过时请填写原因，申请人会收到这段说明"
    if jobs_created is not None:
        if kind != "loan" or decision != "approved":
            errors["jobs_created"] = "只有通过的贷款预申请才登记带动就业人数"
        elif not 0 <= jobs_created <= 10000:
            errors["jobs_created"] = "带动就业人数应在 0 到 10000 之间"
    return errors


async def decide_application(staff: StaffAccount, kind: str, app_id: int, decision: str, note: str = "",
                             *, jobs_created: int | None = None, ip: str | None = None) -> dict[str, Any]:
    """Decide an open application and notify the applicant (see the module docstring)."""
    from handlers.notifications.outbox import enqueue_event

    note = (note or "").strip()
    errors = _check_decision(kind, decision, note, jobs_created)
    if errors:
        raise InvalidInput(errors)
    app = await get_in_scope(_query(Scope.of(staff), kind), app_id, WHAT[kind])
    model = LoanApplication if kind == "loan" else TrainingApplication
    now = clock.now()
    changes: dict[str, Any] = {"status": decision, "decision_note": note or None, "decided_at": now, "updated_at": now}
    if kind == "training" and decision == "rejected":
        changes["active_key"] = None
    async with in_transaction() as conn:
        changed = await model.filter(id=app.id, status__in=OPEN[kind]).using_db(conn).update(**changes)
        if not changed:
            current = (await model.filter(id=app.id).using_db(conn).values_list("status", flat=True))[0]
            raise NotAllowed(f"该{WHAT[kind]}当前状态为「{_labels(kind).get(current, current)}」，不能再作审核决定")
        if kind == "training" and decision == "rejected":
            await TrainingSession.filter(id=app.session_id, enrolled__gt=0).using_db(conn).update(
                enrolled=F("enrolled") - 1)
        await ReviewDecision.create(kind=kind, application_id=app.id, decision=decision, note=note,
                                    jobs_created=jobs_created, county=app.county, staff_id=staff.id, using_db=conn)
        await audit.record(staff, "decision", kind, app.id, ip=ip, using_db=conn,
                           detail={"decision": decision, "from": app.status})
        await enqueue_event(f"{kind}_decided", {"application_id": app.id, "decision": decision, "note": note,
                                                "user_id": app.user_id}, using_db=conn)
    fresh = await _query(Scope.of(staff), kind).get(id=app.id)
    return row(kind, fresh)
