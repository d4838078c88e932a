"""The garbage collector's pauses in a serving worker, with and without ``freeze_gc`` (server/app.py).

    python -m benchmarks.gc_pause_bench [--rate 500] [--requests 4000] [--pg postgres://... --redis redis://...]

Runs the app twice in one run, as ``callback_bench`` serves it but once with ``create_app(freeze_gc=False)``
and once with ``freeze_gc=True`` (what ``chuangye serve`` does), each in its own process, and sends
the same paced load of encrypted questions (``--rate`` a second, latency counted from each scheduled
start). The server times every collection through ``gc.callbacks`` and writes it down; this prints,
for the load's time only, the full (generation 2) collections with their longest and total pause,
the time all collections took, and the load's p50/p99. Loopback only, bounded; prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.callback_bench import bench_config, clear_redis, delete_bench_rows, fire, free_port
from bot.emulator import WeChatServer
from chuangye.config import Config


def serve_timed(config: Config, port: int, freeze: bool, record: str) -> None:
    """The app, with every collection's generation, end (monotonic clock) and length in ``record``."""
    import gc

    from aiohttp import web

    from chuangye.log import setup_logging
    from server.app import create_app

    setup_logging("ERROR", json_format=False)
    out = open(record, "w", encoding="utf-8")  # noqa: SIM115 (open for the life of the process)
    started = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            took = time.perf_counter() - started[0]
            out.write(f"{info['generation']} {time.monotonic():.6f} {took * 1000:.3f}\n")
            out.flush()

    gc.callbacks.append(timed)
    web.run_app(create_app(config, freeze_gc=freeze), host="127.0.0.1", port=port, access_log=None, print=None)


def run(config: Config, freeze: bool, rate: float, total: int, senders: int) -> dict[str, Any]:
    wx = WeChatServer.from_config(config)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        record = str(Path(tmp) / "gc.txt")
        proc = multiprocessing.get_context("spawn").Process(target=serve_timed, args=(config, port, freeze, record),
                                                            daemon=True)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(fire("warm-up", base, wx, senders, 200))
            begin = time.monotonic()
            result = asyncio.run(fire("paced", base, wx, senders, total, rate=rate))
            end = time.monotonic()
        finally:
            proc.terminate()
            proc.join(20)
        rows = [line.split() for line in Path(record).read_text(encoding="utf-8").splitlines()]
    during = [(int(g), float(ms)) for g, at, ms in rows if begin <= float(at) <= end]
    full = [ms for g, ms in during if g == 2]
    return {"freeze": freeze, "full": full, "all_ms": sum(ms for _, ms in during), "count": len(during),
            "seconds": end - begin, "p50": result.pct(0.5), "p99": result.pct(0.99), "errors": result.errors}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=500)
    p.add_argument("--requests", type=int, default=4000)
    p.add_argument("--senders", type=int, default=50)
    p.add_argument("--pg", help="PostgreSQL database (migrated first) instead of SQLite")
    p.add_argument("--redis", help="Redis URL with --pg")
    args = p.parse_args(argv)
    from chuangye.db import migrate

    total = max(1, min(args.requests, 100_000))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(args.pg, args.redis) if args.pg else bench_config(f"sqlite://{tmp}/bench.db", None)
        asyncio.run(migrate(config))
        try:
            for freeze in (False, True):
                results.append(run(config, freeze, args.rate, total, args.senders))
        finally:
            if args.pg:
                asyncio.run(clear_redis(config))
                asyncio.run(delete_bench_rows(config))
    print(f"{'PostgreSQL + Redis' if args.pg else 'SQLite + in-process store'}, {total} questions at "
          f"{args.rate:g}/s from {args.senders} senders")
    print(f"{'freeze_gc':<10}{'full collections':>17}{'longest ms':>12}{'their ms':>10}{'all collections ms':>20}"
          f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in results:
        full = r["full"]
        print(f"{str(r['freeze']):<10}{len(full):>17}{max(full, default=0.0):>12.1f}{sum(full):>10.1f}"
              f"{r['all_ms']:>20.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}")
    lasted = " and ".join(f"{r['seconds']:.1f}" for r in results)
    print(f"(only collections during the load, which lasted {lasted} s; during one, no request moves)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
