"""The live app, Chromium and the data the console tests need (tests/e2e/test_console*.py).

The app is the production factory on a free loopback port (SQLite + in-process store, the
``make run`` shape) with the WeChat stand-in; the browser is Debian's /usr/bin/chromium driven
by Playwright (never a downloaded browser build).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tests.support.env import IN_CI, base_settings
from tests.support.api import login, open_slot, window_id
from tests.support.builders import make_id

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
COUNTY = "元谋县"
VISITOR = {"name": "李玉兰", "phone": "13800138000", "purpose": "创业担保贷款"}


APPLICANT = {  # a made-up resident ID with a valid GB 11643 check digit
    "product": "创业担保贷款", "name": "张建华", "id_number": make_id(date(1990, 1, 1), "532328", "123"),
    "phone": "13912345678", "county": COUNTY, "category": "返乡创业农民工",
    "business_type": "民族药膳馆", "amount": 200000, "purpose": "店面装修和购买厨房设备",
}


def require_chromium() -> None:
    """Skip locally without Chromium, but FAIL in CI: .ci/run installs it, so it must be there."""
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Account:
    username: str
    password: str
    display_name: str
    county: str | None


@dataclass
class LiveApp:
    base: str  # http://127.0.0.1:<port>
    app: web.Application
    config: Any
    standin: Any

    async def seed(self, county: str | None = COUNTY) -> Account:
        """Demo data as `chuangye seed-demo` loads it; returns the county window's demo staff
        account, or the prefecture administrator's when ``county`` is None."""
        from handlers.demo import seed_demo
        from handlers.staff.accounts import DEMO_ADMIN, DEMO_PASSWORD
        from orm_models import StaffAccount, Window

        await seed_demo(self.config)
        if county is None:
            staff = await StaffAccount.get(username=DEMO_ADMIN)
        else:
            window = await Window.get(county=county)
            staff = await StaffAccount.get(role="window", window_id=window.id)
        return Account(staff.username, DEMO_PASSWORD, staff.display_name, staff.county)

    async def deliver_notifications(self) -> int:
        """One pass of the delivery loop, as the in-process worker would run it."""
        from chuangye import appkeys as K
        from handlers.notifications.outbox import deliver_due

        total = 0
        for _ in range(5):  # events fan out into per-recipient rows, delivered on the next pass
            total += await deliver_due(self.app[K.WECHAT], self.config, "console-test")
        return total


@pytest_asyncio.fixture
async def live_app(sqlite_template: Path, standin: Any, tmp_path: Path) -> AsyncIterator[LiveApp]:
    """The real app served on a free loopback port, talking to the WeChat stand-in."""
    from server.app import create_app
    from chuangye.config import config_from_dict

    db = tmp_path / "console.db"
    shutil.copy(sqlite_template, db)
    config = config_from_dict(base_settings(f"sqlite://{db}", None, standin.url))
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", app, config, standin)
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def staff_browser() -> AsyncIterator[tuple[Any, list[str]]]:
    """(page, JavaScript errors seen) in Chromium at 1366×768, Chinese locale, Chuxiong's time zone."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
        )
        context.set_default_timeout(20_000)  # a loaded 2-core CI machine
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # HTTP errors the page handles (401, 422…) are logged by Chromium as "Failed to load resource".
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
        try:
            yield page, errors
        finally:
            await browser.close()


# ---------------------------------------------------------------- the villager's side, through the API


async def book_visit(http: aiohttp.ClientSession, county: str = COUNTY) -> dict[str, Any]:
    """Book the county window's first free slot as a villager would: {id, code, date, start}."""
    headers, _ = await login(http, "console-visitor")
    wid = await window_id(http, county)
    start = (await open_slot(http, wid))["start"]
    body = {"window_id": wid, "start": start, **VISITOR}
    resp = await http.post("/api/v1/appointments", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    appt = (await resp.json())["appointment"]
    return {**appt, "date": start[:10]}


async def pre_apply_for_loan(http: aiohttp.ClientSession, county: str = COUNTY) -> dict[str, Any]:
    headers, _ = await login(http, "console-applicant")
    resp = await http.post("/api/v1/loan-applications", json={**APPLICANT, "county": county}, headers=headers)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["application"]
