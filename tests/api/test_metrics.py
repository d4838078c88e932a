"""GET /metrics (CONTRACT §9): Prometheus text, who may read it, and the series that move."""
from __future__ import annotations

import asyncio
import json
import logging
import socket
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from chuangye.log import JsonFormatter
from chuangye.metrics import METRICS, metrics_endpoint
from handlers.notifications.outbox import enqueue_event, local_now
from orm_models import HandoffSession
from orm_models.notifications import Notification
from server.app import create_app

from tests.support.api import API, login, open_slot, seed_windows_and_courses, window_id
from tests.support.env import SQLITE_ONLY
from tests.support.metrics import parse, scrape, value
from tests.support.outbox import bind_staff, drain, wechat_client

TOKEN = "metrics-token-0123456789"


def _booking(wid: int, slot: dict[str, Any]) -> dict[str, Any]:
    return {"window_id": wid, "start": slot["start"], "purpose": "创业担保贷款", "name": "李秀英", "phone": "13812348000"}


# ---------------------------------------------------------------- format and access


async def test_metrics_answer_prometheus_text_that_parses_with_every_chuangye_family(client):
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    names, _ = parse(await resp.text())
    for family in ("chuangye_http_request_duration_seconds", "chuangye_callback_replies", "chuangye_callback_duplicates",
                   "chuangye_knowledge_answers", "chuangye_bookings", "chuangye_outbox_sends",
                   "chuangye_outbox_gave_up", "chuangye_outbox_depth", "chuangye_outbox_oldest_pending_age_seconds",
                   "chuangye_handoff_waiting", "chuangye_store_errors", "chuangye_db_errors",
                   "chuangye_process_resident_memory_bytes"):
        assert family in names, family


@SQLITE_ONLY
async def test_two_apps_in_one_process_each_have_their_own_registry(aiohttp_client, config):
    first, second = create_app(config), create_app(config)
    assert first[METRICS].registry is not second[METRICS].registry
    await (await aiohttp_client(first)).get("/healthz")
    samples = await scrape(await aiohttp_client(second))
    assert value(samples, "chuangye_http_request_duration_seconds_count", route="/healthz", method="GET",
                 status_class="2xx") == 0


@SQLITE_ONLY
async def test_latency_is_labelled_by_route_template_never_by_raw_path(client):
    await client.get(f"{API}/windows/12345/slots", params={"date": "2026-01-05"})
    await client.get("/no/such/path/8f3a")
    await client.request("PROPFIND", "/healthz")
    resp = await client.get("/metrics")
    text = await resp.text()
    assert "12345" not in text and "8f3a" not in text and "PROPFIND" not in text
    samples = parse(text)[1]
    assert value(samples, "chuangye_http_request_duration_seconds_count", route=f"{API}/windows/{{id}}/slots",
                 method="GET", status_class="4xx") == 1
    assert value(samples, "chuangye_http_request_duration_seconds_count", route="<unmatched>", method="GET",
                 status_class="4xx") == 1
    assert value(samples, "chuangye_http_request_duration_seconds_count", route="<unmatched>", method="OTHER",
                 status_class="4xx") == 1


def _fake_peer_request(app: web.Application, peer: str, headers: dict[str, str]) -> web.Request:
    class Transport:
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return (peer, 40000) if name == "peername" else default

        def is_closing(self) -> bool:
            return False

    return make_mocked_request("GET", "/metrics", headers=headers, app=app, transport=Transport())


@SQLITE_ONLY
@pytest.mark.parametrize("spoof", [{"X-Forwarded-For": "127.0.0.1"}, {"X-Real-IP": "127.0.0.1"},
                                   {"Forwarded": "for=127.0.0.1"}, {}])
async def test_a_remote_peer_without_a_token_is_refused_whatever_forwarding_headers_it_sends(config, spoof):
    app = create_app(config)
    resp = await metrics_endpoint(_fake_peer_request(app, "203.0.113.9", spoof))
    assert resp.status == 403 and "metrics.token" in resp.text


@SQLITE_ONLY
async def test_a_remote_peer_with_the_configured_bearer_token_is_let_in(make_config):
    app = create_app(make_config(metrics={"token": TOKEN}))
    ok = await metrics_endpoint(_fake_peer_request(app, "203.0.113.9", {"Authorization": f"Bearer {TOKEN}"}))
    assert ok.status == 200 and b"chuangye_bookings_total" in ok.body
    wrong = await metrics_endpoint(_fake_peer_request(app, "203.0.113.9", {"Authorization": f"Bearer {TOKEN}x"}))
    assert wrong.status == 403


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("198.51.100.1", 9))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


@SQLITE_ONLY
async def test_over_a_real_non_loopback_connection_a_spoofed_forwarded_for_does_not_help(
        aiohttp_server, aiohttp_client, make_config):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    server = await aiohttp_server(create_app(make_config(metrics={"token": TOKEN})), host=address)
    client = await aiohttp_client(server)
    resp = await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"})
    assert resp.status == 403
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 200


@SQLITE_ONLY
async def test_with_a_token_configured_loopback_may_scrape_with_it_or_without_but_not_with_a_wrong_one(
        aiohttp_client, make_config):
    client = await aiohttp_client(create_app(make_config(metrics={"token": TOKEN})))
    assert (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).status == 200
    assert (await client.get("/metrics")).status == 200
    assert (await client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})).status == 403
    assert (await client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})).status == 403


# ---------------------------------------------------------------- counters that move


async def test_bookings_are_counted_by_outcome(client, standin):
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    before = await scrape(client)
    assert (await client.post(f"{API}/appointments", json=_booking(wid, slot), headers=headers)).status == 201
    assert (await client.post(f"{API}/appointments", json=_booking(wid, slot), headers=headers)).status == 409
    between_slots = {**_booking(wid, slot), "start": slot["start"][:14] + "07" + slot["start"][16:]}
    assert (await client.post(f"{API}/appointments", json=between_slots, headers=headers)).status == 422
    after = await scrape(client)
    for outcome in ("booked", "duplicate", "invalid"):
        assert value(after, "chuangye_bookings_total", outcome=outcome) - \
            value(before, "chuangye_bookings_total", outcome=outcome) == 1, outcome
    assert value(after, "chuangye_bookings_total", outcome="slot_full") == \
        value(before, "chuangye_bookings_total", outcome="slot_full")


async def test_knowledge_answers_are_counted_as_confident_or_unsure(client):
    before = await scrape(client)
    assert (await client.post(f"{API}/ask", json={"question": "创业担保贷款能贷多少"})).status == 200
    assert (await client.post(f"{API}/ask", json={"question": "今天天气怎么样"})).status == 200
    assert (await client.post(f"{API}/ask", json={"question": "打麻将有什么技巧"})).status == 200
    after = await scrape(client)

    def moved(outcome: str) -> float:
        name = "chuangye_knowledge_answers_total"
        return value(after, name, channel="api", outcome=outcome) - value(before, name, channel="api", outcome=outcome)

    assert (moved("confident"), moved("unsure")) == (1, 2)


# ---------------------------------------------------------------- gauges read at scrape time


async def test_outbox_depth_and_oldest_age_come_from_the_database_and_are_cached_between_scrapes(client):
    for n in (1, 2):
        await enqueue_event("appointment_booked", {"appointment_id": n, "window_id": 1})
    await Notification.filter(dedupe_key="appointment_booked:1").update(created_at=local_now() - timedelta(minutes=7))
    samples = await scrape(client)
    assert value(samples, "chuangye_outbox_depth") == 2
    assert 7 * 60 <= value(samples, "chuangye_outbox_oldest_pending_age_seconds") < 8 * 60
    await enqueue_event("appointment_booked", {"appointment_id": 3, "window_id": 1})
    assert value(await scrape(client), "chuangye_outbox_depth") == 2  # cached: no query on every scrape
    client.server.app[METRICS].gauges.ttl = 0
    await Notification.filter(dedupe_key="appointment_booked:1").update(status="sent")
    samples = await scrape(client)
    assert value(samples, "chuangye_outbox_depth") == 2
    assert value(samples, "chuangye_outbox_oldest_pending_age_seconds") < 60


async def test_the_handoff_queue_counts_users_still_waiting_for_staff(client):
    client.server.app[METRICS].gauges.ttl = 0
    assert value(await scrape(client), "chuangye_handoff_waiting") == 0
    await HandoffSession.create(openid="o-wait-1", county="元谋县", reason="asked")
    await HandoffSession.create(openid="o-wait-2", county="元谋县", reason="asked")
    await HandoffSession.create(openid="o-picked", county="元谋县", reason="asked", status="active")
    assert value(await scrape(client), "chuangye_handoff_waiting") == 2


# ---------------------------------------------------------------- request id into the outbox


class _Lines(logging.Handler):
    """Log lines as operators read them (JSON, formatted when logged, so the request id is the caller's)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def test_one_booking_can_be_followed_by_its_request_id_from_the_api_to_the_staff_notice(
        client, config, standin, store):
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    await bind_staff(await _window(wid), "staff-of-yuanmou")
    slot = await open_slot(client, wid)
    rid = "trace-booking-7f3c"
    resp = await client.post(f"{API}/appointments", json=_booking(wid, slot), headers={**headers, "X-Request-Id": rid})
    assert resp.status == 201
    event = await Notification.get(kind="appointment_booked", channel="event")
    assert event.request_id == rid
    lines = _Lines()
    outbox_log = logging.getLogger("chuangye.outbox")
    outbox_log.addHandler(lines)
    level = outbox_log.level
    outbox_log.setLevel(logging.INFO)
    try:
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
    finally:
        outbox_log.removeHandler(lines)
        outbox_log.setLevel(level)
    children = await Notification.filter(event_id=event.id)
    assert children and {c.request_id for c in children} == {rid}
    sent = [line for line in lines.lines if line["msg"] == "notification sent"]
    assert {line["channel"] for line in sent} >= {"event", children[0].channel}
    assert {line["request_id"] for line in sent} == {rid}


async def test_an_overlong_client_request_id_is_cut_to_fit_the_outbox_column(client, standin):
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    resp = await client.post(f"{API}/appointments", json=_booking(wid, slot), headers={**headers, "X-Request-Id": "r" * 300})
    assert resp.status == 201
    assert (await Notification.get(kind="appointment_booked")).request_id == "r" * 64


async def _window(wid: int) -> Any:
    from orm_models import Window

    return await Window.get(id=wid)


async def test_concurrent_scrapes_share_one_refresh(client, monkeypatch):
    gauges = client.server.app[METRICS].gauges
    gauges.ttl = 60
    calls = []
    original = gauges._probes[0]

    async def slow_probe() -> float:
        calls.append(1)
        await asyncio.sleep(0.05)
        return 5

    gauges._probes[0] = (original[0], original[1], slow_probe)
    gauges._at = float("-inf")
    results = await asyncio.gather(*(scrape(client) for _ in range(5)))
    assert len(calls) == 1
    assert {value(r, original[0]) for r in results} == {5}


@SQLITE_ONLY
async def test_a_database_error_caught_by_the_api_middleware_is_counted(client, monkeypatch):
    import api.windows
    from tortoise.exceptions import OperationalError

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not serialize access")

    monkeypatch.setattr(api.windows, "window_listing", broken)
    before = await scrape(client)
    assert (await client.get(f"{API}/windows")).status == 500
    after = await scrape(client)
    assert value(after, "chuangye_db_errors_total", where="api") - value(before, "chuangye_db_errors_total", where="api") == 1
    assert value(after, "chuangye_http_request_duration_seconds_count", route=f"{API}/windows", method="GET",
                 status_class="5xx") == 1
