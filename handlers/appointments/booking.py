"""Appointments at a service window: book, cancel, list.

Capacity is held by the database: a slot's seat counter only moves through
``UPDATE slots SET booked = booked + 1 WHERE id = ? AND booked < capacity`` inside the booking's
transaction, and a UNIQUE ``active_key`` (user + slot) refuses the same user twice; so neither
SQLite nor PostgreSQL ever books past capacity, however many requests arrive at once.
"""
from __future__ import annotations

import functools
import secrets
from datetime import datetime
from typing import Any, Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from chuangye import metrics
from chuangye.config import BookingConfig
from chuangye.db import execute_counted, fetch_rows, insert_ignoring_conflicts
from chuangye.pii import protect_phone
from orm_models import Appointment, Slot, Window

from handlers.errors import BookingLimit, DomainError, DuplicateBooking, InvalidInput, NotAllowed, NotFound, SlotFull
from handlers.forms.definitions import APPOINTMENT_FORM
from handlers.forms.spec import clean
from handlers.notifications.outbox import enqueue_event
from handlers.validation import valid_pk
from handlers.clock import TZ, day_bounds
from handlers.appointments.windows import get_window, window_day, window_slot_times

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the counter
STATUS_ZH = {"booked": "已预约", "checked_in": "已签到", "cancelled": "已取消", "no_show": "未到场"}
MAX_UPCOMING_DEFAULT: int = BookingConfig.model_fields["max_upcoming_per_user"].default
MSG_MAX_UPCOMING = "您已有 {n} 个尚未到来的预约，每人最多同时保留 {n} 个；请办理完或取消其中一个后再预约"
MSG_SAME_WINDOW_DAY = "您已预约了{day:%m月%d日}的{window}，同一窗口每天只能预约一次；如需改时间，请先取消原预约"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


async def notify(event: str, payload: dict[str, Any], conn: Any) -> None:
    """Queue a notification in the caller's transaction (handlers/notifications/outbox.py)."""
    await enqueue_event(event, payload, using_db=conn)


def _slot_end(window: Window, start: datetime) -> datetime:
    """The end of the slot starting at ``start``, or InvalidInput if there is no such open slot."""
    status = window_day(window, start.date())
    if not status.is_open:
        raise InvalidInput({"start": f"预约时段：{start:%Y-%m-%d} 窗口不办公（{status.reason}），请选择其他日期"})
    for slot_start, slot_end in window_slot_times(window, start.date()):
        if slot_start == start:
            return slot_end
    raise InvalidInput({"start": "预约时段：不是该窗口的预约时段，请从可预约时段中选择"})


# The statements of a booking's transaction, written out: tortoise builds every query through
# pypika on each call (see docs/benchmarks.md, round 3). Names as in orm_models.
SQL_LOCK_USER = 'SELECT "id" FROM "users" WHERE "id" = ?'
SQL_SLOT = 'SELECT * FROM "slots" WHERE "window_id" = ? AND "start" = ?'
SQL_HELD = ('SELECT "active_key", "window_id", "status", "start" FROM "appointments" '
            'WHERE "user_id" = ? AND "status" IN (?, ?) AND "start" >= ?')
SQL_TAKE_SEAT = 'UPDATE "slots" SET "booked" = "booked" + 1 WHERE "id" = ? AND "booked" < "capacity"'
_START = Appointment._meta.fields_map["start"]


async def _slot_row(window: Window, start: datetime, end: datetime, conn: Any) -> Slot:
    """The seat counter of the slot, created on first use, in the booking's transaction.

    Insert-or-ignore (``ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike): a concurrent
    creator's row wins without raising (PostgreSQL waits for that creator's transaction and then
    reads its row), so the booking's transaction is never aborted by a unique violation.
    """
    rows = await fetch_rows(conn, SQL_SLOT, [window.id, start])
    if not rows:
        await insert_ignoring_conflicts(Slot(window=window, start=start, end=end, capacity=window.slot_capacity), conn)
        rows = await fetch_rows(conn, SQL_SLOT, [window.id, start])
    return Slot._init_from_db(**rows[0])


async def _lock_user(user_id: int, conn: Any) -> int:
    """Lock the user's row for the booking's transaction (FOR UPDATE on PostgreSQL; SQLite runs one
    write transaction at a time), so one user's simultaneous bookings are checked one after the
    other and cannot all slip under the limits together. NotFound for an unknown user."""
    postgres = conn.capabilities.dialect == "postgres"
    rows = await fetch_rows(conn, SQL_LOCK_USER + (" FOR UPDATE" if postgres else ""), [user_id]) \
        if valid_pk(user_id) else []
    if not rows:
        raise NotFound("没有找到该用户")
    return rows[0]["id"]


async def _check_limits(user_id: int, window: Window, slot: Slot, active_key: str, max_upcoming: int,
                        conn: Any) -> None:
    """Refuse a booking past the user's limits, inside the booking's transaction, after the user's
    row is locked (``_lock_user``). One query reads the user's appointments that still hold a
    visit from the earlier of now and the slot's day on (a handful), and they are counted here."""
    now = datetime.now(TZ)
    day = slot.start.astimezone(TZ).date()
    day_start, day_end = day_bounds(day)
    held = [(r["active_key"], r["window_id"], r["status"], _START.to_python_value(r["start"]))
            for r in await fetch_rows(conn, SQL_HELD, [user_id, "booked", "checked_in", min(now, day_start)])]
    if any(key == active_key for key, _, _, _ in held):
        raise DuplicateBooking()
    if any(w == window.id and day_start <= start < day_end for _, w, _, start in held):
        raise BookingLimit(MSG_SAME_WINDOW_DAY.format(day=day, window=window.name))
    if sum(status == "booked" and start > now for _, _, status, start in held) >= max_upcoming:
        raise BookingLimit(MSG_MAX_UPCOMING.format(n=max_upcoming))


def _payload(appt: Appointment, window: Window) -> dict[str, Any]:
    return {"appointment_id": appt.id, "window_id": window.id, "window_name": window.name, "county": window.county,
            "user_id": appt.user_id, "start": appt.start.astimezone(TZ).isoformat(),
            "end": appt.end.astimezone(TZ).isoformat(), "purpose": appt.purpose, "name": appt.name,
            "phone_masked": appt.phone_masked, "code": appt.code}


def _counted(book: Callable[..., Awaitable[Appointment]]) -> Callable[..., Awaitable[Appointment]]:
    """Count each booking by outcome (chuangye_bookings_total): booked, slot_full, duplicate, limit,
    invalid (bad input, unknown or closed window or slot), error (anything unexpected)."""
    @functools.wraps(book)
    async def counted(*args: Any, **kwargs: Any) -> Appointment:
        try:
            appt = await book(*args, **kwargs)
        except DomainError as exc:
            metrics.count_booking(exc.code if exc.code in ("slot_full", "duplicate", "limit") else "invalid")
            raise
        except Exception:
            metrics.count_booking("error")
            raise
        metrics.count_booking("booked")
        return appt
    return counted


@_counted
async def book_appointment(user_id: int, window_id: int, start: datetime | str, purpose: str, name: str,
                           phone: str, *, max_upcoming: int = MAX_UPCOMING_DEFAULT) -> Appointment:
    """Book one seat of a window's slot for the user.

    Guarantees: every field is validated first (InvalidInput, nothing stored); the slot exists,
    is open and lies in the future; never books past capacity, on SQLite and PostgreSQL alike
    (SlotFull); the same user cannot hold the same slot twice (DuplicateBooking), nor more than
    ``max_upcoming`` upcoming appointments, nor two at one window on one day (BookingLimit), however
    many of their requests arrive at once; the seat, the appointment and its "appointment_booked"
    notification are written in one transaction.
    """
    data = clean(APPOINTMENT_FORM, {"window_id": window_id, "start": start, "purpose": purpose, "name": name,
                                    "phone": phone})
    begin = data["start"]
    phone_p = protect_phone(data["phone"])
    active_key = None
    for _ in range(3):  # a retry only for the (astronomically rare) check-in code collision
        try:
            # Everything in one transaction on one connection: seven statements between BEGIN and COMMIT.
            async with in_transaction() as conn:
                window = await get_window(data["window_id"], using_db=conn)
                uid = await _lock_user(user_id, conn)
                slot = await _slot_row(window, begin, _slot_end(window, begin), conn)
                active_key = f"{uid}:{slot.id}"
                await _check_limits(uid, window, slot, active_key, max_upcoming, conn)
                if not await execute_counted(conn, SQL_TAKE_SEAT, [slot.id]):
                    raise SlotFull()
                appt = await Appointment.create(
                    user_id=uid, window_id=window.id, slot_id=slot.id, start=slot.start.astimezone(TZ),
                    end=slot.end.astimezone(TZ), purpose=data["purpose"], name=data["name"], phone_enc=phone_p.enc,
                    phone_hash=phone_p.hash, phone_masked=phone_p.masked, code=new_code(), active_key=active_key,
                    using_db=conn)
                await notify("appointment_booked", _payload(appt, window), conn)
            return appt
        except IntegrityError:
            if active_key and await Appointment.filter(active_key=active_key).exists():
                raise DuplicateBooking() from None
    raise RuntimeError("could not allocate a unique check-in code")


async def _refuse_cancel(user_id: int, appointment_id: int) -> None:
    appt = await Appointment.get_or_none(id=appointment_id, user_id=user_id)
    if appt is None:
        raise NotFound("没有找到该预约")
    reasons = {"cancelled": "该预约已经取消", "checked_in": "已签到的预约不能取消", "no_show": "该预约已过期，不能取消"}
    if appt.status in reasons:
        raise NotAllowed(reasons[appt.status])
    raise NotAllowed("预约时间已过，不能取消")


async def cancel_appointment(user_id: int, appointment_id: int) -> Appointment:
    """Cancel the user's own future booking and free its seat.

    Guarantees: someone else's appointment is NotFound; a checked-in, past or already
    cancelled one is NotAllowed; the status change, the freed seat and the
    "appointment_cancelled" notification commit together, and a double cancel frees one seat.
    """
    now = datetime.now(TZ)
    if not (valid_pk(user_id) and valid_pk(appointment_id)):
        raise NotFound("没有找到该预约")
    async with in_transaction() as conn:
        changed = await Appointment.filter(id=appointment_id, user_id=user_id, status="booked", start__gt=now) \
            .using_db(conn).update(status="cancelled", active_key=None, cancelled_at=now, updated_at=now)
        if changed:
            appt = await Appointment.get(id=appointment_id).using_db(conn).select_related("window")
            await Slot.filter(id=appt.slot_id, booked__gt=0).using_db(conn).update(booked=F("booked") - 1)
            await notify("appointment_cancelled", _payload(appt, appt.window), conn)
    if not changed:
        await _refuse_cancel(user_id, appointment_id)
    return appt


async def my_appointments(user_id: int) -> list[Appointment]:
    """The user's appointments, latest visit first, each with its ``window`` loaded."""
    return await Appointment.filter(user_id=user_id).select_related("window").order_by("-start", "-id")
