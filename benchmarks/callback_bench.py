"""Callback benchmark: encrypted (safe-mode) policy questions from concurrent senders.

    python -m benchmarks.callback_bench [--senders 50] [--requests 2000] [--rate 300] [--repeat 3]
                                        [--pg postgres://... --redis redis://...] [--plain-bare]
    python -m benchmarks.callback_bench --scaling [--pg ... --redis ...] [--scaling-echo] [--wrk SECONDS]

Measures, in one run and on loopback only, a bare safe-mode echo (the protocol's floor of work:
signature check, msg_signature check and decrypt, wechatpy parse, reply, encrypt; the baseline),
the real app (SQLite + in-process store; also PostgreSQL + Redis when given) and, with
``--plain-bare``, a bare handler answering ``success`` without decrypting. Each server runs in its
own process; this process plays WeChat, every request distinct. Prints p50/p99 latency, throughput,
the server's CPU time per request, and the ratios to the echo. By default each sender sends again as
soon as it is answered (throughput; latency then is mostly the queue of 50 in flight); ``--rate``
starts the requests on a schedule instead (latency at a given load). ``--scaling``: the app on one
process, then on two sharing the port (SO_REUSEPORT); with ``--wrk SECONDS`` the load comes from
wrk (C, one thread, Debian's ``wrk``) for that long instead of this Python process, so that the
client takes less of the cores the servers share. Loops are bounded. The PostgreSQL run writes
question-log rows into the given database and deletes them (its senders' openids) afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.emulator import WeChatServer
from chuangye.config import DEV_DATA_KEY, Config, config_from_dict

ROOT = Path(__file__).resolve().parent.parent
PATH = "/wechat/official"
QUESTIONS = [
    "我是返乡农民工，想贷款开个药膳馆，能贷多少？",
    "创业担保贷款要什么条件",
    "大学毕业生回乡创业有哪些扶持",
    "想学养老护理，有没有培训",
    "贷款利息怎么算，有贴息吗",
    "咋个申请云岭创业贷",
    "创业服务窗口能办什么事",
    "小微企业最多能贷多少",
]


def bench_config(db_url: str, redis_url: str | None) -> Config:
    return config_from_dict({
        "database": {"url": db_url},
        "redis": {"url": redis_url, "namespace": f"cybench:{os.getpid()}:"},
        "wechat": {"api_base_url": "http://127.0.0.1:9", "official_account": {
            "app_id": "wx_bench_oa", "app_secret": "bench", "token": "benchtoken",
            "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}},
        "notify": {"in_process_worker": False},
        "security": {"secret_key": "bench-secret-key-0123456789", "data_key": DEV_DATA_KEY},
        "knowledge": {"dir": str(ROOT / "knowledge" / "docs")},
        "logging": {"level": "ERROR", "json": False},
    })


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(config: Config, port: int) -> None:
    from aiohttp import web

    from server.app import create_app
    from chuangye.log import setup_logging

    setup_logging("ERROR", json_format=False)
    # reuse_port: several of these processes can share the port (SO_REUSEPORT, --scaling)
    web.run_app(create_app(config, freeze_gc=True), host="127.0.0.1", port=port, access_log=None, print=None,
                reuse_port=True)


def serve_echo(config: Config, port: int) -> None:
    """The protocol's floor of work in safe mode: check the query signature, check msg_signature and
    decrypt, parse with wechatpy, reply with the same text, encrypt the reply (no store, no database)."""
    import secrets as _secrets

    from aiohttp import web
    from wechatpy import parse_message
    from wechatpy.crypto import PrpCrypto, WeChatCrypto
    from wechatpy.utils import WeChatSigner, to_text

    from bot.xmlsafe import render_xml

    oa = config.wechat.official_account
    crypto = WeChatCrypto(oa.token, oa.encoding_aes_key, oa.app_id)

    def signature(*parts: str) -> str:
        signer = WeChatSigner()
        signer.add_data(oa.token, *parts)
        return signer.signature

    async def handler(request: web.Request) -> web.Response:
        q = request.query
        if signature(q["timestamp"], q["nonce"]) != q["signature"]:
            return web.Response(status=403)
        body = await request.read()
        inner = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
        msg = parse_message(inner)
        reply = render_xml({"ToUserName": msg.source, "FromUserName": msg.target, "CreateTime": int(time.time()),
                            "MsgType": "text", "Content": to_text(getattr(msg, "content", ""))})
        nonce, timestamp = _secrets.token_hex(8), str(int(time.time()))
        encrypt = PrpCrypto(crypto.key).encrypt(reply, oa.app_id).decode("ascii")
        return web.Response(text=render_xml({"Encrypt": encrypt, "MsgSignature": signature(timestamp, nonce, encrypt),
                                             "TimeStamp": int(timestamp), "Nonce": nonce}),
                            content_type="application/xml")

    app = web.Application()
    app.router.add_post(PATH, handler)
    app.router.add_get("/healthz", lambda r: web.Response(text="ok"))
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, reuse_port=True)


def serve_bare(port: int) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post(PATH, handler)
    app.router.add_get("/healthz", lambda r: handler(r))
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


@dataclass
class Result:
    name: str
    latencies: list[float]
    wall: float
    errors: int
    answered: int
    cpu: float = 0.0  # CPU seconds the server process(es) used while this load ran

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: steadier than req/s on a machine shared with other work."""
        return self.cpu / len(self.latencies) * 1000 if self.latencies else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall


async def wait_ready(http: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with http.get(base + "/healthz") as resp:
                if resp.status in (200, 503, 405):
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"server at {base} did not start")


async def fire(name: str, base: str, wx: WeChatServer, senders: int, total: int,
               texts: list[str] | None = None, rate: float | None = None) -> Result:
    """``total`` requests from ``senders`` concurrent WeChat users (the questions in turn, or
    ``texts``); bodies built before timing. ``rate``: requests start on a schedule, ``rate`` per
    second in all (at most ``senders`` in flight), and each latency counts from its scheduled start,
    so a server falling behind is charged for the wait too; without it, each sender sends its next
    request as soon as the last one is answered (as fast as the server goes)."""
    texts = texts or QUESTIONS
    jobs = []
    for i in range(total):
        openid = f"bench-user-{i % senders}"
        jobs.append(wx.request(wx.text(openid, texts[i % len(texts)]), openid))
    latencies: list[float] = []
    bodies: list[str] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        await wait_ready(http, base)
        async def sender(first: int) -> None:
            nonlocal errors
            # Sender k is one WeChat user (openid bench-user-k): it sends its next message only once
            # the last one is answered, as a person does. (A shared queue of requests let two of one
            # user's messages be in flight at once; the second then waited for the user's lock, the
            # whole of the first's time, and that wait went into the p99.)
            for n in range(first, total, senders):
                query, body = jobs[n]
                started = time.perf_counter()
                if rate:
                    started = wall_start + n / rate
                    await asyncio.sleep(max(0.0, started - time.perf_counter()))
                try:
                    async with http.post(base + PATH, params=query, data=body.encode()) as resp:
                        text = await resp.text()
                        ok = resp.status == 200
                except aiohttp.ClientError:
                    ok, text = False, ""
                latencies.append(time.perf_counter() - started)
                if ok:
                    bodies.append(text)
                else:
                    errors += 1

        wall_start = time.perf_counter()
        await asyncio.gather(*(sender(k) for k in range(senders)))
        wall = time.perf_counter() - wall_start
    answered = sum(1 for b in bodies if b != "success" and wx.open_reply(b).get("Content"))
    return Result(name, latencies, wall, errors, answered)


def run_target(name: str, target: Any, args: tuple[Any, ...], wx: WeChatServer, senders: int,
               total: int, warmup: int, processes: int = 1, rate: float | None = None) -> Result:
    """``processes`` > 1: that many server processes on one port (SO_REUSEPORT: the kernel spreads
    the connections), started one after another so that each is ready before the next."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs = []
    try:
        for _ in range(processes):
            proc = multiprocessing.get_context("spawn").Process(target=target, args=(*args, port), daemon=True)
            proc.start()
            procs.append(proc)
            asyncio.run(fire(name, base, wx, senders, warmup))
        before = sum(cpu_seconds(p.pid) for p in procs)
        result = asyncio.run(fire(name, base, wx, senders, total, rate=rate))
        result.cpu = sum(cpu_seconds(p.pid) for p in procs) - before
        return result
    finally:
        for proc in procs:
            proc.terminate()
            proc.join(10)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_cpu_seconds(*names: str) -> float:
    """CPU time used so far by this machine's processes of those names (``postgres``,
    ``redis-server``; 0 if none is local or /proc is not readable): with the servers on the same
    cores as the app, their share of a request shows."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in names:
                total += cpu_seconds(int(comm.parent.name))
        except (OSError, ValueError):
            continue
    return total


async def clear_redis(config: Config) -> None:
    """Drop this run's dedupe marks and locks (they would expire on their own anyway)."""
    from chuangye.store import RedisStore

    if config.redis.url:
        store = RedisStore(config.redis.url, config.redis.namespace)
        await store.clear_namespace()
        await store.close()


async def delete_bench_rows(config: Config) -> None:
    """Delete the question-log rows and handoff sessions of this benchmark's senders (openids
    ``bench-user-…``, ``bench-wrk-…``) from the PostgreSQL run's database: each round then starts
    from the same tables, and no sender stays handed over to a person from an earlier run."""
    from tortoise import connections

    from chuangye.db import close_db, init_db

    await init_db(config)
    try:
        for table in ("question_logs", "handoff_sessions"):
            await connections.get("default").execute_query(
                f"DELETE FROM {table} WHERE openid LIKE 'bench-user-%' OR openid LIKE 'bench-wrk-%'")
    finally:
        await close_db()


def report(results: list[Result], senders: int, rate: float | None = None) -> None:
    bare = next((r for r in results if r.name.startswith("bare safe-mode echo")), results[0])
    paced = f", started at {rate:g} req/s (open loop)" if rate else ""
    print(f"\n加密（安全模式）政策问题，{senders} 个并发发送者 / encrypted policy questions, {senders} concurrent senders{paced}")
    print(f"{'target':<34}{'requests':>9}{'errors':>8}{'answered':>10}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
          f"{'p50 ×echo':>11}{'req/s ÷echo':>13}{'CPU ms/req':>12}{'echo CPU ÷':>12}")
    for r in results:
        print(f"{r.name:<34}{len(r.latencies):>9}{r.errors:>8}{r.answered:>10}{r.pct(0.5):>9.1f}{r.pct(0.99):>9.1f}"
              f"{r.throughput:>9.0f}{r.pct(0.5) / bare.pct(0.5):>11.1f}{r.throughput / bare.throughput:>13.2f}"
              f"{r.cpu_ms:>12.2f}{(bare.cpu_ms / r.cpu_ms if r.cpu_ms else 0):>12.2f}")
    print("CPU ms/req: the server process's CPU time per request; echo CPU ÷: the echo's CPU per request"
          " divided by this target's (the req/s ratio the target would reach with a core to itself)")
    slow = [r for r in results if r.latencies and max(r.latencies) > 4.5]
    for r in slow:
        print(f"注意 / note: {r.name} max latency {max(r.latencies):.2f}s exceeds the 4.5 s budget")
    print(f"(median of all latencies, echo: {statistics.median(bare.latencies) * 1000:.1f} ms; python {sys.version.split()[0]};"
          f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")


def summary(results: list[Result]) -> None:
    """Each target's medians over the rounds of --repeat, and the ratios of the medians."""
    names = list(dict.fromkeys(r.name for r in results))
    runs = {n: [r for r in results if r.name == n] for n in names}
    echo = runs.get("bare safe-mode echo", runs[names[0]])
    echo_rps = statistics.median(r.throughput for r in echo)
    echo_cpu = statistics.median(r.cpu_ms for r in echo)
    print(f"\nmedians of {len(echo)} rounds (targets in turn)")
    print(f"{'target':<34}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'req/s ÷echo':>13}{'CPU ms/req':>12}{'echo CPU ÷':>12}")
    for n in names:
        rs = runs[n]
        rps, cpu = statistics.median(r.throughput for r in rs), statistics.median(r.cpu_ms for r in rs)
        print(f"{n:<34}{statistics.median(r.pct(0.5) for r in rs):>9.1f}{statistics.median(r.pct(0.99) for r in rs):>9.1f}"
              f"{rps:>9.0f}{rps / echo_rps:>13.2f}{cpu:>12.2f}{(echo_cpu / cpu if cpu else 0):>12.2f}")


SERVICES = ("postgres", "redis-server")
WRK_SCRIPT = """
local requests, n = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    local target, body = line:match("^([^\t]+)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", target, {["Content-Type"] = "text/xml"}, body)
  end
end
function request()
  n = n + 1  -- past the end it starts again: WeChat's retries, answered from the retry mark
  return requests[(n - 1) % #requests + 1]
end
"""


def wrk_requests(path: Path, wx: WeChatServer, senders: int, count: int, start: int = 0) -> Path:
    """``count`` encrypted questions, each a new message, one per line for WRK_SCRIPT; from
    4 × ``senders`` users in turn, so that two messages of one user are seldom in flight together."""
    from urllib.parse import urlencode

    lines, users = [], 4 * senders
    for i in range(start, start + count):
        openid = f"bench-wrk-{i % users}"
        # Each user's next message is the next question (as with ``fire``): a user asking one question
        # the bot cannot answer again and again is handed to a person, and no longer answered by it.
        query, body = wx.request(wx.text(openid, QUESTIONS[(i + i // users) % len(QUESTIONS)]), openid)
        lines.append(f"{PATH}?{urlencode(query)}\t{body}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wrk_load(name: str, base: str, requests_file: Path, senders: int, seconds: float,
             procs: list[Any]) -> dict[str, Any]:
    """``seconds`` of wrk (one thread, ``senders`` connections) sending the requests of
    ``requests_file``; throughput, p50/p99 and non-2xx as wrk reports them, and the servers' CPU
    per request."""
    import re
    import shutil
    import subprocess

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--wrk needs wrk (Debian: apt-get install wrk)")
    script = requests_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    distinct = sum(1 for _ in requests_file.open(encoding="utf-8"))
    before, services = sum(cpu_seconds(p.pid) for p in procs), service_cpu_seconds(*SERVICES)
    out = subprocess.run([wrk, "-t1", f"-c{senders}", f"-d{seconds:g}s", "--latency", "-s", str(script), base,
                          "--", str(requests_file)], capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout
    cpu = sum(cpu_seconds(p.pid) for p in procs) - before
    services = service_cpu_seconds(*SERVICES) - services

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")

    done = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"name": name, "requests": done, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms("50%"), "p99": ms("99%"), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "", "cpu_ms": cpu * 1000 / max(done, 1),
            "services_cpu_ms": services * 1000 / max(done, 1),
            "wrapped": done > distinct}


def scaling_wrk(args: argparse.Namespace, label: str, target: Any, config: Config, wx: WeChatServer) -> None:
    """One process, then two on the same port: each step warmed up by wrk for 2 s (every user's
    first message, the caches) with requests of its own, then measured for ``args.wrk`` seconds."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results, procs = [], []
    distinct = max(1000, min(int(args.wrk * 5000), 200_000))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for n in (1, 2):
                proc = multiprocessing.get_context("spawn").Process(target=target, args=(config, port), daemon=True)
                proc.start()
                procs.append(proc)
                asyncio.run(fire(label, base, wx, args.senders, args.warmup))  # waits until it answers
                warm = wrk_requests(Path(tmp) / f"warm{n}.txt", wx, args.senders, 10_000, start=n * 1_000_000)
                wrk_load("warm-up", base, warm, args.senders, 2, procs)
                load = wrk_requests(Path(tmp) / f"load{n}.txt", wx, args.senders, distinct, start=n * 2_000_000)
                results.append(wrk_load(f"{n} process{'es' if n > 1 else ''}", base, load, args.senders, args.wrk,
                                        procs))
        finally:
            for proc in procs:
                proc.terminate()
                proc.join(10)
    print(f"\nscaling, {label}, wrk: 1 thread, {args.senders} connections, {args.wrk:g} s each, SO_REUSEPORT")
    print(f"{'target':<24}{'requests':>9}{'non-2xx':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'CPU ms/req':>12}"
          f"{'PG+Redis CPU':>14}{'cores busy':>12}")
    for r in results:
        busy = (r["cpu_ms"] + r["services_cpu_ms"]) * r["rps"] / 1000
        print(f"{r['name']:<24}{r['requests']:>9}{r['non2xx']:>9}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['rps']:>9.0f}"
              f"{r['cpu_ms']:>12.2f}{r['services_cpu_ms']:>14.2f}{busy:>12.2f}"
              + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else "")
              + ("  (went past the distinct requests: the rest were retries)" if r["wrapped"] else ""))
    print(f"two ÷ one: {results[1]['rps'] / results[0]['rps']:.2f}× (cores: {os.cpu_count()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    print("CPU ms/req: the app processes' CPU per request; PG+Redis CPU: this machine's postgres and "
          "redis-server processes' per request; cores busy: both times req/s (wrk's own CPU not counted)")


def scaling(args: argparse.Namespace, sqlite: Config, wx: WeChatServer, total: int) -> int:
    from chuangye.db import migrate

    config, label, target = sqlite, "SQLite + in-process store", serve_app
    if args.scaling_echo:
        config, label, target = sqlite, "bare safe-mode echo", serve_echo
    elif args.pg:
        config, label = bench_config(args.pg, args.redis), "PostgreSQL + Redis"
        asyncio.run(migrate(config))
    if args.wrk:
        try:
            scaling_wrk(args, label, target, config, wx)
        finally:
            if args.pg:
                asyncio.run(clear_redis(config))
                asyncio.run(delete_bench_rows(config))
        return 0
    results = []
    try:
        for n in (1, 2):
            results.append(run_target(f"{n} process{'es' if n > 1 else ''}", target, (config,), wx,
                                      args.senders, total, args.warmup, processes=n))
    finally:
        if args.pg:
            asyncio.run(clear_redis(config))
    one, two = results
    print(f"\nscaling, {label}, {args.senders} concurrent senders, SO_REUSEPORT")
    print(f"{'target':<24}{'requests':>9}{'errors':>8}{'answered':>10}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
          f"{'CPU ms/req':>12}")
    for r in results:
        print(f"{r.name:<24}{len(r.latencies):>9}{r.errors:>8}{r.answered:>10}{r.pct(0.5):>9.1f}{r.pct(0.99):>9.1f}"
              f"{r.throughput:>9.0f}{r.cpu_ms:>12.2f}")
    print(f"two ÷ one: {two.throughput / one.throughput:.2f}× (cores: {os.cpu_count()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--senders", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000, help="requests per target (bounded)")
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--pg", help="also run on this PostgreSQL database (migrated first)")
    p.add_argument("--redis", help="Redis URL for the PostgreSQL run")
    p.add_argument("--scaling", action="store_true",
                   help="only the app (PostgreSQL + Redis when given, else SQLite): one process, then two sharing "
                        "the port (SO_REUSEPORT), in one run")
    p.add_argument("--scaling-echo", action="store_true",
                   help="with --scaling: the bare safe-mode echo instead of the app (does the machine scale at all?)")
    p.add_argument("--wrk", type=float, metavar="SECONDS",
                   help="with --scaling: load from wrk for this many seconds per step instead of this process")
    p.add_argument("--repeat", type=int, default=1, help="run the targets in turn this many rounds and print "
                   "each target's medians too (a shared machine's slow minutes then touch every target alike)")
    p.add_argument("--rate", type=float, help="start the requests on a schedule, this many per second in all "
                   "(latency counted from each scheduled start), instead of each sender's next as soon as "
                   "the last is answered")
    p.add_argument("--plain-bare", action="store_true",
                   help="also measure the old baseline: a handler answering `success` without decrypting")
    args = p.parse_args(argv)
    total = max(1, min(args.requests, 100_000))
    from chuangye.db import migrate

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = bench_config(f"sqlite://{tmp}/bench.db", None)
        asyncio.run(migrate(sqlite))
        wx = WeChatServer.from_config(sqlite)
        if args.scaling:
            return scaling(args, sqlite, wx, total)
        pg = bench_config(args.pg, args.redis) if args.pg else None
        if pg is not None:
            asyncio.run(migrate(pg))
        targets: list[tuple[str, Any, tuple[Any, ...]]] = []
        if args.plain_bare:
            targets.append(("plain aiohttp handler (success)", serve_bare, ()))
        targets.append(("bare safe-mode echo", serve_echo, (sqlite,)))
        targets.append(("app: SQLite + in-process store", serve_app, (sqlite,)))
        if pg is not None:
            targets.append(("app: PostgreSQL + Redis", serve_app, (pg,)))
        # --repeat: the targets in turn, several rounds, so that a slower minute of a shared machine
        # touches every target alike; the summary gives each target's medians.
        for _ in range(max(1, min(args.repeat, 20))):
            for name, target, target_args in targets:
                try:
                    results.append(run_target(name, target, target_args, wx, args.senders, total, args.warmup,
                                              rate=args.rate))
                finally:
                    if pg is not None and target_args and target_args[0] is pg:
                        asyncio.run(clear_redis(pg))
                        asyncio.run(delete_bench_rows(pg))
    report(results, args.senders, args.rate)
    if args.repeat > 1:
        summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
