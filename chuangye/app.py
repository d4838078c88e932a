"""Composition root: ``create_app(config)`` builds the whole service.

Each resource is one ``cleanup_ctx`` generator (set up, ``yield``, tear down); aiohttp
unwinds only what started, in reverse order. Tests build their app with this same factory.
"""
from __future__ import annotations

import logging
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from . import appkeys as K
from .config import Config
from .db import close_db, db_ping, init_db, is_postgres
from .log import request_id_middleware
from .store import make_store

log = logging.getLogger("chuangye.app")


async def _db_ctx(app: web.Application) -> AsyncIterator[None]:
    await init_db(app[K.CONFIG])
    yield
    await close_db()


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    store = make_store(app[K.CONFIG].redis.url, app[K.CONFIG].redis.namespace)
    if not await store.ping():
        # A restart during a Redis outage must not take the service down: it runs degraded (see
        # bot/conversation.py, chuangye/wechat_api.py), /healthz says 503, and Redis is used as
        # soon as it answers (the client reconnects by itself).
        log.error("无法连接 Redis：%s（redis.url）；先以降级方式运行，Redis 恢复后自动使用", app[K.CONFIG].redis.url)
    app[K.STORE] = store
    yield
    await store.close()


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=10, connect=3)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session:
        app[K.HTTP] = session
        yield


async def _wechat_ctx(app: web.Application) -> AsyncIterator[None]:
    from .wechat_api import WeChatAPI

    app[K.WECHAT] = WeChatAPI(app[K.CONFIG], app[K.HTTP], app[K.STORE])
    yield


async def _kb_ctx(app: web.Application) -> AsyncIterator[None]:
    from knowledge import KnowledgeBase

    app[K.KB] = await KnowledgeBase.load_async(app[K.CONFIG].knowledge.dir)
    yield


async def healthz(request: web.Request) -> web.Response:
    store = request.app[K.STORE]
    db_ok = await db_ping()
    store_ok = await store.ping()
    kb = request.app.get(K.KB)
    body = {
        "status": "ok" if db_ok and store_ok else "degraded",
        "database": {"ok": db_ok, "backend": "postgres" if is_postgres(request.app[K.CONFIG].database.url) else "sqlite"},
        "store": {"ok": store_ok, "backend": store.name},
        "knowledge": {"documents": kb.document_count, "passages": kb.passage_count} if kb else None,
    }
    return web.json_response(body, status=200 if db_ok and store_ok else 503)


def create_app(config: Config, *, with_worker: bool | None = None) -> web.Application:
    """Build the service. ``with_worker`` overrides ``notify.in_process_worker``."""
    app = web.Application(middlewares=[request_id_middleware], client_max_size=1024 * 1024)
    app[K.CONFIG] = config
    app[K.EXTRA] = {}
    app.cleanup_ctx.extend([_db_ctx, _store_ctx, _http_ctx, _wechat_ctx, _kb_ctx])
    run_worker = config.notify.in_process_worker if with_worker is None else with_worker
    _mount_features(app, config, run_worker)
    app.router.add_get("/healthz", healthz)
    return app


def _mount_features(app: web.Application, config: Config, run_worker: bool) -> None:
    import api
    import bot

    bot.setup(app, config)
    api.setup(app, config)
    if run_worker:
        from handlers.outbox_worker import worker_ctx

        app.cleanup_ctx.append(worker_ctx)  # after _wechat_ctx: it needs the WeChat client
