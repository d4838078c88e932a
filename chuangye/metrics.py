"""Prometheus metrics (``GET /metrics``, CONTRACT §9): every ``chuangye_*`` series in one place.

Two kinds of metric live here:

- **Counters of the use cases** (bookings, knowledge answers, callback replies, outbox sends,
  store and database errors) are module objects in ``PROCESS``, a private registry of this
  process (never prometheus_client's global one), so handlers can count without knowing the
  app: ``metrics.BOOKINGS.labels("booked").inc()``. Production runs one app per process, so
  per process is per app; tests that build many apps compare values before and after.
- **Per app**: ``AppMetrics`` owns a fresh ``CollectorRegistry`` with the request-latency
  histogram (fed by its middleware), the process counters above (forwarded), the process
  collector (RSS, CPU, open files), and gauges read at scrape time (outbox depth, oldest age,
  handoff queue) through async probes whose values are cached for ``SCRAPE_CACHE_SECONDS``.

Labels are bounded: route templates (never raw paths), known methods, status classes, and
fixed vocabularies for outcomes. Known label values are created up front so every series
exists from the first scrape (``rate()`` then starts from zero, and dashboards have data).

Access: loopback peers (the connection's address: X-Forwarded-For is never trusted), or
``Authorization: Bearer <metrics.token>`` when that key is set; anything else is 403.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import math
import sqlite3
import time
from typing import Awaitable, Callable, Iterable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.process_collector import ProcessCollector

from chuangye.netaddr import is_loopback

log = logging.getLogger("chuangye.metrics")

SCRAPE_CACHE_SECONDS = 5.0
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # what generate_latest writes
UNMATCHED = "<unmatched>"  # the route label of requests no route matched (404, 405)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUS_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")
# Latency buckets in seconds, dense where the callback's targets are (p99 <= 50 ms; WeChat's 5 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 4.5, 10.0)
# Channel names of orm_models.notifications (this module sits below the models and cannot import them).
OUTBOX_CHANNELS = ("event", "template", "subscribe", "custom", "wecom")

disable_created_metrics()  # no `*_created` twin of every series: half the scrape, nothing lost
PROCESS = CollectorRegistry(auto_describe=True)

CALLBACK_REPLIES = Counter(
    "chuangye_callback_replies", "Official-account messages answered: in_time (passive reply, or success "
    "within the budget) or late (answered success; the reply goes out as a customer-service message)",
    ["delivery"], registry=PROCESS)
REPLY_IN_TIME = CALLBACK_REPLIES.labels("in_time")
REPLY_LATE = CALLBACK_REPLIES.labels("late")

CALLBACK_DUPLICATES = Counter(
    "chuangye_callback_duplicates", "WeChat retries of a message already being or been handled: cached (answered "
    "with the first reply), dropped (answered success), taken_over (its first attempt died: run again)",
    ["outcome"], registry=PROCESS)
DUP_CACHED = CALLBACK_DUPLICATES.labels("cached")
DUP_DROPPED = CALLBACK_DUPLICATES.labels("dropped")
DUP_TAKEN_OVER = CALLBACK_DUPLICATES.labels("taken_over")

KNOWLEDGE_ANSWERS = Counter(
    "chuangye_knowledge_answers", "Policy questions answered, by channel and outcome (confident or unsure; the "
    "engine has no separate out-of-scope verdict)", ["channel", "outcome"], registry=PROCESS)

BOOKING_OUTCOMES = ("booked", "slot_full", "duplicate", "limit", "invalid", "error")
BOOKINGS = Counter("chuangye_bookings", "Appointment bookings by outcome", ["outcome"], registry=PROCESS)

OUTBOX_SEND_RESULTS = ("sent", "refused", "error", "undeliverable", "obsolete")
OUTBOX_SENDS = Counter(
    "chuangye_outbox_sends", "Outbox rows handled, by channel and result: sent, refused (a permanent refusal: next "
    "channel), error (retried later), undeliverable, obsolete; channel event = fan-out to recipients",
    ["channel", "result"], registry=PROCESS)
OUTBOX_GAVE_UP = Counter(
    "chuangye_outbox_gave_up", "Outbox rows marked failed (retries or channels exhausted): staff must look",
    ["channel"], registry=PROCESS)

STORE_ERRORS = Counter(
    "chuangye_store_errors", "Shared-store (Redis) calls that failed: timeout, unavailable, breaker_open (failed "
    "fast while the breaker is open); callers degrade to this process", ["kind"], registry=PROCESS)
DB_ERRORS = Counter(
    "chuangye_db_errors", "Database errors caught, by where they were caught", ["where"], registry=PROCESS)

LLM_CALL_KINDS = ("chat", "embedding")
LLM_CALL_OUTCOMES = ("ok", "timeout", "error")
LLM_CALLS = Counter(
    "chuangye_llm_calls", "Calls to the operator's model server (llm:), by kind (chat, embedding) and outcome "
    "(ok, timeout, error: HTTP error, refused connection or an answer not in the expected shape)",
    ["kind", "outcome"], registry=PROCESS)
LLM_REJECT_REASONS = ("number", "citation", "unconfirmed", "injection", "empty", "length", "model_failed")
LLM_REJECTED = Counter(
    "chuangye_llm_rejected_answers", "Generated answers discarded for the extractive one, by reason: number (a "
    "number, amount, date or 文号 no cited passage holds), citation (none, or one pointing to no given passage), "
    "unconfirmed (states as fact what a passage says is unconfirmed), injection (echoes instructions), empty, "
    "length (too long for one message), model_failed (timeout or error: no answer to check)", ["reason"], registry=PROCESS)
EMBEDDING_FALLBACK = Counter(
    "chuangye_embedding_fallback", "Questions answered by BM25 alone although an embedding model is configured: "
    "error (the model failed or was too slow), no_vectors (passages not embedded yet, or another model or dimension)",
    ["reason"], registry=PROCESS)


def _precreate() -> None:
    for kind in LLM_CALL_KINDS:
        for outcome in LLM_CALL_OUTCOMES:
            LLM_CALLS.labels(kind, outcome)
    for reason in LLM_REJECT_REASONS:
        LLM_REJECTED.labels(reason)
    for reason in ("error", "no_vectors"):
        EMBEDDING_FALLBACK.labels(reason)
    for outcome in BOOKING_OUTCOMES:
        BOOKINGS.labels(outcome)
    for channel in ("api", "oa"):  # handlers.knowledge_ops.ask callers
        for outcome in ("confident", "unsure"):
            KNOWLEDGE_ANSWERS.labels(channel, outcome)
    for channel in OUTBOX_CHANNELS:
        OUTBOX_GAVE_UP.labels(channel)
        for result in ("sent", "refused", "error"):
            OUTBOX_SENDS.labels(channel, result)
    for kind in ("timeout", "unavailable", "breaker_open"):
        STORE_ERRORS.labels(kind)
    for where in ("api", "bot", "outbox", "metrics"):
        DB_ERRORS.labels(where)


_precreate()


def count_booking(outcome: str) -> None:
    BOOKINGS.labels(outcome if outcome in BOOKING_OUTCOMES else "error").inc()


def is_db_error(exc: BaseException) -> bool:
    """A database driver or ORM error (not a bug in our code, not a domain refusal)."""
    from tortoise.exceptions import BaseORMException

    from chuangye.db import is_db_unavailable

    if isinstance(exc, (BaseORMException, sqlite3.Error, ConnectionError)):
        return True
    return type(exc).__module__.split(".")[0] == "asyncpg" or is_db_unavailable(exc)


def count_db_error(exc: BaseException, where: str) -> None:
    if is_db_error(exc):
        DB_ERRORS.labels(where).inc()


# ---------------------------------------------------------------- access


def metrics_allowed(peer: str | None, authorization: str | None, token: str | None) -> bool:
    """Who may read /metrics.

    With ``token`` set, a matching ``Bearer`` header is enough from anywhere, and a wrong one is
    refused even from loopback (it is a misconfigured scraper). Without a header, or without a
    token configured, only a loopback peer is allowed. ``peer`` must be the connection's address.
    """
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return is_loopback(peer)


def peer_address(request: web.Request) -> str | None:
    """The address of the connection itself (request.remote could be rewritten by a proxy helper)."""
    transport = request.transport
    if transport is None:
        return None
    peer = transport.get_extra_info("peername")
    if isinstance(peer, (tuple, list)) and peer:
        return str(peer[0])
    return None


# ---------------------------------------------------------------- per-app registry


class _Forward:
    """Exposes another registry's metrics in this one (describe() is empty: no name clash checks)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


Probe = Callable[[], Awaitable[float]]


class ScrapeGauges:
    """Gauges computed at scrape time by async probes (one cheap query each), cached briefly.

    ``refresh`` runs the probes when the cached values are older than ``ttl`` (concurrent
    scrapes share one refresh); ``collect`` (called by prometheus_client) reads the cache. A
    failing probe keeps its last value (NaN before the first success) and is logged and counted.
    """

    def __init__(self, ttl: float = SCRAPE_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._probes: list[tuple[str, str, Probe]] = []
        self._values: dict[str, float] = {}
        self._at = -math.inf
        self._lock = asyncio.Lock()

    def add(self, name: str, documentation: str, probe: Probe) -> None:
        self._probes.append((name, documentation, probe))
        self._values[name] = math.nan

    async def refresh(self) -> None:
        if time.monotonic() - self._at < self.ttl:
            return
        async with self._lock:
            if time.monotonic() - self._at < self.ttl:
                return
            for name, _, probe in self._probes:
                try:
                    self._values[name] = float(await probe())
                except Exception as exc:
                    log.warning("metrics probe %s failed: %s: %s", name, type(exc).__name__, str(exc)[:200])
                    count_db_error(exc, "metrics")
            self._at = time.monotonic()

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(name, doc) for name, doc, _ in self._probes]

    def collect(self) -> Iterator[Metric]:
        for name, doc, _ in self._probes:
            yield GaugeMetricFamily(name, doc, value=self._values[name])


class AppMetrics:
    """One app's registry: request latency, the process counters, process stats and scrape gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Forward(PROCESS))
        ProcessCollector(namespace="chuangye", registry=self.registry)
        self.requests = Histogram(
            "chuangye_http_request_duration_seconds", "Request latency by route template, method and status class",
            ["route", "method", "status_class"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.gauges = ScrapeGauges()
        self.registry.register(self.gauges)
        self.middleware = _timing_middleware(self.requests)

    async def exposition(self) -> bytes:
        await self.gauges.refresh()
        return generate_latest(self.registry)


def _timing_middleware(histogram: Histogram) -> Callable[..., Awaitable[web.StreamResponse]]:
    labels = histogram.labels

    def observe(request: web.Request, status: int, started: float) -> None:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        labels(route, method, STATUS_CLASSES[min(status // 100, 5)]).observe(time.perf_counter() - started)

    @web.middleware
    async def request_metrics(request: web.Request,
                              handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            observe(request, exc.status, started)
            raise
        except asyncio.CancelledError:  # the client went away: no status to speak of
            raise
        except BaseException:
            observe(request, 500, started)
            raise
        observe(request, response.status, started)
        return response

    return request_metrics


METRICS = web.AppKey("metrics", AppMetrics)
TOKEN = web.AppKey("metrics_token", object)  # str | None


async def metrics_endpoint(request: web.Request) -> web.Response:
    """``GET /metrics`` (CONTRACT §9)."""
    if not metrics_allowed(peer_address(request), request.headers.get("Authorization"), request.app[TOKEN]):
        return web.Response(status=403, text="禁止访问：/metrics 只对本机或携带正确令牌（metrics.token）的请求开放\n")
    body = await request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
