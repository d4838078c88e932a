"""Where the test services are and how a test config is built (used by conftest.py and the support modules)."""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest

from chuangye.config import DEV_DATA_KEY

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("CHUANGYE_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHUANGYE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "pg"]
# Checks that do not depend on the storage backend run once, on SQLite (keeps the suite fast).
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

TEST_TOKEN = "testtoken"
TEST_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TEST_OA_APPID = "wx_test_oa_appid"
TEST_MP_APPID = "wx_test_mp_appid"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, port: int) -> None:
    if _reachable(url, port):
        return
    msg = f"{name} at {url} is unreachable"
    if IN_CI:
        pytest.fail(f"{msg}: CI requires it (the pg backend is part of the suite)")
    pytest.skip(f"{msg}: pg-backend tests skipped locally (they FAIL in CI)")


def _run_in_thread(coro_factory: Callable[[], Any]) -> Any:
    """Run a coroutine on a fresh loop in a thread: session fixtures must not share test loops."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # re-raised in the caller
            result["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def base_settings(db_url: str, redis_url: str | None, api_base_url: str = "http://127.0.0.1:9") -> dict[str, Any]:
    return {
        "database": {"url": db_url},
        "redis": {"url": redis_url},
        "wechat": {
            "api_base_url": api_base_url,
            "official_account": {
                "app_id": TEST_OA_APPID,
                "app_secret": "oa-secret",
                "token": TEST_TOKEN,
                "encoding_aes_key": TEST_AES_KEY,
            },
            "mini_program": {"app_id": TEST_MP_APPID, "app_secret": "mp-secret"},
            "staff_template_id": "TPL_STAFF",
            "applicant_template_id": "TPL_APPLICANT",
            "subscribe_template_id": "TPL_SUBSCRIBE",
        },
        "notify": {"in_process_worker": False, "backoff_base_seconds": 0.05, "poll_seconds": 0.05},
        "security": {"secret_key": "test-secret-key-0123456789abcdef", "data_key": DEV_DATA_KEY},
        "knowledge": {"dir": str(ROOT / "knowledge" / "docs")},
        "logging": {"level": "WARNING", "json": False},
    }


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def new_namespace() -> str:
    """A Redis key namespace private to one test, so parallel runs never see each other."""
    return f"cytest:{os.getpid()}:{uuid.uuid4().hex[:8]}:"


def layer_marker(layer: str) -> Callable[[list[pytest.Item]], None]:
    """A ``pytest_collection_modifyitems`` hook for a layer's conftest: its tests carry the ``layer`` marker."""
    folder = ROOT / "tests" / layer

    def mark(items: list[pytest.Item]) -> None:
        for item in items:
            if folder in item.path.parents:
                item.add_marker(getattr(pytest.mark, layer))

    return mark


def query_db(config: Any, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (an async query) against the test database, as the CLI does: its own loop and init."""
    from chuangye.db import close_db, init_db

    async def go() -> Any:
        await init_db(config)
        try:
            return await fn()
        finally:
            await close_db()

    return asyncio.run(go())

