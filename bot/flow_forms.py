"""What the chat needs per form beyond handlers/forms/definitions.py: live choices, submission, recovery.

Each form's adapter looks up the options of its dynamic fields (service windows of a county,
days with free slots, free slots of a day, training sessions with seats), submits the answers
through the same use case as the API (which re-validates everything), and can find a record
it already submitted (for a submission interrupted between the database and the store).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Callable

from chuangye.config import Config
from handlers.clock import TZ
from orm_models import Appointment, LoanApplication, TrainingApplication

from bot import flow_texts as T

Options = list[tuple[Any, str]]
WEEKDAYS = "一二三四五六日"


def when_text(start: datetime, end: datetime | None = None) -> str:
    start = start.astimezone(TZ)
    text = f"{start:%Y年%m月%d日} 周{WEEKDAYS[start.weekday()]} {start:%H:%M}"
    return text + (f"-{end.astimezone(TZ):%H:%M}" if end else "")


def money(amount: int) -> str:
    return f"{amount // 10000}万元" if amount and amount % 10000 == 0 else f"{amount}元"


# ---------------------------------------------------------------- choices


async def _windows(answers: dict) -> Options:
    from handlers.appointments.windows import list_windows

    return [(w.id, w.name) for w in await list_windows() if w.county == answers.get("county")]


async def _days(answers: dict) -> Options:
    from handlers.appointments.windows import open_days

    return [(day.isoformat(), label) for day, label in await open_days(int(answers["window_id"]))]


async def _slots(answers: dict) -> Options:
    from handlers.appointments.windows import list_slots

    slots = await list_slots(int(answers["window_id"]), answers["date"])
    return [(s["start"].isoformat(), f"{s['start']:%H:%M}-{s['end']:%H:%M}（剩余 {s['remaining']} 个名额）")
            for s in slots if s["remaining"] > 0]


async def _sessions(answers: dict) -> Options:
    from handlers.applications.training import session_choices

    return await session_choices(answers.get("county"))


CHOICES: dict[tuple[str, str], Callable[[dict], Awaitable[Options]]] = {
    ("appointment", "window_id"): _windows,
    ("appointment", "date"): _days,
    ("appointment", "start"): _slots,
    ("training", "session_id"): _sessions,
}


async def choices(form: str, field: str, answers: dict) -> Options:
    return await CHOICES[(form, field)](answers)


# ---------------------------------------------------------------- submission and its text


async def _booked_text(appt: Appointment) -> str:
    await appt.fetch_related("window")
    return T.BOOKED.format(window=appt.window.name, address=appt.window.address, when=when_text(appt.start, appt.end),
                           purpose=appt.purpose, code=appt.code)


async def _loan_text(app: LoanApplication) -> str:
    from handlers.applications.loans import eligibility_of

    return T.LOAN_SUBMITTED.format(id=app.id, eligibility=eligibility_of(app).summary())


async def _training_text(app: TrainingApplication) -> str:
    await app.fetch_related("session__course")
    return T.TRAINING_SUBMITTED.format(id=app.id, course=app.session.course.title, county=app.session.county,
                                       start=f"{app.session.start.astimezone(TZ):%m月%d日}")


async def submit(form: str, user_id: int, answers: dict, config: Config) -> str:
    """Submit through the use case; domain errors (InvalidInput, SlotFull, BookingLimit...) propagate."""
    if form == "appointment":
        from handlers.appointments.booking import book_appointment

        appt = await book_appointment(user_id, answers.get("window_id"), answers.get("start"), answers.get("purpose"),
                                      answers.get("name"), answers.get("phone"),
                                      max_upcoming=config.booking.max_upcoming_per_user)
        return await _booked_text(appt)
    if form == "loan":
        from handlers.applications.loans import submit_loan_preapplication

        app, _ = await submit_loan_preapplication(user_id, dict(answers))
        return await _loan_text(app)
    from handlers.applications.training import submit_training_application

    return await _training_text(await submit_training_application(user_id, dict(answers)))


async def already_submitted(form: str, user_id: int, answers: dict, since: datetime) -> str | None:
    """The confirmation text of a record this flow already created, if it did."""
    if form == "appointment":
        appt = await Appointment.filter(user_id=user_id, window_id=answers.get("window_id"), status="booked",
                                        start=datetime.fromisoformat(answers["start"])).first()
        return await _booked_text(appt) if appt else None
    if form == "loan":
        loan = await LoanApplication.filter(user_id=user_id, product=answers.get("product"),
                                            created_at__gte=since).order_by("-id").first()
        return await _loan_text(loan) if loan else None
    training = await TrainingApplication.filter(user_id=user_id, session_id=answers.get("session_id"),
                                                created_at__gte=since).order_by("-id").first()
    return await _training_text(training) if training else None
