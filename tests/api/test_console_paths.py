"""Odd console asset paths, through the real app: each one is a plain 404, never a 500.

A NUL byte (``/console/js/main.js%00.html``) used to raise inside ``Path.resolve`` outside the API's
error middleware, and a file name longer than the file system allows did the same.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.env import SQLITE_ONLY

ODD_PATHS = [
    "js/main.js%00.html",  # NUL after a real file name
    "js%00/main.js",  # NUL in the middle
    "%00",
    "%2e%2e/console.py",  # encoded parent directory
    "%2e%2e%2fconsole.py",
    "js/%2e%2e/%2e%2e/v1.py",
    "..%5cconsole.py",  # backslashes, encoded or not
    "js%5cmain.js",
    "js\\main.js",
    "a" * 300 + ".js",  # longer than a file name may be
    "js/" + "b" * 4000 + ".js",
    "%ff%fe.js",  # not UTF-8
    "%ed%a0%80.js",  # a lone surrogate
    "js/main.js/",
    "js/main.js%20",
]


@SQLITE_ONLY
@pytest.mark.parametrize("rel", ODD_PATHS)
async def test_an_odd_console_asset_path_is_a_plain_404(client: Any, rel: str) -> None:
    resp = await client.get(f"/console/{rel}")
    assert resp.status == 404, (rel, resp.status, await resp.text())


@SQLITE_ONLY
async def test_the_real_console_module_is_still_served(client: Any) -> None:
    resp = await client.get("/console/js/main.js")
    assert resp.status == 200 and resp.content_type == "text/javascript"
