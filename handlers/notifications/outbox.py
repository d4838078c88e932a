"""Transactional outbox: enqueue in the caller's transaction, deliver later, never lose one.

``enqueue_event`` writes one ``event`` row inside the caller's transaction, so a booking or a
decision and its notification commit or roll back together. The delivery loop later resolves
the event into one row per recipient (each with its chain of fallback channels, see
handlers.notifications.fanout) and sends them through the one WeChat client.

Claiming: a worker takes due rows with a lease (status ``sending``, ``claimed_by``,
``claimed_until``): ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional UPDATE
checked by its row count on SQLite. A worker that dies keeps its rows only until the lease runs
out, then another worker takes them: a crash between commit and send loses nothing. Every
outcome is written only while the lease is still ours (``claimed_by`` in the WHERE clause).
"""
from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections, timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from chuangye import metrics
from chuangye.db import insert_ignoring_conflicts
from chuangye.log import log_event, request_id
from orm_models.notifications import (CANCELLED, EVENT, FAILED, PENDING, SENDING, SENT, Notification,
                                      NotificationAttempt)

from handlers.notifications.compose import CHANNEL_LABELS
from handlers.clock import TZ
from handlers.notifications.channels import PERMANENT_ERRCODES, send
from handlers.notifications.fanout import ChannelUnavailable, Obsolete, Undeliverable, fan_out

log = logging.getLogger("chuangye.outbox")

LEASE_SECONDS = 120  # longer than the slowest send (token refresh + retry, 10 s HTTP timeout each)
LEASE_MARGIN_SECONDS = 30  # a claimed row with less lease left than this is left for the next claim
BACKOFF_CAP_SECONDS = 1800
SEND_CONCURRENCY = 8
REQUEST_ID_CHARS = 64  # Notification.request_id; the id may come from a client's X-Request-Id header
# event name -> (payload keys that are required, keys that make up the dedupe key)
EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "appointment_booked": (("appointment_id", "window_id"), ("appointment_id",)),
    "appointment_cancelled": (("appointment_id", "window_id"), ("appointment_id",)),
    "loan_decided": (("application_id", "decision"), ("application_id", "decision")),
    "training_decided": (("application_id", "decision"), ("application_id", "decision")),
    "carrier_decided": (("application_id", "decision"), ("application_id", "decision")),
    # Written by handlers.notifications.scheduler, not by other use cases.
    "daily_agenda": (("window_id", "date"), ("window_id", "date")),
    "appointment_reminder": (("appointment_id",), ("appointment_id",)),
    # Mentor help (handlers/mentors/notices.py).
    "mentor_assigned": (("request_id", "mentor_id"), ("request_id", "mentor_id")),
    "mentor_assigned_user": (("request_id", "mentor_id"), ("request_id", "mentor_id")),
    "mentor_request_unassigned": (("request_id",), ("request_id",)),
    "event_reminder": (("registration_id",), ("registration_id",)),
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
    The row keeps the current request's id (chuangye.log), so its sends can be found in the logs.
    """
    key = event_dedupe_key(event, payload)
    rid = request_id.get()
    row = Notification(kind=event, channel=EVENT, recipient="", payload=dict(payload), status=PENDING,
                       next_attempt_at=local_now(), dedupe_key=key,
                       request_id=rid[:REQUEST_ID_CHARS] if rid != "-" else None)
    await insert_ignoring_conflicts(row, using_db or connections.get("default"))


def local_now(now: datetime | None = None) -> datetime:
    """Times are written and compared in Asia/Shanghai: SQLite compares them as text, so a UTC
    value against a +08:00 one would order wrongly."""
    return (now or timezone.now()).astimezone(TZ)


def _due(now: datetime) -> Q:
    return Q(status=PENDING, next_attempt_at__lte=now) | Q(status=SENDING, claimed_until__lt=now)


async def claim_due(worker_id: str, limit: int = 50, *, now: datetime | None = None,
                    lease_seconds: float = LEASE_SECONDS) -> list[Notification]:
    """Take up to ``limit`` due rows for ``worker_id`` until ``now + lease_seconds``.

    Guarantees: a row is held by at most one live lease; rows of a worker whose lease expired
    become claimable again. PostgreSQL skips rows another claimer has locked (SKIP LOCKED).
    """
    now = local_now(now)
    if connections.get("default").capabilities.dialect == "postgres":
        async with in_transaction() as conn:
            rows = await (Notification.filter(_due(now)).order_by("next_attempt_at", "id").limit(limit)
                          .select_for_update(skip_locked=True).using_db(conn))
            ids = [r.id for r in rows]
            if ids:
                await Notification.filter(id__in=ids).using_db(conn).update(**_lease(worker_id, now, lease_seconds))
    else:
        candidates = await Notification.filter(_due(now)).order_by("next_attempt_at", "id").limit(limit) \
            .values_list("id", flat=True)
        ids = [i for i in candidates if await try_claim(i, worker_id, now=now, lease_seconds=lease_seconds)]
    return await Notification.filter(id__in=ids, claimed_by=worker_id).order_by("id") if ids else []


def _lease(worker_id: str, now: datetime, lease_seconds: float) -> dict[str, Any]:
    return {"status": SENDING, "claimed_by": worker_id, "claimed_until": now + timedelta(seconds=lease_seconds)}


async def try_claim(row_id: int, worker_id: str, *, now: datetime | None = None,
                    lease_seconds: float = LEASE_SECONDS) -> bool:
    """Claim one row if it is still due, as one conditional UPDATE; False when someone else holds it.

    This is what makes a stale list of candidates harmless: the WHERE clause re-checks the row.
    """
    now = local_now(now)
    return bool(await Notification.filter(Q(id=row_id) & _due(now)).update(**_lease(worker_id, now, lease_seconds)))


async def deliver_due(wechat: Any, config: Any, worker_id: str, limit: int = 50, *, now: datetime | None = None) -> int:
    """Claim due rows and deliver them; returns how many rows were handled.

    Events are resolved into per-recipient rows (delivered on a later pass); messages are sent
    through ``wechat``. Each outcome is recorded (NotificationAttempt) and written only while
    this worker still holds the lease, so two workers never both mark or resend a row.
    """
    rows = await claim_due(worker_id, limit, now=now)
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def one(row: Notification) -> None:
        request_id.set(row.request_id or "-")  # this task's own context: its log lines carry the row's request
        async with gate:
            await _handle(wechat, config, row, worker_id, now)

    for outcome in await asyncio.gather(*(one(r) for r in rows), return_exceptions=True):
        if isinstance(outcome, Exception):  # e.g. the database went away while writing an outcome
            metrics.count_db_error(outcome, "outbox")
            log.error("notification outcome not written (the lease will expire and it is retried): %r", outcome)
    return len(rows)


async def _handle(wechat: Any, config: Any, row: Notification, worker_id: str, now: datetime | None) -> None:
    from chuangye.wechat_api import WeChatError

    current = local_now(now)
    if row.claimed_until is None or (row.claimed_until - current).total_seconds() < LEASE_MARGIN_SECONDS:
        return  # too little lease left to send safely: the next claim picks it up
    result = "error"
    try:
        if row.channel == EVENT:
            await fan_out(row, config, worker_id, current)
            result = "sent"
            return
        await send(wechat, config, row)
        result = "sent"
    except Obsolete as exc:
        result = "obsolete"
        await _update_fenced(row, worker_id, {"status": CANCELLED, "claimed_by": None, "claimed_until": None,
                                              "last_error": str(exc)}, False, None, str(exc))
    except Undeliverable as exc:
        result = "undeliverable"
        await _finish(row, worker_id, current, ok=False, errmsg=str(exc))
    except ChannelUnavailable as exc:
        result = "refused"
        await _next_channel(row, worker_id, current, None, str(exc))
    except WeChatError as exc:
        if exc.errcode in PERMANENT_ERRCODES:
            result = "refused"
            await _next_channel(row, worker_id, current, exc.errcode, f"{PERMANENT_ERRCODES[exc.errcode]}（{exc.errmsg}）")
        else:
            await _retry_later(row, worker_id, current, config, exc.errcode, exc.errmsg)
    except asyncio.CancelledError:
        result = None
        raise
    except Exception as exc:  # WeChatUnavailable, network, database hiccups: all retried
        log.warning("notification %s failed: %r", row.id, exc)
        await _retry_later(row, worker_id, current, config, None, _describe(exc))
    else:
        await _finish(row, worker_id, current, ok=True)
    finally:
        if result is not None:
            metrics.OUTBOX_SENDS.labels(row.channel, result).inc()
            log_event(log, f"notification {result}", notification_id=row.id, kind=row.kind, channel=row.channel,
                      attempts=row.attempts)


async def pending_count() -> int:
    """How many outbox rows are not yet delivered (pending, or claimed and being sent)."""
    return await Notification.filter(status__in=(PENDING, SENDING)).count()


async def oldest_pending_age_seconds(now: datetime | None = None) -> float:
    """Seconds since the oldest undelivered outbox row was written; 0 when there is none."""
    oldest = await Notification.filter(status__in=(PENDING, SENDING)).order_by("created_at").first() \
        .values_list("created_at", flat=True)
    return max(0.0, (local_now(now) - oldest).total_seconds()) if oldest else 0.0


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# ---------------------------------------------------------------- outcomes (fenced by the lease)


async def _record(row: Notification, worker_id: str, conn: BaseDBAsyncClient, ok: bool,
                  errcode: int | None = None, errmsg: str | None = None) -> None:
    await NotificationAttempt.create(notification_id=row.id, channel=row.channel, recipient=row.recipient, ok=ok,
                                     errcode=errcode, errmsg=errmsg, worker=worker_id, using_db=conn)


async def _finish(row: Notification, worker_id: str, now: datetime, *, ok: bool, errcode: int | None = None,
                  errmsg: str | None = None) -> bool:
    """Mark the row sent (ok) or failed, with its attempt, in one transaction."""
    changes: dict[str, Any] = {"status": SENT if ok else FAILED, "claimed_by": None, "claimed_until": None,
                               "last_error": None if ok else errmsg}
    if ok:
        changes["sent_at"] = now
    return await _update_fenced(row, worker_id, changes, ok, errcode, errmsg)


async def _update_fenced(row: Notification, worker_id: str, changes: dict[str, Any], ok: bool,
                         errcode: int | None, errmsg: str | None) -> bool:
    async with in_transaction() as conn:
        await _record(row, worker_id, conn, ok, errcode, errmsg)
        updated = await Notification.filter(id=row.id, claimed_by=worker_id).using_db(conn).update(**changes)
    if not updated:
        log.warning("notification %s: lease lost before its outcome was written", row.id)
    elif changes.get("status") == FAILED:
        metrics.OUTBOX_GAVE_UP.labels(row.channel).inc()
        log_event(log, "notification gave up", logging.WARNING, notification_id=row.id, kind=row.kind,
                  channel=row.channel, error=str(changes.get("last_error"))[:300])
    return bool(updated)


async def _retry_later(row: Notification, worker_id: str, now: datetime, config: Any, errcode: int | None,
                       errmsg: str) -> None:
    attempts = row.attempts + 1
    label = f"errcode {errcode}：{errmsg}" if errcode is not None else errmsg
    if attempts >= config.notify.max_attempts:
        changes = {"status": FAILED, "attempts": attempts, "claimed_by": None, "claimed_until": None,
                   "last_error": f"{CHANNEL_LABELS[row.channel]}已尝试 {attempts} 次仍失败：{label}"}
    else:
        delay = backoff_seconds(config.notify.backoff_base_seconds, attempts)
        changes = {"status": PENDING, "attempts": attempts, "claimed_by": None, "claimed_until": None,
                   "next_attempt_at": now + timedelta(seconds=delay), "last_error": label}
    await _update_fenced(row, worker_id, changes, False, errcode, errmsg)


def backoff_seconds(base: float, attempts: int) -> float:
    """base * 2^(attempts-1), with +-20% jitter so a crowd of failures spreads out, capped."""
    return min(BACKOFF_CAP_SECONDS, base * 2 ** min(max(0, attempts - 1), 30) * random.uniform(0.8, 1.2))


async def _next_channel(row: Notification, worker_id: str, now: datetime, errcode: int | None, reason: str) -> None:
    """A permanent refusal on this channel: move to the recipient's next channel, or fail."""
    fallbacks = list(row.payload.get("fallbacks") or [])
    label = CHANNEL_LABELS.get(row.channel, row.channel)
    if not fallbacks:
        await _finish(row, worker_id, now, ok=False, errcode=errcode,
                      errmsg=f"{label}不可用：{reason}，没有其他可用渠道")
        return
    channel, recipient = fallbacks.pop(0)
    payload = {**row.payload, "fallbacks": fallbacks}
    changes = {"status": PENDING, "channel": channel, "recipient": recipient, "payload": payload, "attempts": 0,
               "next_attempt_at": now, "claimed_by": None, "claimed_until": None,
               "last_error": f"{label}不可用：{reason}，已改用{CHANNEL_LABELS.get(channel, channel)}"}
    await _update_fenced(row, worker_id, changes, False, errcode, reason)


async def retry_notification(id: int) -> bool:
    """Send a failed notification again, by hand (the console's 重试).

    Resets the row to its first channel (``payload.chain``) with a fresh attempt count; a failed
    event is resolved again, so staff bound since then are reached. Returns False when the row
    does not exist or has not failed. The attempt history is kept.
    """
    row = await Notification.get_or_none(id=id)
    if row is None or row.status != FAILED:
        return False
    changes: dict[str, Any] = {"status": PENDING, "attempts": 0, "next_attempt_at": local_now(),
                               "claimed_by": None, "claimed_until": None}
    chain = row.payload.get("chain")
    if chain:
        changes["channel"], changes["recipient"] = chain[0]
        changes["payload"] = {**row.payload, "fallbacks": chain[1:]}
    return bool(await Notification.filter(id=id, status=FAILED).update(**changes))
