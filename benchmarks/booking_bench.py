"""Booking benchmark: 50 concurrent clients booking through the use case on PostgreSQL.

    python -m benchmarks.booking_bench [--clients 50] [--requests 2000] [--pg postgres://...] [--profile OUT]

Creates a private database (dropped afterwards), migrates it, loads the ten windows, warms the pool
and every connection's statements (not measured) and runs,
in one process and one run:

* baseline: the same clients each committing a one-row INSERT transaction (the floor cost of
  a write transaction on this database and pool);
* spread: bookings of random slots of every window over the coming days;
* hot: every client fighting for the same five slots (the worst case for the seat counter).

Prints throughput and p50/p99 latency of each, the CPU time per request of this process and of the
local PostgreSQL server (both on the same cores), the outcomes, and the number of oversold seats
(appointments holding a seat beyond a slot's capacity), which must be 0. Prints, never asserts.
``--profile OUT``: the spread scenario runs under pyinstrument (a development dependency), which
writes its call tree to OUT.txt (slower than unprofiled).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from chuangye.config import DEV_DATA_KEY, config_from_dict

DEFAULT_PG = os.environ.get("CHUANGYE_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
OVERSOLD_SQL = """
SELECT COALESCE(SUM(GREATEST(n - s.capacity, 0)), 0) AS oversold,
       COALESCE(SUM(GREATEST(s.booked - s.capacity, 0)), 0) AS counter_over
FROM slots s JOIN (SELECT slot_id, COUNT(*) AS n FROM appointments WHERE active_key IS NOT NULL GROUP BY slot_id) a
  ON a.slot_id = s.id
"""


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _with_db(url: str, name: str, query: str = "") -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, f"/{name}", query, ""))


def _postgres_cpu_seconds() -> float:
    """CPU time used so far by this machine's PostgreSQL server processes (0 if none is local)."""
    from benchmarks.callback_bench import service_cpu_seconds

    return service_cpu_seconds("postgres")


async def _run(clients: int, requests: int, work: Callable[[int], Awaitable[str]]) -> dict[str, Any]:
    """``requests`` calls of ``work`` from ``clients`` concurrent loops; latency of each call, and the
    CPU time per call of this process (clients, use case, ORM, driver) and of PostgreSQL."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    counter = iter(range(requests))

    async def client() -> None:
        for i in counter:
            t0 = time.perf_counter()
            outcomes[await work(i)] += 1
            latencies.append(time.perf_counter() - t0)

    start, cpu, pg_cpu = time.perf_counter(), time.process_time(), _postgres_cpu_seconds()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    cpu, pg_cpu = time.process_time() - cpu, _postgres_cpu_seconds() - pg_cpu
    latencies.sort()
    return {"rps": requests / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "outcomes": dict(outcomes),
            "cpu_ms": cpu * 1000 / requests, "pg_cpu_ms": pg_cpu * 1000 / requests}


def _booker(users: list[Any], slots: list[tuple[int, Any]]) -> Callable[[int], Awaitable[str]]:
    from handlers.appointments.booking import book_appointment
    from handlers.errors import DomainError

    async def work(i: int) -> str:
        window_id, start = random.choice(slots)
        try:
            await book_appointment(users[i % len(users)].id, window_id, start, "创业政策咨询", "测试用户", "13812348000")
            return "booked"
        except DomainError as exc:
            return exc.code

    return work


async def _slots(days: int, skip: int = 0) -> list[tuple[int, Any]]:
    """Every slot of each window's open days ``skip`` … ``days`` - 1 from today."""
    from handlers.appointments.windows import list_slots, open_days
    from orm_models import Window

    out = []
    for w in await Window.all():
        for day, _ in (await open_days(w.id, days))[skip:]:
            out += [(w.id, s["start"]) for s in await list_slots(w.id, day)]
    return out


async def bench(pg: str, clients: int, requests: int, profile: str | None = None) -> None:
    from tortoise import connections

    from chuangye.db import close_db, init_db, migrate
    from handlers.users import find_or_create_user
    from handlers.appointments.windows import load_windows

    name = f"cy_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _admin(pg, f'CREATE DATABASE "{name}"')
    url = _with_db(pg, name, f"minsize={min(clients, 10)}&maxsize={clients}")
    config = config_from_dict({"database": {"url": url},
                               "security": {"secret_key": "bench-secret-key-0123456789", "data_key": DEV_DATA_KEY}})
    try:
        await migrate(config)
        await init_db(config)
        await load_windows()
        conn = connections.get("default")
        await conn.execute_script("CREATE TABLE bench_baseline (id SERIAL PRIMARY KEY, v INT)")
        users = [await find_or_create_user("mp", f"bench-{i}") for i in range(requests)]
        slots = await _slots(5)
        warm_users = [await find_or_create_user("mp", f"bench-warm-{i}") for i in range(clients * 4)]

        async def baseline(i: int) -> str:
            from tortoise.transactions import in_transaction

            async with in_transaction() as tx:
                await tx.execute_query("INSERT INTO bench_baseline (v) VALUES ($1)", [i])
            return "inserted"

        # Open every pooled connection first: the baseline, run first, would otherwise pay for
        # connecting (tens of ms each) in its p99, and the scenarios after it would not...
        await _run(clients, clients * 4, baseline)
        # ...and let each connection prepare a booking's statements (asyncpg prepares a statement on
        # its first use on a connection, as a long-running worker has long done), on the two open
        # days after the scenarios' and by other users: not measured, not counted.
        await _run(clients, clients * 4, _booker(warm_users, await _slots(7, skip=5)))
        print(f"PostgreSQL, {clients} concurrent clients, {requests} requests per scenario, "
              f"{len(slots)} slots of 10 windows (capacity 3 each)")
        baseline_result = await _run(clients, requests, baseline)
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        spread = await _run(clients, requests, _booker(users, slots))
        if profiler is not None:
            profiler.stop()
            with open(profile + ".txt", "w", encoding="utf-8") as f:
                f.write(profiler.output_text(unicode=True, color=False))
        results = {"baseline (1-row INSERT transaction)": baseline_result,
                   "spread (random slots, all windows)": spread,
                   "hot (5 slots, everyone at once)": await _run(clients, requests, _booker(users[::-1], slots[:5]))}
        for label, r in results.items():
            print(f"  {label:40s} {r['rps']:8.1f} req/s   p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms   "
                  f"CPU ms/req: this process {r['cpu_ms']:.2f}, PostgreSQL {r['pg_cpu_ms']:.2f}   {r['outcomes']}")
        row = (await conn.execute_query_dict(OVERSOLD_SQL))[0]
        booked = (await conn.execute_query_dict("SELECT COUNT(*) AS n FROM appointments"))[0]["n"]
        print(f"  appointments stored (the warm-up's included): {booked}; oversold seats: {row['oversold']} "
              f"(seat counters above capacity: {row['counter_over']})")
    finally:
        await close_db()
        await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL (a private database is created on it)")
    p.add_argument("--profile", help="profile the spread scenario with pyinstrument into PROFILE.txt")
    args = p.parse_args(argv)
    try:
        asyncio.run(bench(args.pg, args.clients, args.requests, args.profile))
    except OSError as exc:
        print(f"PostgreSQL unreachable at {args.pg}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
