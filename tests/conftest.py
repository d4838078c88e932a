"""Shared fixtures.

Every test that touches storage runs on both backends: ``sqlite`` (SQLite file + in-process
store, the ``make run`` default) and ``pg`` (PostgreSQL + Redis, the production shape).
PostgreSQL and Redis come from CHUANGYE_TEST_PG_URL / CHUANGYE_TEST_REDIS_URL (defaults:
the local services). With CI=true an unreachable one FAILS the run; locally it is skipped
with a loud reason.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable
from urllib.parse import urlsplit, urlunsplit

import pytest
import pytest_asyncio

from chuangye.config import Config, config_from_dict
from tests.support.env import (BACKENDS, PG_URL, REDIS_URL, ROOT, TEST_MP_APPID, TEST_OA_APPID, _run_in_thread,
                               base_settings, deep_merge, new_namespace, require_service)

# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it (faster than migrating per test)."""
    from chuangye.db import migrate

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    cfg = config_from_dict(base_settings(f"sqlite://{path}", None))
    _run_in_thread(lambda: migrate(cfg))
    return path


@pytest.fixture(scope="session")
def pg_database() -> AsyncIterator[str]:
    """A private PostgreSQL database for this session, migrated once, dropped at the end."""
    require_service("PostgreSQL", PG_URL, 5432)
    import asyncpg

    from chuangye.db import migrate

    name = f"cy_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = PG_URL.replace("postgres://", "postgresql://", 1)

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run_in_thread(create)
    parts = urlsplit(PG_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    try:
        _run_in_thread(lambda: migrate(config_from_dict(base_settings(url, None))))
        yield url
    finally:
        _run_in_thread(drop)


async def _truncate_pg(url: str) -> None:
    """Every table empty and every id counting from 1 again, as after migrating. Only what the last
    test touched is truncated: TRUNCATE costs per table, and a test touches only a few of them."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = [r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename NOT LIKE 'tortoise_%'")]
        if not tables:
            return
        # Tables with rows, and (pg_sequences shows a sequence's last_value once it gave one) the
        # sequences a test used, whatever it left in their tables.
        filled = await conn.fetch(" UNION ALL ".join(
            f"SELECT '{t}'::text AS name WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables))
        used = await conn.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname='public' AND last_value IS NOT NULL")
        if filled:
            names = ", ".join(f'"{r["name"]}"' for r in filled)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for row in used:
            await conn.execute(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART')
    finally:
        await conn.close()



@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def backend_urls(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str | None, str]]:
    """(database url, redis url, redis namespace) for this test, freshly emptied."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        db = tmp_path / "test.db"
        shutil.copy(template, db)
        yield f"sqlite://{db}", None, "cy:"
        return
    require_service("Redis", REDIS_URL, 6379)
    pg = request.getfixturevalue("pg_database")
    await _truncate_pg(pg)
    ns = new_namespace()
    yield pg, REDIS_URL, ns
    from chuangye.store import RedisStore

    s = RedisStore(REDIS_URL, ns)
    await s.clear_namespace()
    await s.close()


# ---------------------------------------------------------------- WeChat stand-in


@pytest_asyncio.fixture
async def standin(aiohttp_server: Any) -> Any:
    """The WeChat API stand-in on a local port; config's api_base_url points at it."""
    from chuangye.standin import StandIn

    stand = StandIn(oa_app_id=TEST_OA_APPID, mp_app_id=TEST_MP_APPID)
    server = await aiohttp_server(stand.make_app())
    stand.url = str(server.make_url("")).rstrip("/")
    return stand


# ---------------------------------------------------------------- config and app


@pytest.fixture
def make_config(backend_urls: tuple[str, str | None, str], standin: Any) -> Callable[..., Config]:
    def build(**overrides: Any) -> Config:
        db, redis_url, ns = backend_urls
        data = deep_merge(base_settings(db, redis_url, standin.url), {"redis": {"namespace": ns}})
        data = deep_merge(data, overrides)
        return config_from_dict(data)

    return build


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    return make_config()


@pytest_asyncio.fixture
async def client(aiohttp_client: Any, config: Config) -> Any:
    """A test client of the production app factory on this test's backend."""
    from server.app import create_app

    return await aiohttp_client(create_app(config))


@pytest_asyncio.fixture
async def db(config: Config) -> AsyncIterator[Config]:
    """Tortoise initialised on this test's backend, without the web app (use-case tests)."""
    from chuangye.db import close_db, init_db

    await init_db(config)
    try:
        yield config
    finally:
        await close_db()


@pytest_asyncio.fixture
async def store(backend: str) -> AsyncIterator[Any]:
    """The key-value store of this backend (in-process for sqlite, Redis for pg)."""
    from chuangye.store import MemoryStore, RedisStore

    if backend == "sqlite":
        s = MemoryStore()
    else:
        require_service("Redis", REDIS_URL, 6379)
        s = RedisStore(REDIS_URL, new_namespace())
    try:
        yield s
    finally:
        if isinstance(s, RedisStore):
            await s.clear_namespace()
        await s.close()


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """Tencent's published encryption samples, re-typed as data in tests/data."""
    import json

    return json.loads((ROOT / "tests" / "data" / "wechat_vectors.json").read_text(encoding="utf-8"))
