"""Never past capacity: simultaneous bookings and sign-ups on SQLite and on PostgreSQL.

Every test fires its requests at once (asyncio.gather; on PostgreSQL they run on several
pooled connections) and then counts rows in the database.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from handlers.appointments.booking import book_appointment, cancel_appointment
from handlers.errors import DuplicateBooking, NotAllowed, SessionFull, SlotFull
from handlers.applications.training import load_courses, submit_training_application, withdraw_training_application
from handlers.clock import TZ
from orm_models import Appointment, Slot, TrainingApplication, TrainingCourse, TrainingSession, Window
from tests.support.builders import free_slot, make_id, make_users, yuanmou_window

pytestmark = pytest.mark.backend


async def _window(capacity: int):
    window = await yuanmou_window()
    await Window.filter(id=window.id).update(slot_capacity=capacity)
    return await Window.get(id=window.id)


def _book(user, window, slot):
    return book_appointment(user.id, window.id, slot["start"], "创业担保贷款", "李秀英", "13812348000")


def _outcomes(results) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, (SlotFull, SessionFull, DuplicateBooking, NotAllowed)):
            raise r
        name = type(r).__name__ if isinstance(r, BaseException) else "ok"
        counts[name] = counts.get(name, 0) + 1
    return counts


async def test_many_simultaneous_bookings_for_the_last_seats_fill_exactly_capacity(db):
    window = await _window(capacity=5)
    slot = await free_slot(window.id)
    users = await make_users(27)
    for u in users[:2]:
        await _book(u, window, slot)
    results = await asyncio.gather(*(_book(u, window, slot) for u in users[2:]), return_exceptions=True)
    assert _outcomes(results) == {"ok": 3, "SlotFull": 22}
    assert await Appointment.filter(status="booked").count() == 5
    assert (await Slot.get(window_id=window.id)).booked == 5


async def test_simultaneous_first_bookings_of_a_fresh_slot_share_one_counter(db):
    window = await _window(capacity=3)
    slot = await free_slot(window.id)
    results = await asyncio.gather(*(_book(u, window, slot) for u in await make_users(12)), return_exceptions=True)
    assert _outcomes(results) == {"ok": 3, "SlotFull": 9}
    assert await Slot.filter(window_id=window.id).count() == 1


async def test_the_same_user_tapping_many_times_books_once(db):
    window = await _window(capacity=5)
    slot = await free_slot(window.id)
    (user,) = await make_users(1)
    results = await asyncio.gather(*(_book(user, window, slot) for _ in range(8)), return_exceptions=True)
    assert _outcomes(results) == {"ok": 1, "DuplicateBooking": 7}
    assert (await Slot.get(window_id=window.id)).booked == 1


async def test_a_cancelled_seat_goes_to_exactly_one_of_many_waiting(db):
    window = await _window(capacity=2)
    slot = await free_slot(window.id)
    users = await make_users(12)
    first = await _book(users[0], window, slot)
    await _book(users[1], window, slot)
    await cancel_appointment(users[0].id, first.id)
    results = await asyncio.gather(*(_book(u, window, slot) for u in users[2:]), return_exceptions=True)
    assert _outcomes(results) == {"ok": 1, "SlotFull": 9}
    assert await Appointment.filter(status="booked").count() == 2


async def test_simultaneous_cancels_free_one_seat(db):
    window = await _window(capacity=3)
    slot = await free_slot(window.id)
    (user,) = await make_users(1)
    appt = await _book(user, window, slot)
    results = await asyncio.gather(*(cancel_appointment(user.id, appt.id) for _ in range(6)), return_exceptions=True)
    assert _outcomes(results) == {"ok": 1, "NotAllowed": 5}
    assert (await Slot.get(window_id=window.id)).booked == 0


async def _session(capacity: int) -> TrainingSession:
    await load_courses()
    return await TrainingSession.create(key="c", course=await TrainingCourse.get(key="syb"), county="元谋县",
                                        start=datetime.now(TZ) + timedelta(days=9), capacity=capacity)


def _sign_up(user, session):
    return submit_training_application(user.id, {"session_id": session.id, "name": "李秀英", "id_number": make_id(),
                                                 "phone": "13812348000", "county": "元谋县", "category": "农村劳动力"})


async def test_many_simultaneous_sign_ups_fill_exactly_the_seats(db):
    session = await _session(capacity=4)
    results = await asyncio.gather(*(_sign_up(u, session) for u in await make_users(20)), return_exceptions=True)
    assert _outcomes(results) == {"ok": 4, "SessionFull": 16}
    assert await TrainingApplication.all().count() == 4
    assert (await TrainingSession.get(id=session.id)).enrolled == 4


async def test_the_same_user_signing_up_many_times_takes_one_seat(db):
    session = await _session(capacity=4)
    (user,) = await make_users(1)
    results = await asyncio.gather(*(_sign_up(user, session) for _ in range(6)), return_exceptions=True)
    assert _outcomes(results) == {"ok": 1, "DuplicateBooking": 5}
    assert (await TrainingSession.get(id=session.id)).enrolled == 1


async def test_a_withdrawn_seat_goes_to_exactly_one_of_many_waiting(db):
    session = await _session(capacity=1)
    users = await make_users(9)
    app = await _sign_up(users[0], session)
    await withdraw_training_application(users[0].id, app.id)
    results = await asyncio.gather(*(_sign_up(u, session) for u in users[1:]), return_exceptions=True)
    assert _outcomes(results) == {"ok": 1, "SessionFull": 7}
