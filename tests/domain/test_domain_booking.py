"""Booking, cancelling and listing appointments at a service window."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chuangye import pii
from handlers.appointments import booking
from handlers.appointments.booking import CODE_ALPHABET, book_appointment, cancel_appointment, my_appointments
from handlers.errors import DuplicateBooking, InvalidInput, NotAllowed, NotFound, SlotFull
from handlers.clock import TZ
from handlers.appointments.windows import list_slots
from orm_models import Appointment, Notification, Slot, Window
from tests.support.builders import free_slot, make_users, yuanmou_window

pytestmark = pytest.mark.backend


async def _setup(n_users: int = 1):
    window = await yuanmou_window()
    return window, await make_users(n_users), await free_slot(window.id)


async def _book(user, window, slot, **kw):
    args = {"purpose": "创业担保贷款", "name": "李秀英", "phone": "13812348000", **kw}
    return await book_appointment(user.id, window.id, slot["start"], **args)


async def test_a_booking_takes_a_seat_and_gives_a_check_in_code(db):
    window, (user,), slot = await _setup()
    appt = await _book(user, window, slot)
    assert appt.status == "booked" and appt.start == slot["start"] and appt.window_id == window.id
    assert len(appt.code) == 6 and set(appt.code) <= set(CODE_ALPHABET)
    assert (await list_slots(window.id, slot["start"].date()))[0]["remaining"] == 2


async def test_the_phone_is_stored_encrypted_hashed_and_masked(db):
    window, (user,), slot = await _setup()
    appt = await Appointment.get(id=(await _book(user, window, slot)).id)
    assert "13812348000" not in appt.phone_enc and pii.decrypt(appt.phone_enc) == "13812348000"
    assert appt.phone_masked == "138****8000"
    assert await Appointment.filter(phone_hash=pii.lookup_hash("phone", "13812348000")).count() == 1


async def test_the_booking_and_its_notification_are_one_transaction(db, monkeypatch):
    window, (user, other_user), slot = await _setup(2)  # one booking per user per window a day
    appt = await _book(user, window, slot)
    row = await Notification.get(kind="appointment_booked")
    assert row.payload["appointment_id"] == appt.id and row.payload["window_id"] == window.id

    async def broken(event, payload, conn):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(booking, "notify", broken)
    other = (await list_slots(window.id, slot["start"].date()))[1]
    with pytest.raises(RuntimeError):
        await _book(other_user, window, other)
    assert await Appointment.all().count() == 1
    assert (await list_slots(window.id, slot["start"].date()))[1]["remaining"] == 3


async def test_a_full_slot_refuses_the_next_booking(db):
    window, users, slot = await _setup(4)
    for u in users[:3]:
        await _book(u, window, slot)
    with pytest.raises(SlotFull) as exc:
        await _book(users[3], window, slot)
    assert (exc.value.status, exc.value.code, exc.value.message) == (409, "slot_full", "该时段已约满，请选择其他时段")
    assert await Appointment.all().count() == 3 and (await Slot.get(window_id=window.id)).booked == 3


async def test_a_seat_taken_by_someone_else_after_the_slot_was_read_leaves_nothing_behind(db, monkeypatch):
    """The seat counter is the last word: a slot read with a free seat and filled by others before
    the seat is taken refuses the booking, and the slot's row this booking created goes too."""
    window, (user,), slot = await _setup()
    real_check = booking._check_limits

    async def then_the_slot_fills(user_id, window_, slot_, active_key, max_upcoming, conn):
        await real_check(user_id, window_, slot_, active_key, max_upcoming, conn)
        await Slot.filter(id=slot_.id).using_db(conn).update(booked=slot_.capacity)  # as if others committed

    monkeypatch.setattr(booking, "_check_limits", then_the_slot_fills)
    with pytest.raises(SlotFull):
        await _book(user, window, slot)
    assert await Appointment.all().count() == 0 and await Notification.all().count() == 0
    assert await Slot.all().count() == 0  # its seat counter, created by this booking, went with it
    assert (await list_slots(window.id, slot["start"].date()))[0]["remaining"] == 3


async def test_the_same_user_cannot_book_the_same_slot_twice(db):
    window, (user,), slot = await _setup()
    await _book(user, window, slot)
    with pytest.raises(DuplicateBooking) as exc:
        await _book(user, window, slot, name="李秀英", phone="13900001111")
    assert (exc.value.status, exc.value.code) == (409, "duplicate")
    assert (await Slot.get(window_id=window.id)).booked == 1


async def test_cancelling_frees_the_seat_and_allows_booking_again(db):
    window, users, slot = await _setup(4)
    booked = [await _book(u, window, slot) for u in users[:3]]
    cancelled = await cancel_appointment(users[0].id, booked[0].id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert (await Slot.get(window_id=window.id)).booked == 2
    assert await Notification.filter(kind="appointment_cancelled").count() == 1
    await _book(users[3], window, slot)
    with pytest.raises(SlotFull):
        await _book(users[0], window, slot)


async def test_after_cancelling_the_same_user_may_book_that_slot_again(db):
    window, (user,), slot = await _setup()
    first = await _book(user, window, slot)
    await cancel_appointment(user.id, first.id)
    second = await _book(user, window, slot)
    assert second.id != first.id and (await Slot.get(window_id=window.id)).booked == 1


async def test_a_double_cancel_frees_one_seat_only(db):
    window, users, slot = await _setup(2)
    a = await _book(users[0], window, slot)
    await _book(users[1], window, slot)
    await cancel_appointment(users[0].id, a.id)
    with pytest.raises(NotAllowed, match="已经取消"):
        await cancel_appointment(users[0].id, a.id)
    assert (await Slot.get(window_id=window.id)).booked == 1


async def test_someone_elses_appointment_is_not_found(db):
    window, users, slot = await _setup(2)
    appt = await _book(users[0], window, slot)
    with pytest.raises(NotFound):
        await cancel_appointment(users[1].id, appt.id)
    with pytest.raises(NotFound):
        await cancel_appointment(users[0].id, 99999)


async def test_a_checked_in_appointment_cannot_be_cancelled(db):
    window, (user,), slot = await _setup()
    appt = await _book(user, window, slot)
    await Appointment.filter(id=appt.id).update(status="checked_in")
    with pytest.raises(NotAllowed) as exc:
        await cancel_appointment(user.id, appt.id)
    assert (exc.value.status, exc.value.message) == (409, "已签到的预约不能取消")


async def test_a_past_appointment_cannot_be_cancelled(db):
    window, (user,), slot = await _setup()
    appt = await _book(user, window, slot)
    await Appointment.filter(id=appt.id).update(start=datetime.now(TZ) - timedelta(hours=1))
    with pytest.raises(NotAllowed, match="预约时间已过"):
        await cancel_appointment(user.id, appt.id)


async def test_a_closed_day_is_refused_with_the_reason(db):
    window, (user,), slot = await _setup()
    await Window.filter(id=window.id).update(closed_days=[slot["start"].date().isoformat()])
    with pytest.raises(InvalidInput) as exc:
        await _book(user, window, slot)
    assert exc.value.fields == {"start": f"预约时段：{slot['start']:%Y-%m-%d} 窗口不办公（窗口休息），请选择其他日期"}
    assert await Slot.all().count() == 0 and await Appointment.all().count() == 0


async def test_a_time_that_is_not_a_slot_is_refused(db):
    window, (user,), slot = await _setup()
    with pytest.raises(InvalidInput) as exc:
        await book_appointment(user.id, window.id, slot["start"] + timedelta(minutes=10), "其他", "李秀英", "13812348000")
    assert exc.value.fields == {"start": "预约时段：不是该窗口的预约时段，请从可预约时段中选择"}


async def test_a_past_slot_is_refused(db):
    window, (user,), _ = await _setup()
    with pytest.raises(InvalidInput) as exc:
        await book_appointment(user.id, window.id, "2020-01-06T09:00:00+08:00", "其他", "李秀英", "13812348000")
    assert exc.value.fields == {"start": "预约时段：该时段已经过去，请选择今后的时段"}


async def test_bad_fields_are_all_reported_and_nothing_is_stored(db):
    window, (user,), slot = await _setup()
    with pytest.raises(InvalidInput) as exc:
        await book_appointment(user.id, window.id, slot["start"], "买房", "李", "12345")
    assert set(exc.value.fields) == {"purpose", "name", "phone"}
    assert await Appointment.all().count() == 0 and await Notification.all().count() == 0


async def test_an_unknown_window_is_not_found(db):
    _, (user,), slot = await _setup()
    with pytest.raises(NotFound, match="服务窗口"):
        await book_appointment(user.id, 9999, slot["start"], "其他", "李秀英", "13812348000")


async def test_my_appointments_lists_only_mine_with_the_window(db):
    window, users, slot = await _setup(2)
    mine = await _book(users[0], window, slot)
    await _book(users[1], window, slot)
    listed = await my_appointments(users[0].id)
    assert [a.id for a in listed] == [mine.id] and listed[0].window.name == "元谋县创业服务窗口"


async def test_ids_too_large_for_any_record_are_not_found_rather_than_crashing(db):
    from handlers.applications.loans import withdraw_loan_application
    from handlers.applications.training import withdraw_training_application

    window, (user,), slot = await _setup()
    huge = 2**40
    for call in (cancel_appointment(user.id, huge), withdraw_loan_application(user.id, huge),
                 withdraw_training_application(user.id, huge), list_slots(huge, slot["start"].date())):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(InvalidInput) as exc:
        await book_appointment(user.id, huge, slot["start"], "其他", "李秀英", "13812348000")
    assert exc.value.fields == {"window_id": "服务窗口：请选择一个有效的服务窗口"}


async def test_the_limit_checks_count_only_what_still_holds_a_visit(db):
    """The three limits are read by one query: each counts only the appointments it should."""
    from handlers.errors import BookingLimit

    window, (user,), slot = await _setup()
    day_slots = [s for s in await list_slots(window.id, slot["start"].date()) if s["remaining"] > 0]
    first = await _book(user, window, day_slots[0])
    with pytest.raises(BookingLimit, match="同一窗口每天只能预约一次"):  # booked, same window, same day
        await _book(user, window, day_slots[1])
    await Appointment.filter(id=first.id).update(status="checked_in")
    with pytest.raises(BookingLimit, match="同一窗口每天只能预约一次"):  # checked in still counts for the day
        await _book(user, window, day_slots[1])
    await Appointment.filter(id=first.id).update(status="no_show")
    second = await _book(user, window, day_slots[1])  # a no-show does not
    later = await free_slot(window.id, min_days=(slot["start"].date() - datetime.now(TZ).date()).days + 1)
    await _book(user, window, later, max_upcoming=2)  # another day: the second upcoming booking
    other_day = await free_slot(window.id, min_days=(later["start"].date() - datetime.now(TZ).date()).days + 1)
    with pytest.raises(BookingLimit, match="每人最多同时保留 2 个"):
        await _book(user, window, other_day, max_upcoming=2)
    await Appointment.filter(id=second.id).update(start=datetime.now(TZ) - timedelta(hours=1))  # past: not upcoming
    assert (await _book(user, window, other_day, max_upcoming=2)).status == "booked"
