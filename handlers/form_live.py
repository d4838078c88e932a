"""What a form needs beyond its declaration (handlers/forms/): live choices and submission.

It sits beside ``handlers/forms`` rather than in it because it calls the capabilities' use cases
(appointments, applications), which themselves use the form declarations.

- ``choices`` looks up the options of a dynamic field from the current answers: service windows of
  a county, days with free slots, free slots of a day, training sessions with seats;
- ``submit`` hands the raw answers to the same use case the API calls (which validates everything
  again); domain errors (InvalidInput, SlotFull...) propagate, for the channel to tell;
- ``find_submitted`` finds the record a submission already made (one interrupted between the
  database and the store), so that it is recognised, never made twice;
- ``confirmation`` is the text that tells the user what was submitted.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Callable

from handlers.appointments.booking import book_appointment
from handlers.appointments.windows import list_slots, list_windows, open_days
from handlers.applications.loans import eligibility_of, submit_loan_preapplication
from handlers.applications.training import session_choices, submit_training_application
from handlers.carriers.applications import apply_to_settle
from handlers.carriers.directory import carrier_choices
from handlers.clock import TZ
from handlers.mentors.requests import submit_request
from handlers.texts import BOOKED, CARRIER_SUBMITTED, LOAN_SUBMITTED, MENTOR_SUBMITTED, TRAINING_SUBMITTED, when_text
from orm_models import Appointment, CarrierApplication, LoanApplication, MentorRequest, TrainingApplication

Options = list[tuple[Any, str]]
Record = Appointment | LoanApplication | TrainingApplication | MentorRequest | CarrierApplication

# ---------------------------------------------------------------- choices


async def _windows(answers: dict) -> Options:
    return [(w.id, w.name) for w in await list_windows() if w.county == answers.get("county")]


async def _days(answers: dict) -> Options:
    return [(day.isoformat(), label) for day, label in await open_days(int(answers["window_id"]))]


async def _slots(answers: dict) -> Options:
    slots = await list_slots(int(answers["window_id"]), answers["date"])
    return [(s["start"].isoformat(), f"{s['start']:%H:%M}-{s['end']:%H:%M}（剩余 {s['remaining']} 个名额）")
            for s in slots if s["remaining"] > 0]


async def _sessions(answers: dict) -> Options:
    return await session_choices(answers.get("county"))


CHOICES: dict[tuple[str, str], Callable[[dict], Awaitable[Options]]] = {
    ("appointment", "window_id"): _windows,
    ("appointment", "date"): _days,
    ("appointment", "start"): _slots,
    ("training", "session_id"): _sessions,
    ("carrier", "carrier_id"): lambda answers: carrier_choices(answers.get("county")),
}


async def choices(form: str, field: str, answers: dict) -> Options:
    return await CHOICES[(form, field)](answers)


# ---------------------------------------------------------------- submission


async def submit(form: str, user_id: int, answers: dict, *, max_upcoming: int) -> Record:
    """Submit through the use case; domain errors (InvalidInput, SlotFull, BookingLimit...) propagate.
    ``max_upcoming`` is ``booking.max_upcoming_per_user``, as the API passes it."""
    if form == "appointment":
        return await book_appointment(user_id, answers.get("window_id"), answers.get("start"), answers.get("purpose"),
                                      answers.get("name"), answers.get("phone"), max_upcoming=max_upcoming)
    if form == "loan":
        return (await submit_loan_preapplication(user_id, dict(answers)))[0]
    if form == "mentor":
        return await submit_request(user_id, dict(answers))
    if form == "carrier":
        return await apply_to_settle(user_id, dict(answers))
    return await submit_training_application(user_id, dict(answers))


async def find_submitted(form: str, user_id: int, answers: dict, since: datetime) -> Record | None:
    """The record this form's submission already created since ``since``, if it did."""
    if form == "appointment":
        return await Appointment.filter(user_id=user_id, window_id=answers.get("window_id"), status="booked",
                                        start=datetime.fromisoformat(answers["start"])).first()
    if form == "loan":
        return await LoanApplication.filter(user_id=user_id, product=answers.get("product"),
                                            created_at__gte=since).order_by("-id").first()
    if form == "mentor":
        return await MentorRequest.filter(user_id=user_id, industry=answers.get("industry"),
                                          created_at__gte=since).order_by("-id").first()
    if form == "carrier":
        return await CarrierApplication.filter(user_id=user_id, carrier_id=answers.get("carrier_id"),
                                               created_at__gte=since).order_by("-id").first()
    return await TrainingApplication.filter(user_id=user_id, session_id=answers.get("session_id"),
                                            created_at__gte=since).order_by("-id").first()


async def confirmation(record: Record) -> str:
    if isinstance(record, Appointment):
        await record.fetch_related("window")
        return BOOKED.format(window=record.window.name, address=record.window.address,
                             when=when_text(record.start, record.end), purpose=record.purpose, code=record.code)
    if isinstance(record, LoanApplication):
        return LOAN_SUBMITTED.format(id=record.id, eligibility=eligibility_of(record).summary())
    if isinstance(record, MentorRequest):
        return MENTOR_SUBMITTED.format(id=record.id, industry=record.industry, county=record.county)
    if isinstance(record, CarrierApplication):
        await record.fetch_related("carrier")
        return CARRIER_SUBMITTED.format(id=record.id, carrier=record.carrier.name, county=record.county)
    await record.fetch_related("session__course")
    return TRAINING_SUBMITTED.format(id=record.id, course=record.session.course.title, county=record.session.county,
                                     start=f"{record.session.start.astimezone(TZ):%m月%d日}")
