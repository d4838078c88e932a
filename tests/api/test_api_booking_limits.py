"""Hostile-test findings on POST /appointments: concurrent first bookings, per-user limits, rate limit.

Every request goes through HTTP with the production app, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import asyncio
from typing import Any

from api.idempotency import HEADER
from orm_models import Appointment, Slot, Window

from tests.support.api import API, error_of, login, open_slot, seed_windows_and_courses, window_id
from tests.support.env import SQLITE_ONLY


def booking(wid: int, slot: dict[str, Any]) -> dict[str, Any]:
    return {"window_id": wid, "start": slot["start"], "purpose": "创业担保贷款", "name": "李秀英",
            "phone": "13812348000"}


async def test_twenty_simultaneous_keyed_first_bookings_of_a_fresh_slot_fill_exactly_its_capacity(
        client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    wid = await window_id(client)
    await Window.filter(id=wid).update(slot_capacity=4)
    slot = await open_slot(client, wid)
    assert await Slot.filter(window_id=wid).count() == 0  # fresh: the first bookings create its row
    users = [(await login(client, f"rush{i}"))[0] for i in range(20)]
    answers = await asyncio.gather(*(
        client.post(f"{API}/appointments", json=booking(wid, slot), headers={**h, HEADER: f"rush-{i}"})
        for i, h in enumerate(users)))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] * 4 + [409] * 16, statuses
    refused = {(await r.json())["error"]["code"] for r in answers if r.status == 409}
    assert refused == {"slot_full"}
    assert await Appointment.filter(status="booked").count() == 4
    assert [s.booked for s in await Slot.filter(window_id=wid)] == [4]


async def book(client: Any, headers: dict[str, str], county: str, min_days: int = 1) -> Any:
    wid = await window_id(client, county)
    return await client.post(f"{API}/appointments", json=booking(wid, await open_slot(client, wid, min_days)),
                             headers=headers)


async def test_a_third_upcoming_booking_is_409_limit_in_chinese_and_stores_nothing(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    assert (await book(client, headers, "元谋县")).status == 201
    assert (await book(client, headers, "楚雄市")).status == 201
    wid = await window_id(client, "禄丰市")
    slot = await open_slot(client, wid)
    err = await error_of(await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers), 409)
    assert err == {"code": "limit", "fields": {},
                   "message": "您已有 2 个尚未到来的预约，每人最多同时保留 2 个；请办理完或取消其中一个后再预约"}
    assert await Appointment.all().count() == 2
    assert (await open_slot(client, wid))["remaining"] == slot["remaining"]


async def test_a_second_booking_at_one_window_on_one_day_is_409_limit(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    first = await open_slot(client, wid)
    assert (await client.post(f"{API}/appointments", json=booking(wid, first), headers=headers)).status == 201
    day = first["start"][:10]
    slots = (await (await client.get(f"{API}/windows/{wid}/slots", params={"date": day})).json())["slots"]
    later = next(s for s in slots if s["start"] != first["start"] and s["remaining"] > 0)
    err = await error_of(await client.post(f"{API}/appointments", json=booking(wid, later), headers=headers), 409)
    assert err["code"] == "limit"
    assert err["message"] == (f"您已预约了{day[5:7]}月{day[8:10]}日的元谋县创业服务窗口，同一窗口每天只能预约一次；"
                              "如需改时间，请先取消原预约")
    assert await Appointment.all().count() == 1


async def test_a_cancelled_or_other_users_booking_does_not_count_against_the_limit(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    neighbour, _ = await login(client, "neighbour")
    assert (await book(client, neighbour, "元谋县")).status == 201
    first = await (await book(client, headers, "元谋县")).json()
    assert (await book(client, headers, "楚雄市")).status == 201
    cancel = await client.post(f"{API}/appointments/{first['appointment']['id']}/cancel", headers=headers)
    assert cancel.status == 200
    assert (await book(client, headers, "元谋县")).status == 201  # the same window and day again, once cancelled


async def test_the_limit_is_booking_max_upcoming_per_user(aiohttp_client: Any, make_config: Any, standin: Any) -> None:
    from server.app import create_app

    client = await aiohttp_client(create_app(make_config(booking={"max_upcoming_per_user": 1})))
    await seed_windows_and_courses()
    headers, _ = await login(client)
    assert (await book(client, headers, "元谋县")).status == 201
    err = await error_of(await book(client, headers, "楚雄市"), 409)
    assert err["code"] == "limit" and "每人最多同时保留 1 个" in err["message"]


async def test_one_users_simultaneous_keyed_bookings_at_many_windows_never_pass_the_limit(
        client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    counties = ["元谋县", "楚雄市", "禄丰市", "双柏县", "牟定县", "南华县"]
    targets = [(wid, await open_slot(client, wid)) for wid in [await window_id(client, c) for c in counties]]
    answers = await asyncio.gather(*(
        client.post(f"{API}/appointments", json=booking(wid, slot), headers={**headers, HEADER: f"many-{wid}"})
        for wid, slot in targets))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201, 201, 409, 409, 409, 409], statuses
    assert {(await r.json())["error"]["code"] for r in answers if r.status == 409} == {"limit"}
    assert await Appointment.filter(status="booked").count() == 2
    assert sum(s.booked for s in await Slot.all()) == 2


async def test_booking_posts_past_the_rate_limit_get_429_with_retry_after_per_user(
        client: Any, standin: Any, monkeypatch: Any) -> None:
    from api import ratelimit

    monkeypatch.setitem(ratelimit.LIMITS, "appointments_book", ratelimit.Limit(3, 60, per="user"))
    await seed_windows_and_courses()
    headers, _ = await login(client)
    neighbour, _ = await login(client, "neighbour")  # the same address, another user
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    assert [(await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)).status
            for _ in range(3)] == [201, 409, 409]
    blocked = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)
    err = await error_of(blocked, 429)
    assert err["code"] == "rate_limited" and err["message"].startswith("操作过于频繁，请 ")
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert (await client.post(f"{API}/appointments", json=booking(wid, slot), headers=neighbour)).status == 201
    assert await Appointment.filter(status="booked").count() == 2


@SQLITE_ONLY
async def test_the_openapi_document_declares_the_booking_rate_limit(client: Any) -> None:
    paths = (await (await client.get(f"{API}/openapi.json")).json())["paths"]
    assert "429" in paths["/appointments"]["post"]["responses"]
