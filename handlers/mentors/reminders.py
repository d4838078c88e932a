"""Reminding the county when a request for a mentor waits unassigned for N working days.

Working days are the service windows' calendar (handlers/appointments/calendar.py): Monday to
Friday, minus statutory holidays, plus 调休 working days and the county's overrides. The reminder
is an outbox event keyed on the request, so it is sent once however often this runs.
"""
from __future__ import annotations

from datetime import date, timedelta

from tortoise.transactions import in_transaction

from orm_models import MentorRequest

from handlers.appointments.calendar import day_status
from handlers.clock import TZ, clock
from handlers.notifications.outbox import enqueue_event

UNASSIGNED_WORKING_DAYS = 2
OFFICE_HOURS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def is_working_day(day: date, county: str) -> bool:
    return day_status(day, OFFICE_HOURS, county).is_open


def working_days_between(start: date, end: date, county: str) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day, county)
        day += timedelta(days=1)
    return count


async def enqueue_unassigned_reminders(today: date, days: int = UNASSIGNED_WORKING_DAYS) -> int:
    """One reminder per request still unassigned after ``days`` working days; returns how many were due."""
    due = 0
    for req in await MentorRequest.filter(status="submitted", reminded_at__isnull=True).order_by("id"):
        if working_days_between(req.created_at.astimezone(TZ).date(), today, req.county) < days:
            continue
        async with in_transaction() as conn:  # marked and enqueued together: counted once
            if await MentorRequest.filter(id=req.id, reminded_at__isnull=True).using_db(conn).update(
                    reminded_at=clock.now()):
                await enqueue_event("mentor_request_unassigned", {"request_id": req.id, "days": days}, using_db=conn)
                due += 1
    return due
