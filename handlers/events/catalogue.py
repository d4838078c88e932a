"""Events staff publish (创业大赛, 沙龙·经验交流, 项目路演·成果展示, 直播, 培训宣讲) and the upcoming list.

Who may publish: county administrators for their own county, the prefecture administrator for any;
window staff only read. Every change is audited. Invalid input names the field and stores nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from handlers import validation as v
from handlers.clock import TZ, clock, day_bounds, local
from handlers.errors import InvalidInput, NotFound
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from handlers.staff.scope import Scope, get_in_scope
from orm_models import Event, StaffAccount
from orm_models.events import EVENT_KINDS

MAX_CAPACITY = 100_000
MSG_PAST_START = "开始时间：不能早于现在"
MSG_END = "结束时间：应晚于开始时间"
MSG_DEADLINE = "报名截止时间：应早于活动开始时间"
MSG_WHERE = "活动地点：请填写活动地点或直播链接（至少一项）"
MSG_URL = "直播链接：应以 http:// 或 https:// 开头"


def event_dict(e: Event) -> dict[str, Any]:
    """The public shape of an event (no personal data)."""
    return {"id": e.id, "title": e.title, "kind": e.kind, "description": e.description, "start": local(e.start),
            "end": local(e.end), "county": e.county, "place": e.place, "online_url": e.online_url or None,
            "capacity": e.capacity, "remaining": max(e.capacity - e.registered, 0),
            "signup_deadline": local(e.signup_deadline), "demo": e.is_demo, "active": e.is_active}


def staff_event_dict(e: Event) -> dict[str, Any]:
    return {**event_dict(e), "registered": e.registered, "created_at": local(e.created_at)}


async def upcoming_events(county: str | None = None, since: date | None = None) -> list[Event]:
    """Active events that have not ended (optionally of one county, or from a day on), soonest first."""
    now = clock.now()
    query = Event.filter(is_active=True, end__gt=now)
    if county:
        query = query.filter(county=county)
    if since:
        query = query.filter(start__gte=day_bounds(since)[0])
    return await query.order_by("start", "id")


async def public_event(event_id: int) -> Event:
    event = await Event.get_or_none(id=event_id, is_active=True) if v.valid_pk(event_id) else None
    if event is None:
        raise NotFound("没有找到该活动")
    return event


def _may_publish(staff: StaffAccount, county: str | None) -> None:
    """Window staff never; a county administrator only in their county (``None``: role check only)."""
    if staff.role == "window":
        raise Forbidden("窗口工作人员不能发布活动，请联系县市管理员")
    if staff.role not in ("county", "prefecture"):  # a mentor's own login
        raise Forbidden("只有县市管理员、州级管理员可以发布和修改活动")
    if staff.role == "county" and county is not None and county != staff.county:
        raise Forbidden(f"县市管理员只能发布和修改本县市（{staff.county}）的活动")


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def clean_event(data: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Check the fields together (times in order, somewhere to go); raises InvalidInput naming each."""
    now = now or clock.now()
    start, end, deadline = _aware(data["start"]), _aware(data["end"]), _aware(data.get("signup_deadline"))
    errors: dict[str, str] = {}
    if data["kind"] not in EVENT_KINDS:
        errors["kind"] = "活动类型：应为以下之一：" + "、".join(EVENT_KINDS)
    if data["county"] not in v.COUNTIES:
        errors["county"] = "所在县市：必须是楚雄州十个县市之一"
    if start <= now:
        errors["start"] = MSG_PAST_START
    if end <= start:
        errors["end"] = MSG_END
    if deadline is not None and deadline > start:
        errors["signup_deadline"] = MSG_DEADLINE
    place, url = (data.get("place") or "").strip(), (data.get("online_url") or "").strip()
    if not place and not url:
        errors["place"] = MSG_WHERE
    if url and not url.startswith(("http://", "https://")):
        errors["online_url"] = MSG_URL
    if errors:
        raise InvalidInput(errors)
    return {"title": data["title"].strip(), "kind": data["kind"], "description": (data.get("description") or "").strip(),
            "start": start, "end": end, "county": data["county"], "place": place, "online_url": url,
            "capacity": int(data["capacity"]), "signup_deadline": deadline, "is_demo": bool(data.get("demo", False))}


async def publish_event(staff: StaffAccount, data: dict[str, Any], *, ip: str | None = None) -> Event:
    """Publish an event in the staff member's county (any county for the prefecture); audited."""
    values = clean_event(data)
    _may_publish(staff, values["county"])
    event = await Event.create(**values, created_by_id=staff.id)
    await audit.record(staff, "registry_change", "event", event.id, ip=ip, detail={"op": "create", "title": event.title})
    return event


async def update_event(staff: StaffAccount, event_id: int, data: dict[str, Any], *, ip: str | None = None) -> Event:
    """Change an event (demo data included). Capacity cannot drop below the seats already taken."""
    _may_publish(staff, None)
    event = await get_in_scope(Scope.of(staff).events(), event_id, "活动")
    values = clean_event(data)
    _may_publish(staff, values["county"])
    if values["capacity"] < event.registered:
        raise InvalidInput({"capacity": f"人数上限：已有 {event.registered} 人报名，不能少于已报名人数"})
    changed = await Event.filter(id=event.id, registered__lte=values["capacity"]).update(**values)
    if not changed:
        raise InvalidInput({"capacity": "人数上限：不能少于已报名人数"})
    await audit.record(staff, "registry_change", "event", event.id, ip=ip, detail={"op": "update"})
    return await Event.get(id=event.id)


async def withdraw_event(staff: StaffAccount, event_id: int, *, ip: str | None = None) -> Event:
    """Take an event off the list (sign-ups stay for the record); audited."""
    _may_publish(staff, None)
    event = await get_in_scope(Scope.of(staff).events(), event_id, "活动")
    await Event.filter(id=event.id).update(is_active=False)
    await audit.record(staff, "registry_change", "event", event.id, ip=ip, detail={"op": "withdraw"})
    return await Event.get(id=event.id)


async def staff_events(staff: StaffAccount, *, include_past: bool = False) -> list[dict[str, Any]]:
    """The scope's events, soonest first (ended ones too when asked), with seat counts."""
    query = Scope.of(staff).events()
    if not include_past:
        query = query.filter(end__gt=clock.now())
    return [staff_event_dict(e) for e in await query.order_by("start", "id")]
