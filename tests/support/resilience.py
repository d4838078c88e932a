"""Real failures for the resilience tests (tests/*/test_resilience_*.py).

``TcpLink`` is a TCP relay between the app and the test Redis (or PostgreSQL) that a test can
cut (connections reset, new ones refused: the server is gone), stall (connections accepted,
nothing answered: it hangs) and restore (it is back, with its data). The app reaches it through
an ordinary URL, so what the app sees is what it would see in production; nothing in the app is
patched. ``PrivateRedis`` is a throwaway ``redis-server`` process for the one test that
kills Redis for real and brings it back empty.
"""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import pytest

from tests.support.chat import PATH
from tests.support.env import REDIS_URL, require_service


class TcpLink:
    """A cuttable TCP path to a server at ``target`` (host, port)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.stalled = False
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def to(cls, server_url: str) -> "TcpLink":
        parts = urlsplit(server_url)
        default = 5432 if parts.scheme.startswith("postgres") else 6379
        return cls((parts.hostname or "127.0.0.1", parts.port or default))

    def url(self, db: int = 15) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def same_url(self, url: str) -> str:
        """``url`` (any scheme, user and path) with its host and port replaced by this link's."""
        parts = urlsplit(url)
        user = f"{parts.username}@" if parts.username else ""
        return parts._replace(netloc=f"{user}127.0.0.1:{self.port}").geturl()

    async def start(self) -> "TcpLink":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def cut(self) -> None:
        """The server goes away: open connections are reset, new ones refused."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await asyncio.sleep(0)

    async def restore(self) -> None:
        """The server is reachable again on the same address (with whatever data it kept)."""
        self.stalled = False
        if self._server is None:
            await self.start()

    def stall(self) -> None:
        """The server hangs: connections stay open (new ones are accepted) but nothing is answered."""
        self.stalled = True

    async def close(self) -> None:
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await src.read(65536)
                if not data:
                    break
                while self.stalled and not dst.transport.is_closing():
                    await asyncio.sleep(0.02)
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            dst.transport.abort()
            self._writers.discard(dst)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of its own (no persistence) that a test may kill and start again."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed: the kill-and-restart test needs its own Redis process")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


async def post_same(chat: Any, xml: str) -> tuple[int, str]:
    """POST one message as WeChat does (a retry repeats the body): (status, reply Content)."""
    status, fields, raw = await chat.server.post(chat.client, PATH, xml, chat.openid)
    assert "Traceback" not in raw
    return status, fields.get("Content", "")


# ---------------------------------------------------------------- fixtures and an app to break


@contextlib.asynccontextmanager
async def link_to_test_redis() -> AsyncIterator[TcpLink]:
    """A started TcpLink to the test Redis (each test module wraps it in a ``link`` fixture)."""
    require_service("Redis", REDIS_URL, 6379)
    relay = await TcpLink.to(REDIS_URL).start()
    try:
        yield relay
    finally:
        await relay.close()


async def app_with_skill(aiohttp_client, make_config, link, monkeypatch, skill, **overrides):
    from bot.skills import add_skill
    from server.app import create_app
    app = create_app(make_config(redis={"url": link.url()}, **overrides), chat_features=False)
    add_skill(app, skill, priority=-100)
    return await aiohttp_client(app)


def counting(calls, delay=0.0):
    async def skill(ctx, inc):
        calls.append(inc.text)
        await asyncio.sleep(delay)
        return [f"第 {len(calls)} 次处理：{inc.text}"]
    return skill


async def wait_until(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class PgBackends:
    """The app's PostgreSQL connections, seen and killed from a separate admin connection."""

    def __init__(self, db_url: str) -> None:
        import asyncpg  # noqa: F401 (only the pg backend needs it)

        parts = urlsplit(db_url)
        self.dbname = parts.path.lstrip("/")
        self.admin_url = f"postgresql://{parts.netloc}/postgres"

    async def _admin(self) -> Any:
        import asyncpg

        return await asyncpg.connect(self.admin_url)

    async def terminate_all(self) -> int:
        """pg_terminate_backend on every connection to the app's database; how many."""
        conn = await self._admin()
        try:
            rows = await conn.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = $1 AND pid <> pg_backend_pid()", self.dbname)
            return len(rows)
        finally:
            await conn.close()

    @contextlib.asynccontextmanager
    async def blocking_writes_to(self, table: str) -> AsyncIterator[Any]:
        """Hold a SHARE lock on ``table``: a transaction that inserts into it waits mid-way."""
        conn = await self._admin_on_app_db()
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
            yield conn
        finally:
            await tx.rollback()
            await conn.close()

    async def _admin_on_app_db(self) -> Any:
        import asyncpg

        return await asyncpg.connect(self.admin_url.rsplit("/", 1)[0] + "/" + self.dbname)

    async def terminate_waiting(self, timeout: float = 5.0) -> int:
        """Kill the app's connection that waits on a lock (once one does); its pid."""
        conn = await self._admin()
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while True:
                pid = await conn.fetchval("SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                                          "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() LIMIT 1",
                                          self.dbname)
                if pid is not None:
                    await conn.execute("SELECT pg_terminate_backend($1)", pid)
                    return pid
                assert asyncio.get_running_loop().time() < deadline, "no connection ever waited on the lock"
                await asyncio.sleep(0.02)
        finally:
            await conn.close()


async def settled(app: Any) -> None:
    """Wait until the app's conversation tasks are done (their user lock released): a cut after
    this falls between two messages, not on a release in flight (that lock then lapses by itself)."""
    from bot.conversation import TASKS
    from chuangye import appkeys as K

    await wait_until(lambda: not app[K.EXTRA].get(TASKS))
