"""Asking for a mentor, assigning one, follow-ups (帮扶记录) and the user's rating.

Guarantees:
- a request is validated with MENTOR_FORM (the chat asks the same fields, with the same Chinese
  messages); the phone is stored only encrypted, lists show it masked;
- a user has at most one open request (submitted or assigned) per area: asking again answers the
  open one (DuplicateApplication naming it);
- assignment is a conditional UPDATE from ``submitted``, so two administrators racing end with one
  mentor; the mentor's and the user's notices are enqueued in the same transaction (outbox), and
  a mentor at capacity is refused;
- staff see requests of their scope only (county, or everything for the prefecture; a mentor only
  their own mentees); others are "not found". Full phone numbers only on an audited detail view.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from chuangye import pii
from handlers import validation as v
from handlers.clock import clock, local
from handlers.errors import DuplicateApplication, InvalidInput, NotAllowed, NotFound
from handlers.forms.definitions import MENTOR_FORM
from handlers.forms.spec import clean
from handlers.mentors.matching import suggestions_for
from handlers.mentors.profiles import get_mentor, loads
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from handlers.users import get_user
from orm_models import Mentor, MentorFollowUp, MentorRequest, StaffAccount
from orm_models.mentors import FOLLOW_UP_KINDS, REQUEST_STATUSES

STATUS_ZH = {"submitted": "待分配导师", "assigned": "导师帮扶中", "closed": "已结束", "cancelled": "已取消"}
OPEN_STATUSES = ("submitted", "assigned")
ASSIGN_ROLES = ("county", "prefecture")
MAX_NOTE = 1000


# ---------------------------------------------------------------- the user's side


async def submit_request(user_id: int, data: dict) -> MentorRequest:
    """Validate and store a request for a mentor (see the module docstring)."""
    form = clean(MENTOR_FORM, data)
    user = await get_user(user_id)
    existing = await MentorRequest.filter(user_id=user.id, industry=form["industry"], status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise DuplicateApplication(f"您已有一份「{form['industry']}」方面的找导师申请（编号 {existing.id}，"
                                   f"{STATUS_ZH[existing.status]}），请在「我的导师」中查看", existing.id)
    phone = pii.protect_phone(form["phone"])
    return await MentorRequest.create(user_id=user.id, county=form["county"], industry=form["industry"],
                                      need=form["need"], name=form["name"], phone_enc=phone.enc,
                                      phone_hash=phone.hash, phone_masked=phone.masked)


def follow_up_dict(f: MentorFollowUp) -> dict[str, Any]:
    return {"id": f.id, "date": f.date, "kind": f.kind, "note": f.note, "author_role": f.author_role,
            "author_name": f.author_name, "created_at": local(f.created_at)}


def mentor_brief(m: Mentor | None) -> dict[str, Any] | None:
    """What the user is told about their mentor: who, never the mentor's phone."""
    if m is None:
        return None
    return {"id": m.id, "name": m.name, "title": m.title, "organisation": m.organization,
            "team": m.team.name if m.team_id and m.team else None}


def user_dict(r: MentorRequest) -> dict[str, Any]:
    return {"id": r.id, "status": r.status, "status_text": STATUS_ZH[r.status], "county": r.county,
            "industry": r.industry, "need": r.need, "name": r.name, "phone": r.phone_masked,
            "mentor": mentor_brief(r.mentor), "assigned_at": local(r.assigned_at),
            "follow_ups": [follow_up_dict(f) for f in sorted(r.follow_ups, key=lambda f: (f.date, f.id))],
            "rating": r.rating, "rating_comment": r.rating_comment, "created_at": local(r.created_at)}


async def my_requests(user_id: int) -> list[dict[str, Any]]:
    """The user's requests, newest first, each with the mentor and the follow-ups."""
    rows = await MentorRequest.filter(user_id=user_id).order_by("-id").prefetch_related("mentor__team", "follow_ups")
    return [user_dict(r) for r in rows]


async def rate_request(user_id: int, request_id: int, rating: Any, comment: str = "") -> dict[str, Any]:
    """The user rates the help (1–5) once a mentor is assigned; rating again replaces the rating."""
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = "评分：请给 1 到 5 分"
    comment = str(comment or "").strip()
    if len(comment) > 200:
        errors["comment"] = "评价：最多 200 个字"
    if errors:
        raise InvalidInput(errors)
    req = await MentorRequest.get_or_none(id=request_id, user_id=user_id) if v.valid_pk(request_id) else None
    if req is None:
        raise NotFound("没有找到该找导师申请")
    if req.mentor_id is None:
        raise NotAllowed("还没有为您分配导师，分配并帮扶后才能评价")
    await MentorRequest.filter(id=req.id).update(rating=rating, rating_comment=comment, updated_at=clock.now())
    fresh = await MentorRequest.get(id=req.id).prefetch_related("mentor__team", "follow_ups")
    return user_dict(fresh)


# ---------------------------------------------------------------- staff and mentors


def scoped(staff: Any) -> QuerySet[MentorRequest]:
    """The requests a staff member (or their handlers.staff.scope.Scope) may see: the county's, all for
    the prefecture, and for a mentor only their own mentees."""
    if staff.role == "prefecture":
        return MentorRequest.all()
    if staff.role == "mentor":
        return MentorRequest.filter(mentor__account_id=getattr(staff, "staff_id", None) or staff.id)
    return MentorRequest.filter(county=staff.county or "")


def staff_dict(r: MentorRequest, suggestions: list | None = None) -> dict[str, Any]:
    out = user_dict(r)
    out.update(pii_masked=True, mentor_id=r.mentor_id, suggestions=[s.to_dict() for s in suggestions or []])
    return out


async def _in_scope(staff: StaffAccount, request_id: int) -> MentorRequest:
    req = await scoped(staff).filter(id=request_id).prefetch_related("mentor__team", "follow_ups").first() \
        if v.valid_pk(request_id) else None
    if req is None:
        raise NotFound(f"没有找到编号为 {request_id} 的找导师申请")
    return req


async def list_requests(staff: StaffAccount, status: str | None = None) -> list[dict[str, Any]]:
    """The scope's requests (masked), open ones oldest first, each open one with suggestions."""
    query = scoped(staff)
    if status:
        if status not in REQUEST_STATUSES:
            raise InvalidInput({"status": "状态必须是 " + "、".join(REQUEST_STATUSES)})
        query = query.filter(status=status)
    rows = await query.order_by("id").prefetch_related("mentor__team", "follow_ups").limit(500)
    suggested = await suggestions_for(rows)
    return [staff_dict(r, suggested.get(r.id)) for r in rows]


async def request_detail(staff: StaffAccount, request_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """One request with the full phone (audited), for the administrators and the assigned mentor."""
    req = await _in_scope(staff, request_id)
    out = staff_dict(req, (await suggestions_for([req])).get(req.id))
    full = staff.role in ("county", "prefecture", "mentor")
    if full:
        out.update(phone=pii.decrypt(req.phone_enc), pii_masked=False)
    await audit.record(staff, "view_detail" if full else "view_detail_masked", "mentor_request", req.id, ip=ip)
    return out


async def assign_mentor(staff: StaffAccount, request_id: int, mentor_id: int | None = None, *,
                        ip: str | None = None) -> dict[str, Any]:
    """Assign ``mentor_id`` (or the first suggestion when None) and notify the mentor and the user."""
    from handlers.notifications.outbox import enqueue_event

    if staff.role not in ASSIGN_ROLES:
        raise Forbidden("只有县市管理员、州级管理员可以分配导师")
    req = await _in_scope(staff, request_id)
    if req.status != "submitted":
        raise NotAllowed(f"该申请当前状态为「{STATUS_ZH[req.status]}」，不能再分配导师")
    if mentor_id is None:
        suggestions = (await suggestions_for([req])).get(req.id) or []
        if not suggestions:
            raise NotAllowed("暂时没有合适且有余力的导师，请先登记导师或调整导师的服务县市、同时帮扶人数")
        mentor_id = suggestions[0].mentor_id
    mentor = await get_mentor(mentor_id)
    if (await loads()).get(mentor.id, 0) >= mentor.capacity:
        raise InvalidInput({"mentor_id": f"导师：{mentor.name} 已在帮扶 {mentor.capacity} 人，达到同时帮扶上限"})
    now = clock.now()
    async with in_transaction() as conn:
        changed = await MentorRequest.filter(id=req.id, status="submitted").using_db(conn).update(
            status="assigned", mentor_id=mentor.id, assigned_at=now, assigned_by_id=staff.id, updated_at=now)
        if not changed:
            raise NotAllowed("该申请刚刚已被分配导师，请刷新后查看")
        await audit.record(staff, "decision", "mentor_request", req.id, ip=ip, using_db=conn,
                           detail={"assign": mentor.id, "mentor": mentor.name})
        payload = {"request_id": req.id, "mentor_id": mentor.id}
        await enqueue_event("mentor_assigned", payload, using_db=conn)
        await enqueue_event("mentor_assigned_user", {**payload, "user_id": req.user_id}, using_db=conn)
    return staff_dict(await _in_scope(staff, req.id))


def _clean_follow_up(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if data.get("kind") not in FOLLOW_UP_KINDS:
        errors["kind"] = "帮扶方式：必须是 " + "、".join(FOLLOW_UP_KINDS)
    out["kind"] = data.get("kind")
    try:
        out["note"] = v.validate_text(data.get("note"), "帮扶内容", 2, MAX_NOTE)
    except v.FieldError as exc:
        errors["note"] = str(exc)
    raw_date = data.get("date")
    try:
        day = raw_date if isinstance(raw_date, date) else v.validate_date(raw_date, "帮扶日期")
        if day > clock.now().date():
            raise v.FieldError("帮扶日期：不能晚于今天")
        out["date"] = day
    except v.FieldError as exc:
        errors["date"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return out


async def add_follow_up(staff: StaffAccount, request_id: int, data: dict[str, Any], *,
                        ip: str | None = None) -> dict[str, Any]:
    """A 帮扶记录 by the assigned mentor or by staff of the request's scope (only once assigned)."""
    clean_data = _clean_follow_up(data)
    req = await _in_scope(staff, request_id)
    if req.status != "assigned":
        raise NotAllowed(f"该申请当前状态为「{STATUS_ZH[req.status]}」，分配导师后才能记录帮扶")
    row = await MentorFollowUp.create(request_id=req.id, author_role=staff.role, author_id=staff.id,
                                      author_name=staff.display_name or staff.username, **clean_data)
    await audit.record(staff, "registry_change", "mentor_follow_up", row.id, ip=ip,
                       detail={"request": req.id, "kind": row.kind})
    return follow_up_dict(row)
