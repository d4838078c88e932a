"""Question logs written behind, in batches (the callback's hot path makes no database write).

A question's row (``QuestionLog``) is the answer's ``answer_id``, given to the asker at once, so
its id must be known before the row is written. Ids are taken in blocks from the table's own id
sequence (PostgreSQL: ``nextval`` of its serial sequence; SQLite: the table's AUTOINCREMENT counter
in ``sqlite_sequence``, moved on in one transaction), so rows inserted later with those ids never
collide with rows that other code or other processes insert meanwhile.

Guarantees:
- rows wait at most ``FLUSH_SECONDS`` (or until ``BATCH_ROWS`` wait) and are then inserted in one
  transaction, with the segments' ``used_count`` increments of the same batch;
- ``close()`` (the app's shutdown) writes what waits; a crash loses at most what waited then: the
  questions of the last ``FLUSH_SECONDS`` (at most ``MAX_PENDING`` rows while the database is down).
  Only question logs are written behind: bookings and applications are written before answering;
- feedback on an id this process holds writes the batch first (``written``); on an id another process
  may hold (allocated, not yet in the table), it waits up to ``PENDING_WAIT_SECONDS`` for that
  process's flush before the id counts as unknown;
- a batch that cannot be written (database down) is kept and retried with the next one, bounded by
  ``MAX_PENDING`` rows (the oldest are dropped beyond that, with a log line).
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from typing import Any

from tortoise import connections, timezone
from tortoise.transactions import in_transaction

from chuangye.db import dialect_sql, note_db_unavailable
from orm_models import KbSegment, QuestionLog

log = logging.getLogger("chuangye.question_log")

FLUSH_SECONDS = 0.25
BATCH_ROWS = 200
BLOCK = 500  # ids taken from the sequence at a time (a restart leaves at most this many unused)
REFILL_AT = BLOCK // 2  # the next block is asked for when this few ids are left
MAX_PENDING = 5000
PENDING_WAIT_SECONDS = 4 * FLUSH_SECONDS + 1.0
POLL_SECONDS = 0.05
TABLE = QuestionLog._meta.db_table


SQL_USED = f'UPDATE "{KbSegment._meta.db_table}" SET "used_count" = "used_count" + ? WHERE "id" = ?'
_DEFAULTS = {"handled": False, "helpful": None, "feedback_comment": "", "feedback_at": None}


async def _insert(conn: Any, rows: list[dict[str, Any]]) -> None:
    """``QuestionLog.bulk_create`` without building a model per row (22 µs each): tortoise's own
    INSERT of every column, each value through its field's ``to_db_value`` as bulk_create does."""
    executor = conn.executor_class(model=QuestionLog, db=conn)
    fields_map = QuestionLog._meta.fields_map
    columns = executor.regular_columns_all
    await conn.execute_many(executor.insert_query_all, [
        [fields_map[c].to_db_value(row[c] if c in row else _DEFAULTS[c], QuestionLog) for c in columns] for row in rows])


def _postgres() -> bool:
    return "asyncpg" in type(connections.get("default")).__module__


async def allocate_ids(count: int) -> list[int]:
    """``count`` ids of the question-log table's own sequence, never given out again."""
    conn = connections.get("default")
    if _postgres():
        rows = await conn.execute_query_dict(
            f"SELECT nextval(pg_get_serial_sequence('{TABLE}', 'id')) AS id FROM generate_series(1, $1)", [count])
        return sorted(int(r["id"]) for r in rows)
    async with in_transaction() as tx:
        changed, _ = await tx.execute_query("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = ?", [count, TABLE])
        if not changed:  # no row yet (nothing ever inserted): start after what the table holds
            await tx.execute_query(
                f'INSERT INTO sqlite_sequence (name, seq) SELECT ?, COALESCE(MAX("id"), 0) + ? FROM "{TABLE}"',
                [TABLE, count])
        _, rows = await tx.execute_query("SELECT seq FROM sqlite_sequence WHERE name = ?", [TABLE])
    last = int(rows[0][0])
    return list(range(last - count + 1, last + 1))


async def highest_allocated() -> int:
    """The highest id the sequence has given out (0: none)."""
    conn = connections.get("default")
    if _postgres():
        rows = await conn.execute_query_dict(
            f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{TABLE}', 'id')::regclass) AS id")
        return int(rows[0]["id"] or 0)
    _, rows = await conn.execute_query("SELECT seq FROM sqlite_sequence WHERE name = ?", [TABLE])
    return int(rows[0][0]) if rows else 0


class QuestionLogWriter:
    """One per app (process): ``add`` returns the row's id at once, the row follows (see above)."""

    def __init__(self, flush_seconds: float = FLUSH_SECONDS, batch_rows: int = BATCH_ROWS) -> None:
        self.flush_seconds, self.batch_rows = flush_seconds, batch_rows
        self._ids: deque[int] = deque()
        self._rows: dict[int, dict[str, Any]] = {}
        self._inflight: set[int] = set()
        self._uses: Counter[int] = Counter()
        self._alloc_lock = asyncio.Lock()
        self._refill: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        # A full batch asks for one flush; until that flush takes the rows, more rows ask for nothing.
        # (Each add used to start a flush while one was being written: under the callback benchmark
        # hundreds of tasks queued on the lock, each then writing a row or two in a transaction of its
        # own, and every other use of the database, on SQLite its one connection, waited behind them.)
        self._full_flush_asked = False
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks
        self._closed = False

    @property
    def pending(self) -> int:
        return len(self._rows) + len(self._inflight)

    async def add(self, *, channel: str, openid: str | None, question: str, confident: bool,
                  top_passage: str | None, score: float, segment_id: int | None) -> int:
        if self._closed:
            raise RuntimeError("question log writer closed")
        if len(self._ids) <= REFILL_AT:
            # The next block is taken while this one lasts: questions do not queue behind the
            # allocation (on SQLite it waits for the connection, behind a batch being written).
            self._start_refill()
        while not self._ids:
            self._start_refill()
            await asyncio.shield(self._refill)  # type: ignore[arg-type]  (raises what the allocation raised)
        row_id = self._ids.popleft()
        self._rows[row_id] = dict(id=row_id, channel=channel, openid=openid, question=question, confident=confident,
                                  top_passage=top_passage, score=score, segment_id=segment_id,
                                  created_at=timezone.now())
        if confident and segment_id:  # the console shows how often each segment answered
            self._uses[segment_id] += 1
        if len(self._rows) >= self.batch_rows:
            if not self._full_flush_asked:
                self._full_flush_asked = True
                self._start_flush(0.0)
        elif self._timer is None or self._timer.done():
            self._start_flush(self.flush_seconds)
        return row_id

    def _start_refill(self) -> None:
        if self._refill is None or self._refill.done():
            self._refill = task = asyncio.create_task(self._take_block())
            self._tasks.add(task)
            # A failed allocation raises in the add() that waits for it, or is retried by the next add().
            task.add_done_callback(lambda t: (self._tasks.discard(t), t.cancelled() or t.exception()))

    async def _take_block(self) -> None:
        async with self._alloc_lock:
            self._ids.extend(await allocate_ids(BLOCK))

    def holds(self, row_id: int) -> bool:
        return row_id in self._rows or row_id in self._inflight

    def _start_flush(self, delay: float) -> None:
        async def later() -> None:
            if delay:
                await asyncio.sleep(delay)
            await asyncio.shield(self.flush())  # close() cancels the timers, never a batch being written

        self._timer = task = asyncio.create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write what waits now (one transaction). A failure keeps the rows for the next flush."""
        async with self._flush_lock:
            rows, uses = self._rows, self._uses
            if not rows:
                return
            self._rows, self._uses = {}, Counter()
            self._full_flush_asked = False
            self._inflight = set(rows)
            try:
                async with in_transaction() as conn:
                    await _insert(conn, list(rows.values()))
                    if uses:  # one statement for every segment (a hop to SQLite's thread each, before)
                        await conn.execute_many(dialect_sql(SQL_USED, conn.capabilities.dialect),
                                                [[n, segment_id] for segment_id, n in sorted(uses.items())])
            except Exception as exc:
                if not note_db_unavailable(exc):
                    log.exception("could not write %d question log rows", len(rows))
                self._keep(rows, uses)
                if not self._closed and (self._timer is None or self._timer.done()):
                    self._start_flush(max(self.flush_seconds, 1.0))
            finally:
                self._inflight = set()

    def _keep(self, rows: dict[int, dict[str, Any]], uses: Counter[int]) -> None:
        merged = {**rows, **self._rows}
        drop = len(merged) - MAX_PENDING
        if drop > 0:
            log.error("question log: database unreachable, %d oldest rows dropped (bound %d)", drop, MAX_PENDING)
            for row_id in sorted(merged)[:drop]:
                row = merged.pop(row_id)
                if row["confident"] and row["segment_id"]:
                    uses[row["segment_id"]] -= 1
        self._rows = merged
        self._uses = +(uses + self._uses)

    async def written(self, row_id: int) -> bool:
        """Make sure row ``row_id`` is in the table if it exists anywhere: written now when this
        process holds it, awaited (bounded) when another process may. False: no such row."""
        if self.holds(row_id):
            await self.flush()
        return await wait_written(row_id)

    async def close(self) -> None:
        """The app's shutdown: write what waits (retried once if the first try fails)."""
        self._closed = True
        waiting = [t for t in self._tasks if not t.done()]
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        for _ in range(2):
            await self.flush()
            if not self._rows:
                return
        log.error("question log: %d rows could not be written at shutdown", len(self._rows))


async def wait_written(row_id: int, timeout: float = PENDING_WAIT_SECONDS) -> bool:
    """True once row ``row_id`` is in the table. An id the sequence gave out but not yet written may
    be waiting in another process: polled for up to ``timeout``; a never-given id is False at once."""
    if await QuestionLog.filter(id=row_id).exists():
        return True
    if row_id <= 0 or row_id > await highest_allocated():
        return False
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        if await QuestionLog.filter(id=row_id).exists():
            return True
    return False
