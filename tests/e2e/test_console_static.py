"""The console's files are served from this server: pages, modules and ECharts (no CDN)."""
from __future__ import annotations

import re
from typing import Any

import pytest_asyncio
from aiohttp import web

from api.console import STATIC_DIR, setup_console


@pytest_asyncio.fixture
async def client(aiohttp_client: Any) -> Any:
    """The console routes alone: they need no database (the browser tests use the whole app)."""
    app = web.Application()
    setup_console(app)
    return await aiohttp_client(app)


async def test_console_page_is_served_with_a_strict_content_security_policy(client) -> None:
    resp = await client.get("/console/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    body = await resp.text()
    assert "工作人员控制台" in body
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"


async def test_bare_console_path_redirects_to_the_page(client) -> None:
    resp = await client.get("/console", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/console/"


async def test_every_module_the_page_imports_is_served_as_javascript(client) -> None:
    modules = sorted(p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*.js"))
    assert "js/main.js" in modules
    for rel in modules:
        resp = await client.get(f"/console/{rel}")
        assert resp.status == 200, rel
        assert resp.content_type == "text/javascript", rel


async def test_echarts_comes_from_the_local_npm_install(client) -> None:
    resp = await client.get("/console/vendor/echarts.min.js")
    assert resp.status == 200
    assert resp.content_type == "text/javascript"
    head = (await resp.read())[:4000].decode("utf-8", "replace")
    assert re.search(r"Apache|echarts", head, re.IGNORECASE)


def test_no_console_file_references_a_cdn() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"https?://", text), f"{path.name} loads something from another host"


async def test_paths_outside_the_console_directory_are_not_served(client) -> None:
    for rel in ("../console.py", "..%2Fconsole.py", "js/../../v1.py", "nope.js", "js"):
        resp = await client.get(f"/console/{rel}")
        assert resp.status == 404, rel
