"""Where the callback's time goes: the callback benchmark's load on one app, under pyinstrument.

    python -m benchmarks.callback_profile [--requests 2000] [--senders 50] [--out callback-profile]
                                          [--pg postgres://... --redis redis://...]

Starts the real app (SQLite + in-process store, or PostgreSQL + Redis when given) in a child
process with a sampling profiler, warms it up, then profiles only while ``callback_bench`` fires
its encrypted policy questions at it (loopback only, bounded). Writes ``OUT.txt`` (call tree)
and ``OUT.html``, and prints throughput and latency (slower than the unprofiled benchmark).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
from typing import Any

from benchmarks.callback_bench import bench_config, clear_redis, fire, free_port
from bot.emulator import WeChatServer
from chuangye.config import Config

WARMUP = 100


def serve_profiled(config: Config, out: str, start: Any, port: int) -> None:
    from aiohttp import web
    from pyinstrument import Profiler

    from server.app import create_app
    from chuangye.log import setup_logging

    setup_logging("ERROR", json_format=False)
    profiler = Profiler(interval=0.0005, async_mode="disabled")  # the whole loop: CPU and idle
    app = create_app(config, freeze_gc=True)  # as `chuangye serve` builds it

    async def begin_when_told(app: web.Application) -> Any:
        async def wait() -> None:
            while not start.is_set():
                await asyncio.sleep(0.02)
            profiler.start()

        task = asyncio.create_task(wait())
        yield
        task.cancel()

    async def write(app: web.Application) -> None:
        if profiler.is_running:
            profiler.stop()
            with open(out + ".txt", "w", encoding="utf-8") as f:
                f.write(profiler.output_text(unicode=True, color=False))
            with open(out + ".html", "w", encoding="utf-8") as f:
                f.write(profiler.output_html())

    app.cleanup_ctx.append(begin_when_told)
    app.on_shutdown.insert(0, write)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--senders", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--out", default="callback-profile")
    p.add_argument("--pg", help="profile on this PostgreSQL database (migrated first) instead of SQLite")
    p.add_argument("--redis", help="Redis URL for the PostgreSQL run")
    args = p.parse_args(argv)
    total = max(1, min(args.requests, 100_000))
    from chuangye.db import migrate

    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(args.pg, args.redis) if args.pg else bench_config(f"sqlite://{tmp}/bench.db", None)
        asyncio.run(migrate(config))
        wx = WeChatServer.from_config(config)
        ctx = multiprocessing.get_context("spawn")
        start, port = ctx.Event(), free_port()
        proc = ctx.Process(target=serve_profiled, args=(config, args.out, start, port), daemon=True)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(fire("warm-up", base, wx, args.senders, WARMUP))
            start.set()
            result = asyncio.run(fire("profiled", base, wx, args.senders, total))
        finally:
            proc.terminate()
            proc.join(30)
            if args.pg:
                asyncio.run(clear_redis(config))
    print(f"profiled: {result.throughput:.0f} req/s, p50 {result.pct(0.5):.1f} ms, p99 {result.pct(0.99):.1f} ms, "
          f"errors {result.errors}; call tree in {args.out}.txt, {args.out}.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
