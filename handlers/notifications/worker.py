"""The delivery loop: in-process inside ``chuangye serve`` (worker_ctx) or alone (``chuangye worker``).

Several loops may run at once, in one or many processes: claiming is safe (see handlers.notifications.outbox).
Shutdown is graceful: ``stop()`` lets the current pass finish its in-flight sends, then returns.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
import uuid
from typing import Any, AsyncIterator

from chuangye.db import note_db_unavailable

from handlers.notifications.outbox import deliver_due
from handlers.notifications.scheduler import run_schedules

log = logging.getLogger("chuangye.worker")

SCHEDULE_EVERY_SECONDS = 60.0
SHUTDOWN_GRACE_SECONDS = 20.0
MAX_IDLE_BACKOFF = 32  # poll interval multiplier while the database is unreachable


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DeliveryLoop:
    """Deliver due notifications and enqueue scheduled ones until stopped."""

    def __init__(self, wechat: Any, config: Any, worker_id: str | None = None) -> None:
        self.wechat, self.config = wechat, config
        self.worker_id = worker_id or new_worker_id()
        self._stopping = asyncio.Event()
        self._next_schedule = 0.0

    def stop(self) -> None:
        self._stopping.set()

    async def run(self, *, once: bool = False) -> int:
        """Loop until stop() (or, with ``once``, until nothing is due); returns rows handled."""
        total, errors = 0, 0
        while not self._stopping.is_set():
            try:
                await self._schedule()
                handled = await deliver_due(self.wechat, self.config, self.worker_id)
                errors = 0
            except Exception as exc:
                if not note_db_unavailable(exc):  # an outage is logged once, not per pass
                    log.exception("delivery pass failed; retrying")
                handled, errors = 0, errors + 1
                if once:
                    raise
            total += handled
            if once and handled == 0:
                break
            if handled == 0:
                await self._sleep(self.config.notify.poll_seconds * min(2 ** errors, MAX_IDLE_BACKOFF))
        return total

    async def _schedule(self) -> None:
        if time.monotonic() >= self._next_schedule:
            await run_schedules()
            self._next_schedule = time.monotonic() + SCHEDULE_EVERY_SECONDS

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass


async def worker_ctx(app: Any) -> AsyncIterator[None]:
    """aiohttp cleanup context: runs the loop beside the web server, stops it gracefully."""
    from chuangye import appkeys as K

    loop = DeliveryLoop(app[K.WECHAT], app[K.CONFIG])
    app[K.WORKER] = loop
    task = asyncio.create_task(loop.run(), name="notification-delivery")
    yield
    await _shutdown(loop, task)


async def _shutdown(loop: DeliveryLoop, task: asyncio.Task) -> None:
    loop.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=SHUTDOWN_GRACE_SECONDS)
    except asyncio.TimeoutError:
        log.warning("delivery loop did not stop within %ss; cancelling (leases expire, nothing is lost)",
                    SHUTDOWN_GRACE_SECONDS)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def worker_cli(config: Any, once: bool = False) -> int:
    """``chuangye worker [--once]``: deliver until SIGTERM/SIGINT (or until nothing is due)."""
    try:
        handled = asyncio.run(_main(config, once))
    except Exception as exc:
        print(f"通知投递失败：{exc}")
        return 1
    if once:
        print(f"已处理 {handled} 条通知")
    return 0


async def _main(config: Any, once: bool) -> int:
    import aiohttp

    from chuangye.db import close_db, init_db
    from chuangye.store import make_store
    from chuangye.wechat_api import WeChatAPI

    await init_db(config)
    store = make_store(config.redis.url, config.redis.namespace)
    try:
        if not await store.ping():  # only the token cache lives there: it falls back to memory
            log.error("无法连接 Redis：%s（redis.url）；access_token 暂存本进程，Redis 恢复后自动使用", config.redis.url)
        timeout = aiohttp.ClientTimeout(total=10, connect=3)
        async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as http:
            loop = DeliveryLoop(WeChatAPI(config, http, store), config)
            if not once:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    asyncio.get_running_loop().add_signal_handler(sig, loop.stop)
            log.info("worker %s started", loop.worker_id)
            return await loop.run(once=once)
    finally:
        await store.close()
        await close_db()
