"""``Idempotency-Key`` on POSTs: a retry gets the first answer and never creates a second record.

Guarantees, on SQLite and PostgreSQL alike, for one caller (user or staff) and one key:
- at most one request runs the use case: the UNIQUE (scope, key) row is inserted (and
  committed) before the use case starts, so a concurrent duplicate cannot insert it too;
  the duplicate waits for the first answer and replays it;
- the answer is stored in the same transaction as whatever the use case wrote, so either
  both are committed or neither is; a request that fails (4xx or crash) releases its key,
  so a corrected retry runs normally;
- the same key with a different body is refused with 409 ``idempotency_conflict``.
The record lives in the database, so replays survive a Redis outage or restart.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from aiohttp import web
from tortoise.exceptions import DoesNotExist, IntegrityError
from tortoise import timezone
from tortoise.transactions import in_transaction

from orm_models import IdempotencyRecord

from api.errors import ApiError
from api.registry import Call

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
WAIT_SECONDS = 8.0  # how long a duplicate waits for the first attempt's answer
STALE_AFTER = timedelta(minutes=2)  # a pending row this old belongs to a crashed attempt
POLL_SECONDS = 0.05

MSG_BAD_KEY = "Idempotency-Key 应为 1 到 128 个可见 ASCII 字符"
MSG_CONFLICT = "该 Idempotency-Key 已用于另一份不同的请求，请换一个新的键"
MSG_IN_PROGRESS = "相同的请求正在处理中，请稍后在“我的”中查看结果"

Execute = Callable[[], Awaitable[Any]]


def request_key(request: web.Request) -> str:
    key = request.headers.get(HEADER, "")
    if not KEY_PATTERN.match(key):
        raise ApiError(400, "bad_idempotency_key", MSG_BAD_KEY, {HEADER: MSG_BAD_KEY})
    return key


def scope_of(call: Call) -> str:
    if call.user is not None:
        return f"user:{call.user.user_id}"
    return f"staff:{call.staff.id}"


def fingerprint(call: Call) -> str:
    body = call.body.model_dump(mode="json") if hasattr(call.body, "model_dump") else call.body
    text = json.dumps([call.request.method, call.request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def run(call: Call, execute: Execute) -> tuple[int, Any, bool]:
    """Answer (status, body, replayed): run ``execute`` once per key, or replay its answer."""
    key, scope, fp = request_key(call.request), scope_of(call), fingerprint(call)
    record = await _claim(scope, key, fp)
    if record.state == "done":
        return record.status or 200, record.response, True
    return (*await _execute_and_store(record, execute), False)


async def _claim(scope: str, key: str, fp: str) -> IdempotencyRecord:
    """The row to replay (state done) or the pending row this request now owns."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        try:
            return await IdempotencyRecord.create(scope=scope, key=key, fingerprint=fp, started_at=_now())
        except IntegrityError:
            pass
        try:
            record = await IdempotencyRecord.get(scope=scope, key=key)
        except DoesNotExist:
            continue  # the first attempt failed and released the key: try again
        if record.fingerprint != fp:
            raise ApiError(409, "idempotency_conflict", MSG_CONFLICT, {HEADER: MSG_CONFLICT})
        if record.state == "done" or await _take_over_stale(record):
            return record
        if asyncio.get_running_loop().time() > deadline:
            raise ApiError(409, "idempotency_in_progress", MSG_IN_PROGRESS)
        await asyncio.sleep(POLL_SECONDS)


async def _take_over_stale(record: IdempotencyRecord) -> bool:
    """Claim a pending row whose attempt died (its transaction rolled back, so rerunning is safe).

    Staleness is judged in Python: Tortoise on SQLite compares datetimes as text in mixed
    offsets. The ``attempt`` counter makes the claim atomic: one claimant wins.
    """
    if _now() - record.started_at < STALE_AFTER:
        return False
    taken = await IdempotencyRecord.filter(id=record.id, state="pending", attempt=record.attempt).update(
        attempt=record.attempt + 1, started_at=_now())
    return taken == 1


async def _execute_and_store(record: IdempotencyRecord, execute: Execute) -> tuple[int, Any]:
    try:
        async with in_transaction():
            result = await execute()
            if isinstance(result, web.StreamResponse):
                raise TypeError("idempotent endpoints must answer JSON")
            status, body = result
            await IdempotencyRecord.filter(id=record.id).update(state="done", status=status, response=body)
    except BaseException:
        await asyncio.shield(_release(record.id))
        raise
    return status, body


async def _release(record_id: int) -> None:
    await IdempotencyRecord.filter(id=record_id, state="pending").delete()


def _now() -> datetime:
    return timezone.now()

