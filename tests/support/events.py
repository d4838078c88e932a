"""Helpers for the event tests (not a test module): publishing an event and signing up."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.clock import TZ

API = "/api/v1"


def event_body(county: str = "元谋县", capacity: int = 10, days: int = 3, **extra: Any) -> dict[str, Any]:
    start = (datetime.now(TZ) + timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)
    return {"title": "返乡创业经验交流沙龙", "kind": "沙龙·经验交流", "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(), "county": county, "place": "元谋县创业服务窗口二楼会议室",
            "capacity": capacity, **extra}


async def publish(client: Any, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    resp = await client.post(f"{API}/staff/events", json=event_body(**kw), headers=headers)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["event"]


async def publish_direct(county: str = "元谋县", capacity: int = 10, days: int = 3, **extra: Any) -> Any:
    """An event written straight to the database (for tests that need no staff)."""
    from orm_models import Event

    body = event_body(county, capacity, days)
    return await Event.create(title=body["title"], kind=body["kind"], start=datetime.fromisoformat(body["start"]),
                              end=datetime.fromisoformat(body["end"]), county=county, place=body["place"],
                              capacity=capacity, **extra)


def signup(event_id: int, name: str = "李秀英", phone: str = "13812348000") -> dict[str, Any]:
    return {"event_id": event_id, "name": name, "phone": phone}
