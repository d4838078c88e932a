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


def _server_owned_words() -> tuple[set[str], set[str]]:
    """(words that must not appear anywhere, words that must not appear as a whole string literal).

    Everything GET /staff/meta serves. Names that also read as prose (a status in a sentence such as
    "回复已发送", a role in "请联系县市管理员") are refused as a whole literal, the shape a copied
    list or table takes; county names, carrier kinds and eligibility outcomes anywhere. The handoff
    senders (用户, 系统…) are plain words a page uses as headers, so they are left out.
    """
    from handlers.meta import staff_meta

    meta = staff_meta()
    anywhere = {*meta["counties"], *meta["eligibility"].values(), *(c["kind"] for c in meta["carrier_kinds"])}
    tables = [meta["roles"], meta["channels"], meta["notification_kinds"], meta["handoff_reasons"], meta["exports"],
              *meta["statuses"].values(), *meta["decisions"].values()]
    literal = {meta["prefecture"], *(t["short_label"] for t in meta["targets"]), *(t["label"] for t in meta["targets"])}
    literal |= {name for names in tables for name in names.values()}
    return anywhere, literal


def test_the_console_scripts_copy_none_of_the_lists_the_server_owns() -> None:
    anywhere, literal = _server_owned_words()
    found = []
    for path in sorted((STATIC_DIR / "js").rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {w}" for w in sorted(anywhere) if w in text]
        found += [f"{path.name}: \"{w}\"" for w in sorted(literal) if re.search(rf"[\"'`]{re.escape(w)}[\"'`]", text)]
    assert not found, "the console repeats names GET /staff/meta serves:\n" + "\n".join(found)


def test_the_console_loads_the_servers_names_once_at_start_up() -> None:
    main = (STATIC_DIR / "js" / "main.js").read_text(encoding="utf-8")
    assert main.count('get("/meta")') == 1
    assert not (STATIC_DIR / "js" / "labels.js").exists()
