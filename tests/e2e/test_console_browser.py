"""The staff console end to end in Debian's Chromium, against the real app on a free port.

A villager books a visit and pre-applies for a loan through the mini-program API; a window's
staff member then logs in to /console/, finds the booking, checks it in by its code, decides the
application, exports the 台账 and opens the progress dashboard. With CHUANGYE_SCREENSHOTS=1 the
test also writes docs/screenshots/console-*.png at 1366×768.
"""
from __future__ import annotations

import io
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from openpyxl import load_workbook

from tests.support.console import (  # noqa: F401  (live_app and staff_browser are fixtures)
    APPLICANT,
    VISITOR,
    LiveApp,
    book_visit,
    live_app,
    pre_apply_for_loan,
    require_chromium,
    staff_browser,
)
from orm_models import Appointment, LoanApplication
from orm_models.notifications import Notification

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("CHUANGYE_SCREENSHOTS") == "1"
TOKEN_KEY = "chuangye.staff.token"
TZ = ZoneInfo("Asia/Shanghai")


async def _screenshot(page: Any, name: str) -> None:
    if TAKE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / name))


async def _log_in(page: Any, base: str, username: str, password: str, *, expect_ok: bool = True) -> None:
    await page.goto(f"{base}/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("#login-form button[type=submit]")
    if expect_ok:
        await page.locator("#who").wait_for(state="visible")


async def test_staff_member_checks_in_a_booking_decides_an_application_and_exports(live_app: LiveApp, staff_browser) -> None:
    page, errors = staff_browser
    account = await live_app.seed()
    async with aiohttp.ClientSession(live_app.base) as http:
        booking = await book_visit(http, county=account.county)
        loan = await pre_apply_for_loan(http, county=account.county)
    await _log_in(page, live_app.base, account.username, account.password)
    assert account.display_name in await page.locator("#who").inner_text()

    # 今日预约: the visit's day, the booking listed with the phone masked, checked in by its code.
    await page.fill("input[name=date]", booking["date"])
    await page.dispatch_event("input[name=date]", "change")
    row = page.locator("[data-testid=agenda-table] tr", has_text=VISITOR["name"])
    await row.wait_for()
    assert "138****8000" in await row.inner_text()
    assert VISITOR["phone"] not in await page.content()
    await page.fill("input[name=code]", booking["code"].lower())
    await page.click(".checkin-box button[type=submit]")
    await page.locator(".notice.ok", has_text="签到成功").wait_for()
    await row.locator(".status", has_text="已签到").wait_for()
    assert (await Appointment.get(id=booking["id"])).status == "checked_in"
    await _screenshot(page, "console-agenda.png")

    # 审核: the loan pre-application, masked detail with the pre-check, decided with a note.
    await page.click("nav a[data-page=review]")
    await page.locator("[data-testid=review-list] tr", has_text=APPLICANT["name"]).click()
    detail = page.locator("[data-testid=review-detail]")
    await detail.locator("form.decision-form").wait_for()
    detail_text = await detail.inner_text()
    assert APPLICANT["id_number"] not in detail_text and "预审结果" in detail_text and "资格预检" not in detail_text
    await detail.locator("input[name=decision][value=rejected]").check()
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.error", has_text="不通过时请填写原因").wait_for()
    assert (await LoanApplication.get(id=loan["id"])).decided_at is None
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
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    cells = {str(c.value) for ws in workbook.worksheets for r in ws.iter_rows() for c in r if c.value is not None}
    assert VISITOR["name"] in cells and VISITOR["phone"] not in cells

    # 进度看板: three ECharts canvases drawn from GET /staff/stats, the check-in counted.
    await page.click("nav a[data-page=dashboard]")
    for chart in ("chart-targets", "chart-counties", "chart-funnel"):
        await page.locator(f"[data-testid={chart}] canvas").first.wait_for()
    county_row = page.locator("[data-testid=county-table] tr", has_text=account.county)
    assert "创业担保贷款" in await page.locator("[data-testid=stats-table]").inner_text()
    assert await county_row.locator("td").nth(-2).inner_text() == "1"  # 已签到
    services = await page.locator("[data-testid=service-kpis]").inner_text()
    assert "找导师申请" in services and "帮扶记录" in services and "入驻申请" in services
    if TAKE_SCREENSHOTS:
        await page.wait_for_timeout(800)  # the charts' entry animation, before the picture
    await _screenshot(page, "console-dashboard.png")

    # 退出登录 forgets the token and revokes the session on the server.
    old_token = await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
    await page.click("#logout")
    await page.locator("#login-view").wait_for(state="visible")
    assert await page.evaluate("sessionStorage.length") == 0
    async with aiohttp.ClientSession(live_app.base) as http:
        resp = await http.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {old_token}"})
        assert resp.status == 401
    assert errors == []


async def test_window_staff_mark_a_missed_visit_and_retry_a_failed_notification_after_binding_wechat(
    live_app: LiveApp, staff_browser
) -> None:
    page, errors = staff_browser
    account = await live_app.seed()
    async with aiohttp.ClientSession(live_app.base) as http:
        booking = await book_visit(http, county=account.county)
    await live_app.deliver_notifications()  # nobody of the window is bound yet: the event fails
    failed = await Notification.get(kind="appointment_booked", status="failed")
    missed = datetime.now(TZ).replace(second=0, microsecond=0) - timedelta(minutes=30)
    await Appointment.filter(id=booking["id"]).update(start=missed, end=missed + timedelta(minutes=30))
    await _log_in(page, live_app.base, account.username, account.password)

    # 今日预约: a visit whose time has passed is marked 未到场; a late arrival can still be checked in.
    await page.fill("input[name=date]", missed.date().isoformat())
    await page.dispatch_event("input[name=date]", "change")
    row = page.locator("[data-testid=agenda-table] tr", has_text=VISITOR["name"])
    await row.locator("button", has_text="未到场").click()
    await row.locator(".status", has_text="未到场").wait_for()
    assert (await Appointment.get(id=booking["id"])).status == "no_show"
    assert await row.locator("button", has_text="签到").count() == 1

    await page.click("nav a[data-page=notifications]")
    row = page.locator("[data-testid=failed-notifications] tr", has_text="无可用渠道")
    await row.wait_for()

    await page.click("nav a[data-page=registry]")  # window staff read the registries only
    await page.get_by_text("窗口工作人员只能查看登记信息").wait_for()
    assert await page.locator("[data-testid=registry-form]").count() == 0

    await page.click("nav a[data-page=bind]")
    code = (await page.locator("[data-testid=bind-code]").inner_text()).strip()
    assert code.isdigit() and len(code) == 6
    assert f"向公众号发送「绑定 {code}」" in await page.locator("[data-testid=bind-card]").inner_text()
    from handlers.staff.auth import bind_staff_wechat

    bound = await bind_staff_wechat(code, "oa-console-staff")  # what 「绑定 123456」 in the chat does
    assert bound is not None and bound.username == account.username

    await page.click("nav a[data-page=notifications]")
    await row.locator("button", has_text="重试").click()
    await page.locator(".notice.ok", has_text="已重新加入发送队列").wait_for()
    assert (await Notification.get(id=failed.id)).status == "pending"
    await live_app.deliver_notifications()
    paths = ("/cgi-bin/message/template/send", "/cgi-bin/message/custom/send")
    sent = [c for p in paths for c in live_app.standin.calls_to(p, ok_only=True) if c.body.get("touser") == "oa-console-staff"]
    assert sent, "the retried notification never reached the bound staff member"
    assert errors == []


async def test_wrong_password_is_refused_in_chinese_then_the_administrator_registers_a_base_that_the_dashboard_counts(
    live_app: LiveApp, staff_browser
) -> None:
    page, errors = staff_browser
    admin = await live_app.seed(county=None)
    await _log_in(page, live_app.base, admin.username, "not-the-password", expect_ok=False)
    error = page.locator("#login-error")
    await error.wait_for(state="visible")
    assert "用户名或密码错误" in await error.inner_text()
    assert await page.evaluate("sessionStorage.length") == 0
    assert await page.locator("#app-view").is_hidden()
    await _log_in(page, live_app.base, admin.username, admin.password)

    await page.click("nav a[data-page=registry]")
    form = page.locator("[data-testid=registry-form]")
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="请填写名称").wait_for()
    await form.locator("input[name=name]").fill("演示数据：元谋县创业孵化基地")
    await form.locator("select[name=county]").select_option("元谋县")
    await form.locator("button[type=submit]").click()
    await page.locator("[data-testid=registry-table] tr", has_text="演示数据：元谋县创业孵化基地").wait_for()

    await page.click("nav a[data-page=dashboard]")
    kpi = page.locator("[data-testid=kpis] .kpi", has_text="孵化示范基地")
    await kpi.wait_for()
    assert (await kpi.locator(".value").inner_text()).startswith("1")
    assert errors == []


async def test_an_administrator_unlocks_a_locked_account_in_the_console_and_window_staff_see_no_such_page(
    live_app: LiveApp, staff_browser
) -> None:
    from orm_models import AuditLog, StaffAccount

    page, errors = staff_browser
    admin = await live_app.seed(county=None)
    clerk = await StaffAccount.filter(role="window").order_by("id").first()
    await StaffAccount.filter(id=clerk.id).update(locked_until=datetime.now(TZ) + timedelta(hours=3))
    await _log_in(page, live_app.base, admin.username, admin.password)

    await page.click("nav a[data-page=locks]")
    row = page.locator("[data-testid=locked-accounts] tr", has_text=clerk.username)
    await row.wait_for()
    await row.locator("button", has_text="解锁").click()
    await page.locator(".notice.ok", has_text=f"已解锁账号 {clerk.username}").wait_for()
    await page.locator("[data-testid=locked-accounts]", has_text="没有被锁定的账号").wait_for()
    assert (await StaffAccount.get(id=clerk.id)).locked_until is None
    assert (await AuditLog.get(action="unlock_account")).object_id == str(clerk.id)

    await page.click("#logout")
    await _log_in(page, live_app.base, clerk.username, admin.password)  # the demo accounts share one password
    assert await page.locator("nav a[data-page=agenda]").count() == 1
    assert await page.locator("nav a[data-page=locks]").count() == 0
    assert errors == []


def test_chromium_is_required_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import console as console_helpers

    monkeypatch.setattr(console_helpers, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(console_helpers, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="Chromium"):
        require_chromium()


async def test_staff_answer_a_user_waiting_for_a_person_and_turn_an_unanswered_question_into_an_faq(
    live_app: LiveApp, staff_browser
) -> None:
    from handlers.handoff.sessions import start_handoff
    from orm_models import HandoffSession

    page, errors = staff_browser
    admin = await live_app.seed(county=None)
    openid = "oa-villager-0042"
    session, _ = await start_handoff(openid, reason="asked", county="元谋县", transcript=[
        {"who": "user", "text": "我想开个药膳馆，贷款要带哪些材料？"}, {"who": "user", "text": "人工"}])
    question = "松茸收购价格是多少"
    async with aiohttp.ClientSession(live_app.base) as http:
        asked = await (await http.post("/api/v1/ask", json={"question": question})).json()
    assert asked["confident"] is False, asked  # the premise: the knowledge base has no answer yet
    await _log_in(page, live_app.base, admin.username, admin.password)

    # 人工服务: the queue, the conversation so far, a reply sent as a customer-service message, hand-back.
    await page.click("nav a[data-page=handoff]")
    await page.locator("[data-testid=handoff-list] tr", has_text="…r-0042").click()
    detail = page.locator("[data-testid=handoff-detail]")
    await detail.get_by_text("贷款要带哪些材料").wait_for()
    await detail.locator("textarea[name=text]").fill("您好，我是窗口工作人员。所需材料以窗口核对为准，您可以先在公众号预约到窗口办理。")
    await _screenshot(page, "console-handoff.png")
    await detail.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="回复已发送").wait_for()
    sent = [c.body["text"]["content"] for c in live_app.standin.calls_to("/cgi-bin/message/custom/send", ok_only=True)
            if c.body.get("touser") == openid]
    assert any("所需材料以窗口核对为准" in text for text in sent)
    await detail.locator("button[data-action=close]").click()
    await page.locator(".notice.ok", has_text="已结束人工服务").wait_for()
    assert (await HandoffSession.get(id=session.id)).status == "closed"

    # 问答完善: the unconfident question becomes an FAQ entry that answers it at once.
    await page.click("nav a[data-page=faq]")
    await page.locator("[data-testid=faq-backlog] tr", has_text=question).locator("button", has_text="写答案").click()
    editor = page.locator("[data-testid=faq-editor] form")
    await editor.locator("textarea[name=answer]").fill("松茸收购价随行情每天变化，本平台不提供报价，请向当地农产品市场咨询。")
    await editor.locator("input[name=source]").fill("演示数据：请运营人员按实际答复部门填写")
    await _screenshot(page, "console-faq.png")
    await editor.locator("button[type=submit]").click()
    await page.locator("[data-testid=faq-table] tr", has_text="本平台不提供报价").wait_for()
    assert await page.locator("[data-testid=faq-backlog] tr", has_text=question).count() == 0
    async with aiohttp.ClientSession(live_app.base) as http:
        again = await (await http.post("/api/v1/ask", json={"question": question})).json()
    assert "本平台不提供报价" in again["answer"]
    assert errors == []


async def test_an_administrator_registers_a_mentor_assigns_a_request_with_one_click_and_writes_a_follow_up(
    live_app: LiveApp, staff_browser
) -> None:
    from orm_models import MentorFollowUp, MentorRequest
    from tests.support.api import login

    page, errors = staff_browser
    admin = await live_app.seed(county=None)
    await _log_in(page, live_app.base, admin.username, admin.password)
    await page.click("nav a[data-page=mentors]")
    form = page.locator("[data-testid=mentor-form]")
    await form.locator("input[name=name]").fill("杨丽华")
    await form.locator("input[name=organisation]").fill("姚安县电商服务中心")
    await form.locator("input[name=expertise][value=电商]").check()
    await form.locator("input[name=counties][value=姚安县]").check()
    await form.locator("input[name=phone]").fill("13987650001")
    await form.locator("button[type=submit]").click()
    row = page.locator("[data-testid=mentor-table] tr", has_text="杨丽华")
    await row.wait_for()
    assert "139****0001" in await row.inner_text()

    async with aiohttp.ClientSession(base_url=live_app.base) as http:
        headers, _ = await login(http, "console-mentee")
        resp = await http.post("/api/v1/mentor-requests", headers=headers, json={
            "county": "姚安县", "industry": "电商", "need": "网店刚开，想学怎么推广", "name": "李小梅",
            "phone": "13812345678"})
        assert resp.status == 201, await resp.text()
    await page.click("nav a[data-page=dashboard]")
    await page.click("nav a[data-page=mentors]")
    request_row = page.locator("[data-testid=mentor-requests] tr", has_text="网店刚开")
    await request_row.wait_for()
    assert "擅长电商" in await request_row.inner_text()
    await request_row.locator("[data-testid=assign-first]").click()
    await page.locator(".notice.ok", has_text="已分配导师 杨丽华").wait_for()

    follow_up = page.locator("[data-testid=mentor-requests] tr", has_text="网店刚开").locator("[data-testid=follow-up-form]")
    await follow_up.locator("select[name=kind]").select_option("现场指导")
    await follow_up.locator("input[name=note]").fill("到店里讲了直播带货")
    await follow_up.locator("button[type=submit]").click()
    await page.locator("[data-testid=mentor-requests] tr", has_text="现场指导：到店里讲了直播带货").wait_for()
    req = await MentorRequest.get(name="李小梅").prefetch_related("mentor")
    assert req.status == "assigned" and req.mentor.name == "杨丽华"
    assert (await MentorFollowUp.get(request_id=req.id)).kind == "现场指导"


async def test_an_administrator_publishes_an_event_a_user_signs_up_and_window_staff_check_them_in_by_code(
    live_app: LiveApp, staff_browser
) -> None:
    from orm_models import Event, EventRegistration

    page, errors = staff_browser
    clerk = await live_app.seed()  # the county window's staff, for the check-in
    admin = await live_app.seed(county=None)
    await _log_in(page, live_app.base, admin.username, admin.password)
    await page.click("nav a[data-page=events]")
    form = page.locator("[data-testid=event-form]")
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="请填写活动名称").wait_for()
    day = (datetime.now(TZ) + timedelta(days=5)).date().isoformat()
    await form.locator("input[name=title]").fill("元谋县返乡创业经验交流沙龙")
    await form.locator("select[name=kind]").select_option("沙龙·经验交流")
    await form.locator("input[name=start]").fill(f"{day}T14:00")
    await form.locator("input[name=end]").fill(f"{day}T16:00")
    await form.locator("select[name=county]").select_option(clerk.county)
    await form.locator("input[name=capacity]").fill("30")
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="请填写活动地点或直播链接").wait_for()  # the server's 422, per field
    await form.locator("input[name=place]").fill("演示数据：窗口二楼会议室")
    await form.locator("input[name=demo]").check()
    await form.locator("button[type=submit]").click()
    await page.locator("[data-testid=events-table] tr", has_text="元谋县返乡创业经验交流沙龙").wait_for()
    event = await Event.get(title="元谋县返乡创业经验交流沙龙")
    assert event.is_demo and event.capacity == 30 and event.start.astimezone(TZ).hour == 14

    async with aiohttp.ClientSession(live_app.base) as http:
        login = await (await http.post("/api/v1/auth/login", json={"code": "event-goer"})).json()
        headers = {"Authorization": f"Bearer {login['token']}", "Idempotency-Key": "event-goer-1"}
        resp = await http.post("/api/v1/event-registrations", headers=headers,
                               json={"event_id": event.id, "name": VISITOR["name"], "phone": VISITOR["phone"]})
        assert resp.status == 201, await resp.text()
        code = (await resp.json())["registration"]["code"]

    await page.click("#logout")
    await _log_in(page, live_app.base, clerk.username, clerk.password)
    await page.click("nav a[data-page=events]")
    assert await page.locator("[data-testid=event-form]").count() == 0  # window staff do not publish
    row = page.locator("[data-testid=events-table] tr", has_text="元谋县返乡创业经验交流沙龙")
    await row.locator("button", has_text="查看报名").click()
    person = page.locator("[data-testid=registrations-table] tr", has_text=VISITOR["name"])
    await person.wait_for()
    assert VISITOR["phone"][:3] + "****" + VISITOR["phone"][-4:] in await person.inner_text()
    assert VISITOR["phone"] not in await page.content()
    await page.fill("input[name=event_code]", code.lower())
    await page.click("[data-testid=event-checkin] button[type=submit]")
    await page.locator(".notice.ok", has_text="签到成功").wait_for()
    await person.locator(".status", has_text="已签到").wait_for()
    assert (await EventRegistration.get(event_id=event.id)).status == "checked_in"
    await _screenshot(page, "console-events.png")
    assert errors == []
