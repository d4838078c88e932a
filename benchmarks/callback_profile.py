"""Where the callback's time goes: the callback benchmark's load on one app, under pyinstrument.

    python -m benchmarks.callback_profile [--requests 2000] [--senders 50] [--out callback-profile]
                                          [--pg postgres://... --redis redis://...] [--py-spy]

Starts the real app (SQLite + in-process store, or PostgreSQL + Redis when given) in a child
process with a sampling profiler, warms it up, then profiles only while ``callback_bench`` fires
its encrypted policy questions at it (loopback only, bounded). Writes ``OUT.txt`` (call tree)
and ``OUT.html``, and prints throughput and latency (slower than the unprofiled benchmark).

pyinstrument's hook runs on every Python call and return, so call-heavy code (redis-py, the event
loop) looks dearer than it is. ``--py-spy`` samples the unmodified server from outside instead
(py-spy, a development dependency; it needs ptrace: root, or ``kernel.yama.ptrace_scope`` 0), writes
its raw stacks to ``OUT.raw`` and prints where the samples were, by the function running (self
time) and by package (this code, aiohttp, asyncio, redis-py, the database drivers, wechatpy...).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.callback_bench import bench_config, clear_redis, fire, free_port, serve_app
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


def _package(frame: str) -> str:
    """The package of a py-spy frame ``function (path/file.py:line)``: the top-level directory for
    site-packages and our code alike, the standard library's module (asyncio, ssl...) otherwise."""
    where = frame.rpartition("(")[2].rstrip(")").rpartition(":")[0]
    parts = Path(where).parts
    return parts[0] if parts else "?"


def summarise(raw: str, top: int = 25) -> str:
    """Self time by function and by package of py-spy's raw (collapsed) stacks."""
    by_function: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        n = int(count)
        total += n
        by_function[re.sub(r":\d+\)$", ")", leaf)] += n
        by_package[_package(leaf)] += n
    if not total:
        return "no samples"
    lines = [f"{total} samples of the running server (self time; threads included, idle waits not)", "by package:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in by_package.most_common(15)]
    lines.append("by function:")
    lines += [f"  {100 * n / total:5.1f} %  {name[:110]}" for name, n in by_function.most_common(top)]
    return "\n".join(lines)


def sample_with_py_spy(config: Config, wx: WeChatServer, senders: int, total: int, out: str) -> None:
    """The app as ``callback_bench`` serves it, sampled by py-spy (250 per second) while it answers."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    ctx = multiprocessing.get_context("spawn")
    port = free_port()
    proc = ctx.Process(target=serve_app, args=(config, port), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(fire("warm-up", base, wx, senders, WARMUP))
        sampler = subprocess.Popen([spy, "record", "--pid", str(proc.pid), "--rate", "250", "--format", "raw",
                                    "--output", out + ".raw", "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # py-spy attaches
        if sampler.poll() is not None:
            raise SystemExit(f"py-spy could not sample the server: {sampler.stderr.read() if sampler.stderr else ''}")
        result = asyncio.run(fire("sampled", base, wx, senders, total))
        sampler.send_signal(signal.SIGINT)
        sampler.wait(60)
    finally:
        proc.terminate()
        proc.join(30)
    print(f"sampled: {result.throughput:.0f} req/s, p50 {result.pct(0.5):.1f} ms, p99 {result.pct(0.99):.1f} ms, "
          f"errors {result.errors}; raw stacks in {out}.raw")
    print(summarise(Path(out + ".raw").read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--senders", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--out", default="callback-profile")
    p.add_argument("--pg", help="profile on this PostgreSQL database (migrated first) instead of SQLite")
    p.add_argument("--redis", help="Redis URL for the PostgreSQL run")
    p.add_argument("--py-spy", action="store_true", help="sample from outside with py-spy instead of pyinstrument")
    args = p.parse_args(argv)
    total = max(1, min(args.requests, 100_000))
    from chuangye.db import migrate

    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(args.pg, args.redis) if args.pg else bench_config(f"sqlite://{tmp}/bench.db", None)
        asyncio.run(migrate(config))
        wx = WeChatServer.from_config(config)
        if args.py_spy:
            try:
                sample_with_py_spy(config, wx, args.senders, total, args.out)
            finally:
                if args.pg:
                    asyncio.run(clear_redis(config))
            return 0
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
