"""The staff console end to end in Debian's Chromium, against the real app on a free port.

A villager books a visit and pre-applies for a loan through the mini-program API; a window's
staff member then logs in to /console/, finds the booking, checks it in by its code, decides the
application, exports the 台账 and opens the progress dashboard. With CHUANGYE_SCREENSHOTS=1 the
test also writes docs/screenshots/console-*.png at 1366×768.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook

from orm_models import Appointment, LoanApplication, StaffAccount

from console_helpers import (
    APPLICANT,
    VISITOR,
    book_visit,
    live_app,  # noqa: F401  (fixture)
    pre_apply_for_loan,
    require_chromium,
    seed,
    staff_browser,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("CHUANGYE_SCREENSHOTS") == "1"


async def _screenshot(page: Any, name: str) -> None:
    if TAKE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / name))


async def _log_in(page: Any, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("#login-form button[type=submit]")


async def test_wrong_password_shows_the_apis_chinese_message_and_stores_no_token(live_app, staff_browser) -> None:
    base, _ = live_app
    page, errors = staff_browser
    account = await seed()
    await _log_in(page, base, account.username, "not-the-password")
    error = page.locator("#login-error")
    await error.wait_for(state="visible")
    assert "用户名或密码错误" in await error.inner_text()
    assert await page.evaluate("sessionStorage.length") == 0
    assert await page.locator("#app-view").is_hidden()
    assert errors == []


async def test_staff_member_checks_in_a_booking_decides_an_application_and_exports(live_app, staff_browser) -> None:
    base, standin = live_app
    page, errors = staff_browser
    account = await seed()
    async with aiohttp.ClientSession(base) as http:
        booking = await book_visit(http, county=account.county)
        loan = await pre_apply_for_loan(http, county=account.county)

    await _log_in(page, base, account.username, account.password)
    await page.locator("#who").wait_for(state="visible")
    assert account.display_name in await page.locator("#who").inner_text()

    # 今日预约: the visit's day, the booking listed with the phone masked, checked in by its code.
    await page.fill("input[name=date]", booking["date"])
    await page.dispatch_event("input[name=date]", "change")
    row = page.locator("[data-testid=agenda-table] tr", has_text=VISITOR["name"])
    await row.wait_for()
    assert VISITOR["phone"] not in await page.content()
    assert "138****8000" in await row.inner_text()
    await page.fill("input[name=code]", booking["code"].lower())
    await page.click(".checkin-box button[type=submit]")
    await page.locator(".notice.ok", has_text="签到成功").wait_for()
    await row.locator(".status", has_text="已签到").wait_for()
    assert (await Appointment.get(id=booking["id"])).status == "checked_in"
    await _screenshot(page, "console-agenda.png")

    # 审核: the loan pre-application, its masked detail and the pre-check, decided with a note.
    await page.click("nav a[data-page=review]")
    await page.locator("[data-testid=review-list] tr", has_text=APPLICANT["name"]).click()
    detail = page.locator("[data-testid=review-detail]")
    await detail.locator("form.decision-form").wait_for()
    detail_text = await detail.inner_text()
    assert APPLICANT["id_number"] not in detail_text and "资格预检" in detail_text
    await detail.locator("input[name=decision][value=rejected]").check()
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.error", has_text="不通过时请填写原因").wait_for()
    await detail.locator("input[name=decision][value=referred]").check()
    await detail.locator("textarea[name=note]").fill("材料齐全，已转经办银行审核")
    await _screenshot(page, "console-review.png")
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="转银行").wait_for()
    decided = await LoanApplication.get(id=loan["id"])
    assert (decided.status, decided.decision_note) == ("referred", "材料齐全，已转经办银行审核")

    # 导出台账: the appointments workbook downloads with the token and opens in openpyxl.
    await page.click("nav a[data-page=export]")
    async with page.expect_download() as info:
        await page.click("button[data-export=appointments]")
    download = await info.value
    workbook = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    cells = {str(c.value) for ws in workbook.worksheets for r in ws.iter_rows() for c in r if c.value is not None}
    assert VISITOR["name"] in cells
    assert download.suggested_filename.endswith(".xlsx")

    # 进度看板: three ECharts canvases drawn from GET /staff/stats.
    await page.click("nav a[data-page=dashboard]")
    for chart in ("chart-targets", "chart-counties", "chart-funnel"):
        await page.locator(f"[data-testid={chart}] canvas").first.wait_for()
    assert "创业担保贷款" in await page.locator("[data-testid=stats-table]").inner_text()
    await page.wait_for_timeout(600)  # let the charts' entry animation finish before the picture
    await _screenshot(page, "console-dashboard.png")

    # 退出登录 forgets the token and revokes the session.
    old_token = await page.evaluate("sessionStorage.getItem('chuangye.staff.token')")
    await page.click("#logout")
    await page.locator("#login-view").wait_for(state="visible")
    assert await page.evaluate("sessionStorage.length") == 0
    async with aiohttp.ClientSession(base) as http:
        resp = await http.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {old_token}"})
        assert resp.status == 401
    assert errors == []
    assert standin is not None


async def test_registry_entry_and_binding_code_work_from_the_console(live_app, staff_browser) -> None:
    base, _ = live_app
    page, errors = staff_browser
    account = await seed()
    await _log_in(page, base, account.username, account.password)
    await page.locator("#who").wait_for(state="visible")

    await page.click("nav a[data-page=registry]")
    form = page.locator("[data-testid=registry-form]")
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="请填写名称").wait_for()
    await form.locator("input[name=name]").fill("演示数据：元谋县创业孵化基地")
    await form.locator("select[name=county]").select_option(account.county)
    await form.locator("button[type=submit]").click()
    await page.locator("[data-testid=registry-table] tr", has_text="演示数据：元谋县创业孵化基地").wait_for()

    await page.click("nav a[data-page=bind]")
    code = (await page.locator("[data-testid=bind-code]").inner_text()).strip()
    assert code.isdigit() and len(code) == 6
    assert f"向公众号发送「绑定 {code}」" in await page.locator("[data-testid=bind-card]").inner_text()
    from handlers.staff import bind_staff_wechat

    bound = await bind_staff_wechat(code, "oa-console-test")
    assert bound is not None and bound.id == (await StaffAccount.get(username=account.username)).id
    assert errors == []


def test_chromium_is_required_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import console_helpers as support

    monkeypatch.setattr(support, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(support, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="Chromium"):
        require_chromium()
