"""The staff console: static pages under /console/ and Apache ECharts from the local npm install.

The console is plain HTML, CSS and ES modules (no build step); every datum comes from the
staff API under /api/v1/staff with the token the page keeps in sessionStorage. ECharts is
served from ``node_modules`` (``npm ci`` runs in the Makefile's install step), never a CDN.
"""
from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "console"
REPO_ROOT = Path(__file__).resolve().parent.parent
ECHARTS_FILE = REPO_ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"

# Scripts only from this origin, nothing framed, no referrer leaking tokens or record ids.
# ECharts sets inline styles on its own elements, hence 'unsafe-inline' for styles only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CONTENT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
# What a console file's path may look like: plain names (letters, digits, "-", "_", inner dots) joined by "/".
# Anything else (NUL, backslashes, "..", empty segments, names longer than a file system allows,
# characters that are not UTF-8) is refused before the file system is asked.
_ASSET_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,7}")


def _file_response(path: Path, *, cache: str = "no-cache") -> web.StreamResponse:
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    headers = {**SECURITY_HEADERS, "Cache-Control": cache, "Content-Type": f"{content_type}; charset=utf-8"}
    return web.FileResponse(path, headers=headers)


async def index(request: web.Request) -> web.StreamResponse:
    return _file_response(STATIC_DIR / "index.html")


async def redirect_to_index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/console/")


async def asset(request: web.Request) -> web.StreamResponse:
    """A file below api/console/; anything outside it or missing is 404."""
    relative = request.match_info["path"]
    path = _asset_file(relative) if _ASSET_PATH.fullmatch(relative) else None
    if path is None:
        raise web.HTTPNotFound(text="控制台文件不存在", headers=SECURITY_HEADERS)
    return _file_response(path)


def _asset_file(relative: str) -> Path | None:
    try:
        path = (STATIC_DIR / relative).resolve()
        if path.is_relative_to(STATIC_DIR) and path.suffix in CONTENT_TYPES and path.is_file():
            return path
    except (OSError, ValueError):  # whatever the file system refuses is simply not a console file
        pass
    return None


async def echarts(request: web.Request) -> web.StreamResponse:
    if not ECHARTS_FILE.is_file():
        raise web.HTTPNotFound(
            text="// 未安装 ECharts：请在项目目录运行 make（会执行 npm ci）\n",
            content_type="text/javascript",
            headers=SECURITY_HEADERS,
        )
    return _file_response(ECHARTS_FILE, cache="public, max-age=86400")


def setup_console(app: web.Application) -> None:
    """Mount /console/ (pages), /console/vendor/echarts.min.js and /console/{path} (assets)."""
    app.router.add_get("/console", redirect_to_index)
    app.router.add_get("/console/", index)
    app.router.add_get("/console/vendor/echarts.min.js", echarts)
    app.router.add_get("/console/{path:.+}", asset)
