"""Signing up for an event, cancelling, and one's own sign-ups.

Seats are held by the database, as window bookings are: ``registered`` only moves through
``UPDATE events SET registered = registered + 1 WHERE id = ? AND registered < capacity`` inside the
sign-up's transaction, and a UNIQUE ``active_key`` (user + event) refuses a second seat for the same
user; so neither SQLite nor PostgreSQL ever signs up past capacity, however many arrive at once.
"""
from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from chuangye.pii import protect_phone
from handlers import validation as v
from handlers.appointments.booking import new_code
from handlers.clock import clock
from handlers.errors import DuplicateBooking, EventFull, InvalidInput, NotAllowed, NotFound
from handlers.forms.definitions import NAME, PHONE
from handlers.forms.spec import Field, FormSpec, clean
from handlers.users import get_user
from handlers.events.catalogue import public_event
from orm_models import Event, EventRegistration

EVENT_FORM = FormSpec("event", "活动报名", (
    Field("event_id", "活动", "请选择要报名的活动：", lambda raw, _: v.validate_positive_id(raw, "活动"),
          schema={"type": "integer", "minimum": 1, "maximum": v.MAX_PK}),
    NAME, PHONE))
STATUS_ZH = {"registered": "已报名", "checked_in": "已签到", "cancelled": "已取消"}
MSG_DUPLICATE = "您已报名该活动，无需重复报名；签到码可在「我的活动」中查看"
MSG_CLOSED = "活动：报名已截止"
MSG_STARTED = "活动：活动已经开始，不能再报名"


def _open_for_signup(event: Event) -> None:
    now = clock.now()
    if event.start <= now:
        raise InvalidInput({"event_id": MSG_STARTED})
    if event.signup_deadline is not None and event.signup_deadline <= now:
        raise InvalidInput({"event_id": MSG_CLOSED})


async def register_for_event(user_id: int, data: dict[str, Any]) -> EventRegistration:
    """Take one seat of an event for the user.

    Guarantees: every field is validated first (InvalidInput, nothing stored); the event is
    active, not started and its sign-up not closed; never past capacity, on SQLite and PostgreSQL
    alike (EventFull); one seat per user and event (DuplicateBooking, code ``duplicate``); the
    phone is stored only encrypted; the seat and the sign-up commit together (the day-before reminder
    is enqueued by handlers/notifications/scheduler.py).
    """
    form = clean(EVENT_FORM, data)
    user = await get_user(user_id)
    try:
        event = await public_event(form["event_id"])
    except NotFound:
        raise InvalidInput({"event_id": "活动：没有找到该活动，请重新选择"}) from None
    _open_for_signup(event)
    active_key = f"{user.id}:{event.id}"
    if await EventRegistration.filter(active_key=active_key).exists():
        raise DuplicateBooking(MSG_DUPLICATE)
    phone = protect_phone(form["phone"])
    for _ in range(3):  # a retry only for the (astronomically rare) check-in code collision
        try:
            async with in_transaction() as conn:
                taken = await Event.filter(id=event.id, registered__lt=F("capacity")).using_db(conn) \
                    .update(registered=F("registered") + 1)
                if not taken:
                    raise EventFull()
                reg = await EventRegistration.create(
                    user_id=user.id, event_id=event.id, county=event.county, name=form["name"], phone_enc=phone.enc,
                    phone_hash=phone.hash, phone_masked=phone.masked, code=new_code(), active_key=active_key,
                    using_db=conn)
            return reg
        except IntegrityError:
            if await EventRegistration.filter(active_key=active_key).exists():
                raise DuplicateBooking(MSG_DUPLICATE) from None
    raise RuntimeError("could not allocate a unique check-in code")


async def cancel_registration(user_id: int, registration_id: int) -> EventRegistration:
    """Cancel the user's own sign-up before the event starts, freeing its seat (once, however often
    it is repeated). Someone else's is NotFound; a checked-in or already cancelled one NotAllowed."""
    if not (v.valid_pk(user_id) and v.valid_pk(registration_id)):
        raise NotFound("没有找到该报名")
    reg = await EventRegistration.get_or_none(id=registration_id, user_id=user_id).select_related("event")
    if reg is None:
        raise NotFound("没有找到该报名")
    now = clock.now()
    if reg.status == "registered" and reg.event.start <= now:
        raise NotAllowed("活动已经开始，不能取消报名")
    async with in_transaction() as conn:
        changed = await EventRegistration.filter(id=reg.id, status="registered").using_db(conn).update(
            status="cancelled", active_key=None, cancelled_at=now, updated_at=now)
        if changed:
            await Event.filter(id=reg.event_id, registered__gt=0).using_db(conn) \
                .update(registered=F("registered") - 1)
    if not changed:
        raise NotAllowed(f"该报名{STATUS_ZH.get(reg.status, reg.status)}，不能取消")
    return await EventRegistration.get(id=reg.id).select_related("event")


async def my_registrations(user_id: int) -> list[EventRegistration]:
    """The user's sign-ups, newest first, each with its ``event`` loaded."""
    return await EventRegistration.filter(user_id=user_id).select_related("event").order_by("-created_at", "-id")
