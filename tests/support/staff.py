"""Data the staff-side tests share (tests/api: test_staff*, test_export*, test_stats*,
test_access_control*): two counties, each with a window, a booking, a loan pre-application and a
training sign-up made through the domain's own use cases, and staff of every role.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

import pytest

from tests.support.api import seed_windows_and_courses
from tests.support.builders import free_slot_start, with_check_digit

COUNTY_A, COUNTY_B = "楚雄市", "元谋县"
PASSWORD = "correct-horse-battery"


@dataclass
class People:
    """One county's records."""

    window: Any
    user: Any
    appointment: Any
    loan: Any
    training: Any
    id_number: str
    phone: str


@dataclass
class World:
    a: People
    b: People
    staff: dict[str, Any] = field(default_factory=dict)  # window_a, window_b, county_a, prefecture


async def loan(user_id: int, county: str, idn: str, phone: str, name: str = "张建华") -> Any:
    from handlers.applications.loans import submit_loan_preapplication

    app, _ = await submit_loan_preapplication(user_id, {
        "product": "创业担保贷款", "category": "返乡创业农民工", "county": county, "business_type": "民族药膳馆",
        "amount": 200000, "purpose": "店面装修和购买设备", "name": name, "id_number": idn, "phone": phone})
    return app


async def training(user_id: int, county: str, idn: str, phone: str, name: str = "李玉兰") -> Any:
    from handlers.applications.training import submit_training_application
    from orm_models import TrainingSession

    session = await TrainingSession.filter(county=county).order_by("id").first()
    return await submit_training_application(user_id, {
        "county": county, "session_id": session.id, "category": "农村劳动力", "name": name,
        "id_number": idn, "phone": phone})


async def _people(county: str, n: int) -> People:
    from handlers.appointments.booking import book_appointment
    from handlers.users import find_or_create_user
    from orm_models import Window

    window = await Window.get(county=county)
    user = await find_or_create_user("mp", f"openid-{county}-{n}")
    idn, phone = with_check_digit(f"5323{n:02d}19900101123"[:17]), f"1381234{n:04d}"
    appt = await book_appointment(user.id, window.id, await free_slot_start(window.id), "创业担保贷款", "王小明", phone)
    return People(window, user, appt, await loan(user.id, county, idn, phone),
                  await training(user.id, county, idn, phone), idn, phone)


async def make_staff(username: str, role: str, **kw: Any) -> Any:
    from handlers.staff.accounts import create_staff

    return await create_staff(username, role, PASSWORD, **kw)


async def build_world() -> World:
    """Windows and courses as seed-demo loads them, one county's records each in A and B, staff."""
    await seed_windows_and_courses()
    world = World(await _people(COUNTY_A, 1), await _people(COUNTY_B, 2))
    world.staff = {
        "window_a": await make_staff("win_a", "window", window_id=world.a.window.id),
        "window_b": await make_staff("win_b", "window", window_id=world.b.window.id),
        "county_a": await make_staff("county_a", "county", county=COUNTY_A),
        "prefecture": await make_staff("pref", "prefecture"),
    }
    return world


async def token(client: Any, username: str, password: str = PASSWORD) -> dict[str, str]:
    resp = await client.post("/api/v1/staff/login", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


@pytest.fixture
def clock() -> Iterator[Any]:
    """handlers.staff.auth.clock frozen at the current time; tests move it with clock.advance(...)."""
    from handlers.clock import TZ, clock as staff_clock

    staff_clock.freeze(datetime.now(TZ))
    try:
        yield staff_clock
    finally:
        staff_clock.reset()


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Argon2id with small cost parameters, so the staff tests stay fast; same code path."""
    from argon2 import PasswordHasher

    from handlers.staff.passwords import use_hasher

    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        yield
    finally:
        use_hasher(previous)
