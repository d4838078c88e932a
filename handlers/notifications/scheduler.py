"""Scheduled notifications, driven by the delivery loop: the 08:30 agenda and day-before reminders
(of window visits and of event sign-ups).

Each is an outbox event with a dedupe key (window + date, appointment, sign-up), so any number of
workers checking at the same time enqueue it once, and a restart never sends it twice.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Awaitable, Callable

from tortoise import timezone

from orm_models import Appointment, EventRegistration
from orm_models.notifications import Notification

from handlers.clock import TZ
from handlers.notifications.outbox import enqueue_event, event_dedupe_key
from handlers.clock import day_bounds

AGENDA_FROM, AGENDA_UNTIL = time(8, 30), time(12, 0)  # a late start still sends the morning agenda
REMINDER_FROM, REMINDER_UNTIL = time(10, 0), time(21, 0)  # daytime only, never at night
ACTIVE = ("booked", "checked_in")
# Daytime checks of other capabilities (e.g. unassigned mentor requests), added by ``register_daytime``.
DAYTIME: list[Callable[[date], Awaitable[int]]] = []


def register_daytime(check: Callable[[date], Awaitable[int]]) -> None:
    """Run ``check(today)`` with the reminders; it returns how many events it enqueued (deduplicated)."""
    if check not in DAYTIME:
        DAYTIME.append(check)


async def run_schedules(now: datetime | None = None) -> int:
    """Enqueue whatever is due at ``now`` (default: the current time); returns how many were new.

    Guarantees: the agenda of a window for a day and the reminder of an appointment are each
    enqueued at most once, however often and from however many processes this runs.
    """
    local = (now or timezone.now()).astimezone(TZ)
    new = 0
    if AGENDA_FROM <= local.time() < AGENDA_UNTIL:
        new += await enqueue_agendas(local.date())
    if REMINDER_FROM <= local.time() < REMINDER_UNTIL:
        new += await enqueue_reminders(local.date())
        for daily in DAYTIME:
            new += await daily(local.date())
        new += await enqueue_event_reminders(local.date())
    return new


async def enqueue_agendas(day: date) -> int:
    """One agenda per window that has visits on ``day``, for that window's bound staff."""
    begin, end = day_bounds(day)
    window_ids = await Appointment.filter(start__gte=begin, start__lt=end, status__in=ACTIVE) \
        .distinct().values_list("window_id", flat=True)
    payloads = [{"window_id": w, "date": day.isoformat()} for w in sorted(set(window_ids))]
    return await _enqueue_missing("daily_agenda", payloads)


async def enqueue_reminders(today: date) -> int:
    """A reminder for each visit booked for tomorrow, except those booked today (just confirmed)."""
    today_begin, tomorrow_begin = day_bounds(today)
    ids = await Appointment.filter(start__gte=tomorrow_begin, start__lt=tomorrow_begin + timedelta(days=1),
                                   status="booked", created_at__lt=today_begin).values_list("id", flat=True)
    return await _enqueue_missing("appointment_reminder", [{"appointment_id": i} for i in sorted(ids)])


async def enqueue_event_reminders(today: date) -> int:
    """A reminder for each sign-up to an event starting tomorrow, except those made today (just confirmed)."""
    today_begin, tomorrow_begin = day_bounds(today)
    ids = await EventRegistration.filter(event__start__gte=tomorrow_begin,
                                         event__start__lt=tomorrow_begin + timedelta(days=1), event__is_active=True,
                                         status="registered", created_at__lt=today_begin).values_list("id", flat=True)
    return await _enqueue_missing("event_reminder", [{"registration_id": i} for i in sorted(ids)])


async def _enqueue_missing(event: str, payloads: list[dict]) -> int:
    keys = {event_dedupe_key(event, p): p for p in payloads}
    if not keys:
        return 0
    existing = set(await Notification.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))
    for key, payload in keys.items():
        if key not in existing:
            await enqueue_event(event, payload)
    return len(keys) - len(existing)
