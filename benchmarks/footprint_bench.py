"""Footprint of one worker: cold start to a ready ``/healthz``, and resident memory after many questions.

    python -m benchmarks.footprint_bench cold-start [--runs 3] [--pg postgres://... --redis redis://...]
    python -m benchmarks.footprint_bench rss [--questions 10000] [--senders 50] [--pg ... --redis ...]
    python -m benchmarks.footprint_bench imports

``cold-start`` runs ``python -m server.cli --config FILE serve`` (the command operators run; the
database migrated beforehand, as on a restart) and measures from process start to the first 200
from ``/healthz``, ``--runs`` times; the first run after an install may also build jieba's
dictionary cache. ``rss`` starts the app, sends ``--questions`` encrypted policy questions through
the callback (each one distinct, so no answer comes from the answer cache and every per-question
cache fills as far as its bound), and prints the worker's RSS (``VmRSS``) before and after, and its
peak (``VmHWM``). ``imports`` starts a fresh interpreter and prints its RSS after each large library,
after this code, after jieba's dictionary and after the knowledge index (what a worker holds), with
the seconds each step took; last, what importing ``pkg_resources`` would add (jieba would, unless
knowledge/text.py hid it).
Loopback only, bounded; prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

from benchmarks.callback_bench import QUESTIONS, bench_config, clear_redis, fire, free_port, serve_app
from bot.emulator import WeChatServer
from chuangye.config import Config

ROOT = Path(__file__).resolve().parent.parent
COLD_START_GOAL = 2.0
RSS_GOAL_MB = 200


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _rss_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out


async def _ready(port: int, deadline: float) -> float | None:
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return time.monotonic()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.02)
    return None


def cold_start(config: Config, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.yaml"
        cfg.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True)), encoding="utf-8")
        for n in range(1, runs + 1):
            port = free_port()
            started = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "server.cli", "--config", str(cfg), "serve", "--port",
                                     str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                ready = asyncio.run(_ready(port, started + 60))
            finally:
                proc.terminate()
                proc.wait(20)
            took = f"{ready - started:.2f} s" if ready else "not ready within 60 s"
            print(f"cold start {n}: {took} to a 200 from /healthz (goal ≤ {COLD_START_GOAL} s; load average {_load()})")


def rss(config: Config, questions: int, senders: int) -> None:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(target=serve_app, args=(config, port), daemon=True)
    proc.start()
    wx = WeChatServer.from_config(config)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(fire("warm-up", base, wx, senders, 50))
        before = _rss_mb(proc.pid)
        done, batch, failed = 0, 2000, 0
        while done < questions:
            n = min(batch, questions - done)
            # Distinct questions (a number in each): no answer cache hit, every question analysed.
            texts = [f"{QUESTIONS[(done + i) % len(QUESTIONS)]} 第{done + i}问" for i in range(n)]
            result = asyncio.run(fire("rss", base, wx, senders, n, texts=texts))
            failed += result.errors
            done += n
        after = _rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.join(20)
    print(f"one worker: RSS {before['VmRSS']:.0f} MB after start-up and warm-up, {after['VmRSS']:.0f} MB after "
          f"{questions} distinct questions (peak {after['VmHWM']:.0f} MB; goal ≤ {RSS_GOAL_MB} MB); "
          f"{failed} failed; load average {_load()}")


IMPORTS_PROBE = """
import importlib, time, warnings
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
last = rss()
print(f"{'python':44s} {last:6.1f} MB")
def step(label, action):
    global last
    started = time.perf_counter()
    action()
    took = time.perf_counter() - started
    now = rss()
    print(f"{label:44s} {now:6.1f} MB  (+{now - last:.1f})  {took:5.2f} s")
    last = now
for name in ("numpy", "bm25s", "aiohttp", "pydantic", "tortoise", "redis", "cryptography.hazmat.primitives.ciphers.aead",
             "wechatpy", "holidays", "prometheus_client", "rapidfuzz", "yaml", "orjson"):
    step("import " + name, lambda: importlib.import_module(name))
step("import jieba (as knowledge.text does)", lambda: importlib.import_module("knowledge.text"))
step("import server.app (this code)", lambda: importlib.import_module("server.app"))
from knowledge.text import shared_tokenizer
step("jieba's dictionary with the programme's words", shared_tokenizer)
from knowledge import KnowledgeBase
step("the knowledge index (knowledge/docs)", lambda: KnowledgeBase.load("knowledge/docs"))
warnings.simplefilter("ignore")  # pkg_resources warns that it is deprecated
step("import pkg_resources (what a worker no longer does)", lambda: importlib.import_module("pkg_resources"))
"""


def imports() -> None:
    subprocess.run([sys.executable, "-c", IMPORTS_PROBE], cwd=ROOT, check=True, timeout=300)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=("cold-start", "rss", "imports"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--questions", type=int, default=10_000)
    p.add_argument("--senders", type=int, default=50)
    p.add_argument("--pg", help="PostgreSQL database (migrated first) instead of SQLite")
    p.add_argument("--redis", help="Redis URL with --pg")
    args = p.parse_args(argv)
    if args.mode == "imports":
        imports()
        return 0
    from chuangye.db import migrate

    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(args.pg, args.redis) if args.pg else bench_config(f"sqlite://{tmp}/bench.db", None)
        asyncio.run(migrate(config))
        try:
            if args.mode == "cold-start":
                cold_start(config, max(1, min(args.runs, 20)))
            else:
                rss(config, max(1, min(args.questions, 100_000)), args.senders)
        finally:
            if args.pg:
                asyncio.run(clear_redis(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
