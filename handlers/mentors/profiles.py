"""Mentor profiles: who may change them, validation in Chinese naming the field, public and staff views.

County administrators maintain their county's mentors, the prefecture administrator all of them
(a mentor without a county belongs to the prefecture pool). Every change is audited. The phone is
stored encrypted (chuangye/pii.py); staff lists show it masked and no public answer carries it.
"""
from __future__ import annotations

from typing import Any

from chuangye.pii import protect_phone
from handlers import validation as v
from handlers.clock import local
from handlers.errors import InvalidInput, NotFound
from handlers.forms.definitions import MENTOR_AREAS
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from orm_models import GuidanceTeam, Mentor, MentorRequest, StaffAccount

AREAS = MENTOR_AREAS
MAX_CAPACITY = 100
SEPARATORS = ("，", ",", "；", ";", "/", "|", " ")
OPEN_STATUSES = ("assigned",)
WRITER_ROLES = ("county", "prefecture")  # requests that count towards a mentor's current load


def split_list(raw: Any) -> list[str]:
    """A list, or text like 「电商、营销」, as a clean list without repeats."""
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out: list[str] = []
    for item in items:
        text = str(item or "")
        for sep in SEPARATORS:
            text = text.replace(sep, "、")
        out += [p.strip() for p in text.split("、") if p.strip() and p.strip() not in out]
    return out


def expertise_of(mentor: Mentor) -> list[str]:
    return split_list(mentor.expertise)


def counties_of(mentor: Mentor) -> list[str]:
    """The counties a mentor serves; none listed means their own county, or the whole prefecture."""
    return list(mentor.counties or ([mentor.county] if mentor.county else []))


async def loads() -> dict[int, int]:
    """Current load per mentor: requests assigned and not yet closed."""
    rows = await MentorRequest.filter(status__in=OPEN_STATUSES, mentor_id__isnull=False).values_list("mentor_id", flat=True)
    out: dict[int, int] = {}
    for mid in rows:
        out[mid] = out.get(mid, 0) + 1
    return out


def public_dict(m: Mentor) -> dict[str, Any]:
    """What anyone may see: never a phone number."""
    return {"id": m.id, "name": m.name, "organisation": m.organization, "title": m.title,
            "expertise": expertise_of(m), "counties": counties_of(m),
            "team": m.team.name if m.team_id and m.team else None, "demo": m.demo}


def staff_dict(m: Mentor, load: int = 0) -> dict[str, Any]:
    """Staff lists: the phone masked (full phone only on an audited detail view)."""
    return {**public_dict(m), "county": m.county, "organization": m.organization, "team_id": m.team_id,
            "phone": m.phone_masked or "", "capacity": m.capacity, "load": load, "note": m.note,
            "has_account": m.account_id is not None, "created_at": local(m.created_at),
            "updated_at": local(m.updated_at)}


async def public_list(county: str | None = None, industry: str | None = None) -> list[dict[str, Any]]:
    """Mentors serving ``county`` (or the whole prefecture) with ``industry`` among their areas."""
    mentors = await Mentor.all().select_related("team").order_by("id")
    out = []
    for m in mentors:
        served = counties_of(m)
        if county and served and county not in served:
            continue
        if industry and industry not in expertise_of(m):
            continue
        out.append(public_dict(m))
    return out


async def staff_list(county: str | None = None, *, viewer: StaffAccount | None = None) -> list[dict[str, Any]]:
    """The registry for staff (phones masked); a mentor's own login sees only their own profile."""
    query = Mentor.all().select_related("team")
    if viewer is not None and viewer.role == "mentor":
        query = query.filter(account_id=viewer.id)
    if county:
        query = query.filter(county=county)
    current = await loads()
    return [staff_dict(m, current.get(m.id, 0)) for m in await query.order_by("county", "id")]


def may_write(staff: StaffAccount, county: str | None) -> None:
    if staff.role not in WRITER_ROLES:
        raise Forbidden("只有县市管理员、州级管理员可以登记和修改创业导师")
    if staff.role == "county" and county != staff.county:
        raise Forbidden(f"县市管理员只能登记和修改本县市（{staff.county}）的导师")


async def _team_id(raw: Any, errors: dict[str, str]) -> int | None:
    """``team`` as an id or a team's name (the import sheet names it)."""
    if raw in (None, ""):
        return None
    team = None
    if isinstance(raw, int) or str(raw).isdigit():
        team = await GuidanceTeam.get_or_none(id=int(raw)) if int(raw) <= v.MAX_PK else None
    else:
        team = await GuidanceTeam.get_or_none(name=str(raw).strip())
    if team is None:
        errors["team"] = f"所属指导团队：「{raw}」不存在，请先在「登记」中登记该团队"
        return None
    return team.id


def _areas(raw: Any, errors: dict[str, str]) -> list[str]:
    areas, unknown = [], []
    for item in split_list(raw):
        try:
            areas.append(v.validate_choice(item, AREAS, "擅长领域"))  # 「中彝医药」 for 「中彝医药+创业」
        except v.FieldError:
            unknown.append(item)
    if unknown:
        errors["expertise"] = f"擅长领域：「{'、'.join(unknown)}」不在可选范围内，可选：{'、'.join(AREAS)}"
    return areas


def _counties(raw: Any, errors: dict[str, str]) -> list[str]:
    items = split_list(raw)
    unknown = [c for c in items if c not in v.COUNTIES]
    if unknown:
        errors["counties"] = f"服务县市：「{'、'.join(unknown)}」不是楚雄州的县市"
    return items


async def clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a profile (API body or import row); InvalidInput names every bad field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    checks = {
        "name": lambda: v.validate_name(data.get("name"), "姓名"),
        "organization": lambda: str(data.get("organisation") or data.get("organization") or "").strip()[:100],
        "title": lambda: str(data.get("title") or "").strip()[:64],
        "note": lambda: str(data.get("note") or "").strip()[:2000],
    }
    for key, check in checks.items():
        try:
            out[key] = check()
        except v.FieldError as exc:
            errors[key] = str(exc)
    county = data.get("county") or None
    if county is not None and county not in v.COUNTIES:
        errors["county"] = "所在县市：必须是楚雄州十个县市之一"
    out["county"] = county
    out["expertise"] = "、".join(_areas(data.get("expertise"), errors))
    out["counties"] = _counties(data.get("counties"), errors)
    out["team_id"] = await _team_id(data.get("team", data.get("team_id")), errors)
    phone = data.get("phone")
    if phone not in (None, ""):
        try:
            p = protect_phone(v.validate_phone(phone, "联系电话"))
            out.update(phone_enc=p.enc, phone_hash=p.hash, phone_masked=p.masked)
        except v.FieldError as exc:
            errors["phone"] = str(exc)
    capacity = data.get("capacity", 5)
    if isinstance(capacity, bool) or not str(capacity).isdigit() or not 1 <= int(capacity) <= MAX_CAPACITY:
        errors["capacity"] = f"同时帮扶人数：请填写 1 到 {MAX_CAPACITY} 的整数"
    else:
        out["capacity"] = int(capacity)
    out["demo"] = bool(data.get("demo", False))
    if errors:
        raise InvalidInput(errors)
    if not out["county"] and len(out["counties"]) == 1:
        out["county"] = out["counties"][0]  # a mentor serving one county belongs to it
    return out


async def create_mentor(staff: StaffAccount, data: dict[str, Any], *, ip: str | None = None) -> Mentor:
    clean = await clean_profile(data)
    may_write(staff, clean["county"])
    mentor = await Mentor.create(**clean, created_by_id=staff.id)
    await audit.record(staff, "registry_change", "mentors", mentor.id, ip=ip, detail={"op": "create", "name": mentor.name})
    return await Mentor.get(id=mentor.id).select_related("team")


async def get_mentor(mentor_id: int) -> Mentor:
    mentor = await Mentor.get_or_none(id=mentor_id).select_related("team") if v.valid_pk(mentor_id) else None
    if mentor is None:
        raise NotFound(f"没有找到编号为 {mentor_id} 的创业导师")
    return mentor


async def update_mentor(staff: StaffAccount, mentor_id: int, data: dict[str, Any], *, ip: str | None = None) -> Mentor:
    """Replace the editable fields (a phone left out keeps the stored one)."""
    mentor = await get_mentor(mentor_id)
    may_write(staff, mentor.county)
    kept = {"name": mentor.name, "organization": mentor.organization, "title": mentor.title, "county": mentor.county,
            "expertise": mentor.expertise, "counties": mentor.counties, "team_id": mentor.team_id,
            "capacity": mentor.capacity, "note": mentor.note, "demo": mentor.demo}
    clean = await clean_profile({**kept, **{k: val for k, val in data.items() if val is not None or k == "team"}})
    may_write(staff, clean["county"])
    await Mentor.filter(id=mentor.id).update(**clean)
    await audit.record(staff, "registry_change", "mentors", mentor.id, ip=ip, detail={"op": "update", "name": clean["name"]})
    return await get_mentor(mentor.id)


async def delete_mentor(staff: StaffAccount, mentor_id: int, *, ip: str | None = None) -> None:
    mentor = await get_mentor(mentor_id)
    may_write(staff, mentor.county)
    await mentor.delete()
    await audit.record(staff, "registry_change", "mentors", mentor_id, ip=ip, detail={"op": "delete", "name": mentor.name})
