"""POST /appointments, GET /appointments/mine, POST /appointments/{id}/cancel."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from api.idempotency import HEADER, REPLAYED_HEADER
from handlers.clock import TZ
from orm_models import Appointment

from tests.support.api import API, error_of, login, open_slot, seed_windows_and_courses, window_id
from tests.support.env import SQLITE_ONLY

APPOINTMENT_KEYS = {"id", "window_id", "window_name", "start", "end", "purpose", "name", "phone_masked", "status",
                    "status_text", "code"}


async def ready(client: Any) -> tuple[dict[str, str], int, dict[str, Any]]:
    """Seeded data, a logged-in user's headers, the 元谋 window id and an open slot there."""
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    return headers, wid, await open_slot(client, wid)


def booking(wid: int, slot: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"window_id": wid, "start": slot["start"], "purpose": "创业担保贷款", "name": "李秀英",
            "phone": "13812348000", **changes}


async def remaining(client: Any, wid: int, start: str) -> int:
    day = start[:10]
    slots = (await (await client.get(f"{API}/windows/{wid}/slots", params={"date": day})).json())["slots"]
    return next(s["remaining"] for s in slots if s["start"] == start)


async def test_booking_answers_201_with_the_appointment_and_takes_a_seat(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    resp = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)
    appt = (await resp.json())["appointment"]
    assert resp.status == 201 and set(appt) == APPOINTMENT_KEYS
    assert appt["window_id"] == wid and appt["start"] == slot["start"] and appt["start"].endswith("+08:00")
    assert appt["status"] == "booked" and len(appt["code"]) == 6 and appt["phone_masked"] == "138****8000"
    assert appt["window_name"] == "元谋县创业服务窗口"
    assert await remaining(client, wid, slot["start"]) == slot["remaining"] - 1
    mine = (await (await client.get(f"{API}/appointments/mine", headers=headers)).json())["appointments"]
    assert mine == [appt]


@SQLITE_ONLY
async def test_booking_without_a_token_is_401_and_books_nothing(client: Any, standin: Any) -> None:
    _, wid, slot = await ready(client)
    await error_of(await client.post(f"{API}/appointments", json=booking(wid, slot)), 401)
    await error_of(await client.get(f"{API}/appointments/mine"), 401)
    assert await Appointment.all().count() == 0


@SQLITE_ONLY
async def test_invalid_fields_are_422_each_named_and_nothing_is_stored(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    bad = booking(wid, slot, phone="12345", name="", purpose="买房")
    err = await error_of(await client.post(f"{API}/appointments", json=bad, headers=headers), 422)
    assert set(err["fields"]) == {"phone", "name", "purpose"} and err["code"] == "invalid"
    assert err["fields"]["name"] == "姓名：不能为空，请填写"
    assert all(text.startswith(("手机号", "姓名", "预约事项")) for text in err["fields"].values())
    assert await Appointment.all().count() == 0


@SQLITE_ONLY
async def test_a_past_or_closed_slot_is_422_on_start(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    past = (datetime.now(TZ) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    err = await error_of(await client.post(f"{API}/appointments", json=booking(wid, slot, start=past.isoformat()),
                                           headers=headers), 422)
    assert err["fields"] == {"start": "预约时段：该时段已经过去，请选择今后的时段"}
    odd = (datetime.fromisoformat(slot["start"]) + timedelta(minutes=7)).isoformat()
    err = await error_of(await client.post(f"{API}/appointments", json=booking(wid, slot, start=odd),
                                           headers=headers), 422)
    assert list(err["fields"]) == ["start"]
    assert await Appointment.all().count() == 0


async def test_the_same_user_booking_the_same_slot_twice_is_409_duplicate(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    assert (await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)).status == 201
    err = await error_of(await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers), 409)
    assert err["code"] == "duplicate" and err["message"] == "您已预约过该时段，无需重复预约"
    assert await Appointment.all().count() == 1


async def test_a_full_slot_is_409_slot_full_even_for_simultaneous_bookings(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    users = [(await login(client, f"villager{i}"))[0] for i in range(slot["remaining"] + 3)]
    answers = await asyncio.gather(*(client.post(f"{API}/appointments", json=booking(wid, slot), headers=h)
                                     for h in users))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] * slot["remaining"] + [409] * 3
    refused = [await r.json() for r in answers if r.status == 409]
    assert {e["error"]["code"] for e in refused} == {"slot_full"}
    assert await Appointment.filter(status="booked").count() == slot["remaining"]


async def test_a_retry_with_the_same_idempotency_key_books_once(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    keyed = {**headers, HEADER: "booking-7f3a"}
    first = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=keyed)
    retry = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=keyed)
    assert first.status == retry.status == 201 and await first.json() == await retry.json()
    assert retry.headers[REPLAYED_HEADER] == "true"
    assert await Appointment.all().count() == 1
    assert await remaining(client, wid, slot["start"]) == slot["remaining"] - 1


async def test_cancelling_frees_the_seat_and_a_second_cancel_is_409(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    appt = (await (await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)).json())
    appt_id = appt["appointment"]["id"]
    resp = await client.post(f"{API}/appointments/{appt_id}/cancel", headers=headers)
    assert resp.status == 200
    assert (await resp.json())["appointment"] | {"status": "x", "status_text": "x"} == \
        appt["appointment"] | {"status": "x", "status_text": "x"}
    assert (await resp.json())["appointment"]["status"] == "cancelled"
    assert await remaining(client, wid, slot["start"]) == slot["remaining"]
    err = await error_of(await client.post(f"{API}/appointments/{appt_id}/cancel", headers=headers), 409)
    assert err == {"code": "not_allowed", "message": "该预约已经取消", "fields": {}}


async def test_cancelling_someone_elses_or_a_missing_appointment_is_404(client: Any, standin: Any) -> None:
    headers, wid, slot = await ready(client)
    appt_id = (await (await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)).json()
               )["appointment"]["id"]
    other, _ = await login(client, "mallory")
    err = await error_of(await client.post(f"{API}/appointments/{appt_id}/cancel", headers=other), 404)
    assert err["message"] == "没有找到该预约"
    await error_of(await client.post(f"{API}/appointments/{appt_id + 100}/cancel", headers=headers), 404)
    await error_of(await client.post(f"{API}/appointments/{appt_id}/cancel"), 401)
    assert (await Appointment.get(id=appt_id)).status == "booked"
    assert (await (await client.get(f"{API}/appointments/mine", headers=other)).json()) == {"appointments": []}
