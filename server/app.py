"""Composition root: ``create_app(config)`` builds the whole service.

Each resource is one ``cleanup_ctx`` generator (set up, ``yield``, tear down); aiohttp
unwinds only what started, in reverse order. Tests build their app with this same factory.
"""
from __future__ import annotations

import gc
import logging
from typing import Any, AsyncIterator

import aiohttp
from aiohttp import web

from api import setup as setup_api
from bot import binding, builtin, carriers, events, flows, handoff, mentors
from bot.callback import setup_routes as setup_callback
from bot.handoff import watch_ctx as handoff_watch_ctx
from bot.skills import add_middleware
from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.db import close_db, db_ping, init_db, is_postgres, watch_ctx as db_watch_ctx
from chuangye.log import request_id_middleware
from chuangye.metrics import METRICS, TOKEN, AppMetrics, metrics_endpoint
from chuangye.store import make_store
from chuangye.wechat_api import WeChatAPI
from handlers.knowledge_ops import sync as kb_sync
from handlers.knowledge_ops.ask import Asking
from handlers.knowledge_ops.generative import make_assistant
from handlers.handoff.sessions import waiting_count
from handlers.notifications.outbox import oldest_pending_age_seconds, pending_count
from handlers.notifications.worker import worker_ctx
from knowledge import KnowledgeBase

log = logging.getLogger("server.app")


async def _db_ctx(app: web.Application) -> AsyncIterator[None]:
    await init_db(app[K.CONFIG])
    yield
    await close_db()


async def _ask_ctx(app: web.Application) -> AsyncIterator[None]:
    """Question logs written behind (handlers/knowledge_ops/question_log.py): what waits is written
    at shutdown, before the database closes."""
    asking = app[K.ASK] = Asking()
    yield
    await asking.close()


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
    app[K.WECHAT] = WeChatAPI(app[K.CONFIG], app[K.HTTP], app[K.STORE])
    yield


async def _llm_ctx(app: web.Application) -> AsyncIterator[None]:
    """The model's help with answers (``llm:``); None, and no model call ever, when it is off."""
    assistant = app[K.LLM] = make_assistant(app[K.CONFIG].llm, app[K.HTTP])
    if assistant is not None:
        app[K.EXTRA].setdefault(kb_sync.RELOAD_HOOKS, []).append(assistant.on_reload)
    yield
    if assistant is not None and assistant.embedder is not None:
        await assistant.embedder.close()


async def _kb_ctx(app: web.Application) -> AsyncIterator[None]:
    """The knowledge base comes from the database (the shipped files are imported into it first)
    and follows its changes (handlers/knowledge_ops/sync.py); the files alone only if the
    database cannot be read at start-up."""
    directory = app[K.CONFIG].knowledge.dir
    kb = app[K.KB] = KnowledgeBase.from_passages([], 0, directory=directory)
    async with kb_sync.watching(app[K.EXTRA], kb):
        if not kb_sync.sync_for(app[K.EXTRA], kb).ever_loaded:
            await kb.reload()
        yield


def _refreeze() -> None:
    """Collect everything once, then leave what is alive out of every later collection."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def _gc_ctx(app: web.Application) -> AsyncIterator[None]:
    """Keep what start-up built out of the garbage collector's full passes (``gc.freeze``).

    A started worker holds a few hundred thousand long-lived objects (the knowledge index, the
    libraries' modules and tables); every full collection walked all of them, 67–88 ms during
    which no request moved, now and then under load (``python -m benchmarks.gc_pause_bench``).
    Frozen, they are skipped. After a knowledge reload the old index is garbage and the new one
    long-lived: one collection (the pause once per reload, not now and then) and
    a new freeze. On shutdown everything goes back to the collector, so an app stopped in a
    process that goes on (tests) leaves nothing behind.
    """
    _refreeze()
    hooks = app[K.EXTRA].setdefault(kb_sync.RELOAD_HOOKS, [])

    async def after_reload(kb: Any) -> None:
        _refreeze()

    hooks.append(after_reload)
    try:
        yield
    finally:
        if after_reload in hooks:
            hooks.remove(after_reload)
        gc.unfreeze()


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


def create_app(config: Config, *, with_worker: bool | None = None, chat_features: bool = True,
               freeze_gc: bool = False) -> web.Application:
    """Build the service. ``with_worker`` overrides ``notify.in_process_worker``; tests that need a
    bare skill chain pass ``chat_features=False`` (no handoff, binding or chat forms).
    ``freeze_gc``: a serving process (``chuangye serve``) keeps what start-up built out of the
    garbage collector's full passes (``_gc_ctx``); off for apps that come and go in one process."""
    metrics = _metrics()
    app = web.Application(middlewares=[metrics.middleware, request_id_middleware], client_max_size=1024 * 1024)
    app[K.CONFIG] = config
    app[METRICS], app[TOKEN] = metrics, config.metrics.token
    app[K.EXTRA] = {}
    app.cleanup_ctx.extend([_db_ctx, _ask_ctx, _store_ctx, _http_ctx, _wechat_ctx, _llm_ctx, _kb_ctx])
    _mount_chat(app, config, chat_features)
    setup_api(app, config)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    # Background tasks, each after the resources it uses (aiohttp starts them in this order).
    app.cleanup_ctx.append(db_watch_ctx)  # logs the end of a database outage
    app.cleanup_ctx.append(handoff_watch_ctx)  # overdue handoffs and FAQ refresh
    if config.notify.in_process_worker if with_worker is None else with_worker:
        app.cleanup_ctx.append(worker_ctx)  # the outbox delivery loop
    if freeze_gc:
        app.cleanup_ctx.append(_gc_ctx)  # last: once everything above has started
    return app


def _metrics() -> AppMetrics:
    """This app's registry, with the gauges read at scrape time (one query each, cached ~5 s)."""
    metrics = AppMetrics()
    metrics.gauges.add("chuangye_outbox_depth", "Outbox rows not yet delivered (pending or being sent)",
                       pending_count)
    metrics.gauges.add("chuangye_outbox_oldest_pending_age_seconds",
                       "Age of the oldest outbox row not yet delivered (0 when none)", oldest_pending_age_seconds)
    metrics.gauges.add("chuangye_handoff_waiting", "Users waiting for staff (人工服务 sessions not yet picked up)",
                       waiting_count)
    return metrics


def _mount_chat(app: web.Application, config: Config, features: bool) -> None:
    """The official-account callback, the middlewares around its skill chain (outermost first),
    and the skills (see bot.skills.Priority for their order)."""
    setup_callback(app, config)
    builtin.install(app)
    if features:
        add_middleware(app, handoff.HandoffMiddleware())  # 人工服务: around everything else
        binding.install(app, config)
        flows.install(app, config)
        mentors.install(app, config)  # 找导师 phrases, 我的导师, rating (after the forms)
        carriers.install(app)  # 创业载体: listings, and a line of nearby carriers after a location's windows
        events.install(app, config)  # 「活动」: events and sign-ups
