"""Hostile-test findings on POST /appointments: concurrent first bookings, per-user limits, rate limit.

Every request goes through HTTP with the production app, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import asyncio
from typing import Any

from api.idempotency import HEADER
from orm_models import Appointment, Slot, Window

from tests.support.api import API, login, open_slot, seed_windows_and_courses, window_id


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
