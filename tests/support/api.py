"""Helpers for the API tests (not a test module): seeding, logging in, reading errors."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any


from handlers.clock import TZ

API = "/api/v1"


async def seed_windows_and_courses() -> None:
    from handlers.demo import seed_demo_sessions
    from handlers.applications.training import load_courses
    from handlers.appointments.windows import load_windows

    await load_windows()
    await load_courses()
    await seed_demo_sessions()


async def login(client: Any, code: str = "alice") -> tuple[dict[str, str], int]:
    """Log in as the mini-program user of wx.login ``code``: (auth headers, user id)."""
    resp = await client.post(f"{API}/auth/login", json={"code": code})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return {"Authorization": f"Bearer {body['token']}"}, body["user"]["id"]


async def error_of(resp: Any, status: int, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer, after checking status and exact shape
    (``extra``: the further members this error has, e.g. ``existing_id``)."""
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields", *extra}, body
    return body["error"]


async def window_id(client: Any, county: str = "元谋县") -> int:
    windows = (await (await client.get(f"{API}/windows")).json())["windows"]
    return next(w["id"] for w in windows if w["county"] == county)


async def open_slot(client: Any, wid: int, min_days: int = 1) -> dict[str, Any]:
    """The first slot with seats of the first open day at least ``min_days`` ahead, via the API."""
    today = datetime.now(TZ).date()
    for offset in range(min_days, 31):
        day: date = today + timedelta(days=offset)
        resp = await client.get(f"{API}/windows/{wid}/slots", params={"date": day.isoformat()})
        free = [s for s in (await resp.json())["slots"] if s["remaining"] > 0]
        if free:
            return free[0]
    raise AssertionError("no open slot in the next 30 days")



async def flush_question_logs(client: Any) -> None:
    """Write the app's question logs now (they are written behind, handlers/knowledge_ops/question_log.py)."""
    from chuangye import appkeys as K

    await client.app[K.ASK].log.flush()
