"""Who may read /metrics (loopback peers, or the bearer token), the metrics.token key, and error counting."""
import sqlite3
from pathlib import Path

import pytest
from tortoise.exceptions import OperationalError

from chuangye import metrics
from chuangye.config import DEV_DATA_KEY, ConfigError, load_config
from chuangye.metrics import is_loopback, metrics_allowed

TOKEN = "metrics-token-0123456789"
GOOD = f"""
security: {{secret_key: "a-long-enough-secret-key", data_key: "{DEV_DATA_KEY}"}}
"""


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_peers_may_read_metrics_without_a_token(peer):
    assert is_loopback(peer)
    assert metrics_allowed(peer, None, None)
    assert metrics_allowed(peer, None, TOKEN)


@pytest.mark.parametrize("peer", ["10.0.0.5", "192.168.1.20", "203.0.113.9", "::ffff:10.0.0.5", "fd00::2",
                                  "", None, "localhost", "not-an-address"])
def test_any_other_peer_without_a_token_is_refused(peer):
    assert not metrics_allowed(peer, None, None)
    assert not metrics_allowed(peer, None, TOKEN)


def test_a_remote_peer_with_the_configured_bearer_token_is_let_in():
    assert metrics_allowed("203.0.113.9", f"Bearer {TOKEN}", TOKEN)
    assert metrics_allowed("203.0.113.9", f"bearer {TOKEN}", TOKEN)


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer ",
                                    "Bearer 令牌"])
def test_a_wrong_token_is_refused_from_anywhere_even_loopback(header):
    assert not metrics_allowed("203.0.113.9", header, TOKEN)
    assert not metrics_allowed("127.0.0.1", header, TOKEN)


def test_without_a_configured_token_a_bearer_header_opens_nothing():
    assert not metrics_allowed("203.0.113.9", f"Bearer {TOKEN}", None)


def _sample(name: str, **labels: str) -> float:
    return metrics.PROCESS.get_sample_value(name, labels) or 0.0


def _config(tmp_path: Path, text: str):
    path = tmp_path / "c.yaml"
    path.write_text(GOOD + text, encoding="utf-8")
    return load_config(path, environ={})


def test_the_metrics_token_defaults_to_none_and_can_come_from_the_environment(tmp_path):
    assert _config(tmp_path, "").metrics.token is None
    path = tmp_path / "c.yaml"
    assert load_config(path, environ={"CHUANGYE__METRICS__TOKEN": TOKEN}).metrics.token == TOKEN


@pytest.mark.parametrize("token", ["short", "has a space in it 12345", 123456789012345678])
def test_a_weak_or_malformed_metrics_token_stops_start_up_naming_the_key(tmp_path, token):
    with pytest.raises(ConfigError) as exc:
        _config(tmp_path, f"metrics: {{token: {token!r}}}\n" if isinstance(token, str) else f"metrics: {{token: {token}}}\n")
    assert "metrics.token" in str(exc.value) and "\n" not in str(exc.value)


def test_an_unknown_key_in_the_metrics_section_is_refused_as_a_typo(tmp_path):
    with pytest.raises(ConfigError, match="metrics.tokn"):
        _config(tmp_path, "metrics: {tokn: x}\n")


@pytest.mark.parametrize("exc, counted", [(OperationalError("connection closed"), True),
                                          (sqlite3.OperationalError("database is locked"), True),
                                          (ConnectionRefusedError(111, "refused"), True),
                                          (ValueError("a bug"), False), (KeyError("x"), False)])
def test_only_database_errors_are_counted_as_database_errors(exc, counted):
    before = _sample("chuangye_db_errors_total", where="api")
    metrics.count_db_error(exc, "api")
    assert _sample("chuangye_db_errors_total", where="api") - before == (1 if counted else 0)


async def test_a_redis_that_cannot_be_reached_is_counted_as_a_store_error():
    from chuangye.store import UNAVAILABLE, RedisStore

    store = RedisStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
    before = _sample("chuangye_store_errors_total", kind="unavailable")
    try:
        with pytest.raises(UNAVAILABLE):
            await store.get("k")
    finally:
        await store.close()
    assert _sample("chuangye_store_errors_total", kind="unavailable") - before == 1
