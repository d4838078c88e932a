"""Transactional outbox: enqueue in the caller's transaction, deliver later, never lose one.

``enqueue_event`` writes one ``event`` row inside the caller's transaction, so a booking or a
decision and its notification commit or roll back together. The delivery loop later resolves
the event into one row per recipient (each with its chain of fallback channels) and sends them.
"""
from __future__ import annotations

from typing import Any

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient

from orm_models.notifications import EVENT, PENDING, Notification

# event name -> (payload keys that are required, keys that make up the dedupe key)
EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "appointment_booked": (("appointment_id", "window_id"), ("appointment_id",)),
    "appointment_cancelled": (("appointment_id", "window_id"), ("appointment_id",)),
    "loan_decided": (("application_id", "decision"), ("application_id", "decision")),
    "training_decided": (("application_id", "decision"), ("application_id", "decision")),
    # Written by handlers.scheduler, not by other use cases.
    "daily_agenda": (("window_id", "date"), ("window_id", "date")),
    "appointment_reminder": (("appointment_id",), ("appointment_id",)),
}


def event_dedupe_key(event: str, payload: dict[str, Any]) -> str:
    """The key that makes a second enqueue of the same event a no-op."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    required, key_fields = EVENTS[event]
    missing = [k for k in required if payload.get(k) in (None, "")]
    if missing:
        raise ValueError(f"notification event {event!r} needs payload keys {missing}")
    if payload.get("dedupe_key"):
        return f"{event}:{payload['dedupe_key']}"
    return ":".join([event, *(str(payload[k]) for k in key_fields)])


async def enqueue_event(event: str, payload: dict, using_db: BaseDBAsyncClient | None = None) -> None:
    """Record ``event`` for delivery, in the caller's transaction (``using_db``).

    Guarantees: the row commits or rolls back with the caller's work; enqueueing the same event
    twice (same dedupe key, e.g. a retried request) stores one row and so sends once, without
    raising and without aborting the caller's PostgreSQL transaction (INSERT ... ON CONFLICT DO
    NOTHING). Payloads: appointment_booked/appointment_cancelled {appointment_id, window_id},
    loan_decided/training_decided {application_id, decision, note?, user_id?}.
    Raises ValueError for an unknown event or a payload missing a required key.
    """
    key = event_dedupe_key(event, payload)
    row = Notification(kind=event, channel=EVENT, recipient="", payload=dict(payload), status=PENDING,
                       next_attempt_at=timezone.now(), dedupe_key=key)
    await Notification.bulk_create([row], ignore_conflicts=True, using_db=using_db)


def worker_cli(config: Any, once: bool = False) -> int:
    """``chuangye worker [--once]``: see handlers.outbox_worker.worker_cli."""
    from .outbox_worker import worker_cli as run

    return run(config, once=once)
