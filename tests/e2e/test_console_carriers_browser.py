"""An application to settle in, decided in the console (Chromium, the real app on a free port).

A user finds the nearest base from 元谋's coordinates through the API and applies to settle in;
元谋's staff open 审核 → 入驻申请, see it masked, are refused a rejection without a reason, and
approve it; the applicant's notice is queued and the application reads 已同意入驻 for the user.
"""
from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.api import login
from tests.support.console import LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)
from orm_models import CarrierApplication
from orm_models.notifications import Notification

pytestmark = pytest.mark.browser
SETTLER = {"name": "王小花", "phone": "13812348000", "project": "彝绣文创工作室", "team_size": 3,
           "needs": "20 平方米场地和 3 个工位"}


async def _apply_near_yuanmou(http: aiohttp.ClientSession) -> tuple[dict[str, Any], dict[str, str]]:
    resp = await http.get("/api/v1/carriers", params={"kind": "base", "lat": "25.70", "lng": "101.87"})
    base = (await resp.json())["carriers"][0]
    assert base["county"] == "元谋县" and base["demo"] is True
    headers, _ = await login(http, "console-settler")
    resp = await http.post("/api/v1/carrier-applications", json={"carrier_id": base["id"], **SETTLER},
                           headers={**headers, "Idempotency-Key": "console-settle-1"})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["application"], headers


async def test_staff_decide_an_application_to_settle_in_from_the_review_page(live_app: LiveApp, staff_browser) -> None:
    page, errors = staff_browser
    account = await live_app.seed()  # 元谋县's window staff, and the demo carriers
    async with aiohttp.ClientSession(live_app.base) as http:
        app, user_headers = await _apply_near_yuanmou(http)
    await page.goto(f"{live_app.base}/console/")
    await page.fill("input[name=username]", account.username)
    await page.fill("input[name=password]", account.password)
    await page.click("#login-form button[type=submit]")
    await page.locator("#who").wait_for(state="visible")

    await page.click("nav a[data-page=review]")
    await page.locator("button[role=tab]", has_text="入驻申请").click()
    row = page.locator("[data-testid=review-list] tr", has_text="元谋县创业孵化基地（演示）")
    await row.wait_for()
    assert "王**" in await row.inner_text()
    await row.click()
    detail = page.locator("[data-testid=review-detail]")
    await detail.locator("form.decision-form").wait_for()
    text = await detail.inner_text()
    assert "彝绣文创工作室" in text and SETTLER["phone"] not in text and "团队人数" in text
    await detail.locator("input[name=decision][value=rejected]").check()
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.error", has_text="不通过时请填写原因").wait_for()
    await detail.locator("input[name=decision][value=approved]").check()
    await detail.locator("textarea[name=note]").fill("欢迎入驻，请带营业执照到基地办理")
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="同意入驻").wait_for()

    decided = await CarrierApplication.get(id=app["id"])
    assert (decided.status, decided.decision_note) == ("approved", "欢迎入驻，请带营业执照到基地办理")
    assert await Notification.filter(kind="carrier_decided").count() == 1
    async with aiohttp.ClientSession(live_app.base) as http:
        mine = await (await http.get("/api/v1/carrier-applications/mine", headers=user_headers)).json()
    assert mine["applications"][0]["status_text"] == "已同意入驻"
    assert errors == []
