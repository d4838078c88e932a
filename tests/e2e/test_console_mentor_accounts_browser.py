"""A mentor's login opened in the console (Chromium, the real app on a free port).

The prefecture administrator opens 导师帮扶, clicks 开通登录账号 on a mentor, is told about a bad
password in Chinese, then creates the login and is shown the one-time bind code; the mentor then
logs in, sees only 导师帮扶 and 绑定微信, and only their own mentee, and writes a follow-up.
"""
from __future__ import annotations

import pytest

from tests.support.console import LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PASSWORD = "mentor-first-password"


async def _log_in(page, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("#login-form button[type=submit]")
    await page.locator("#who").wait_for(state="visible")


async def test_an_administrator_opens_a_mentors_login_and_the_mentor_sees_only_their_mentee(
        live_app: LiveApp, staff_browser) -> None:
    from handlers.mentors.requests import assign_mentor, submit_request
    from handlers.users import find_or_create_user
    from orm_models import BindCode, Mentor, MentorFollowUp, StaffAccount

    page, errors = staff_browser
    admin = await live_app.seed(county=None)
    mine = await Mentor.create(name="测试导师甲", county="姚安县", counties=["姚安县"], expertise="电商", capacity=3)
    other = await Mentor.create(name="测试导师乙", county="姚安县", counties=["姚安县"], expertise="电商", capacity=3)
    pref = await StaffAccount.get(username=admin.username)
    for n, (mentor, need) in enumerate(((mine, "网店刚开想学推广"), (other, "想做直播带货"))):
        user = await find_or_create_user("mp", f"console-mentee-{n}")
        req = await submit_request(user.id, {"county": "姚安县", "industry": "电商", "need": need,
                                             "name": "李小梅", "phone": f"1381234567{n}"})
        await assign_mentor(pref, req.id, mentor.id)

    await _log_in(page, live_app.base, admin.username, admin.password)
    await page.click("nav a[data-page=mentors]")
    row = page.locator("[data-testid=mentor-table] tr", has_text="测试导师甲")
    await row.locator("[data-testid=open-account]").click()
    form = page.locator("[data-testid=mentor-account-form]")
    await form.locator("input[name=username]").fill("mentor_jia")
    await form.locator("input[name=password]").fill("short")
    await form.locator("button[type=submit]").click()
    await page.locator(".notice", has_text="密码至少 10 个字符").wait_for()
    await form.locator("input[name=password]").fill(PASSWORD)
    await form.locator("button[type=submit]").click()
    code = (await page.locator("[data-testid=mentor-bind-code]").inner_text()).strip()
    assert len(code) == 6 and code.isdigit()
    assert f"绑定 {code}" in await page.locator("[data-testid=mentor-bind-card]").inner_text()
    await page.locator("[data-testid=mentor-table] tr", has_text="测试导师甲").locator("text=已开通账号").wait_for()
    account = await StaffAccount.get(username="mentor_jia")
    assert (await Mentor.get(id=mine.id)).account_id == account.id
    assert await BindCode.filter(staff_id=account.id, code=code, used_at=None).exists()

    await page.click("#logout")
    await _log_in(page, live_app.base, "mentor_jia", PASSWORD)
    nav = [t.strip() for t in await page.locator("nav a").all_inner_texts()]
    assert nav == ["导师帮扶", "绑定微信"]
    await page.click("nav a[data-page=mentors]")
    table = page.locator("[data-testid=mentor-requests]")
    await table.locator("tr", has_text="网店刚开想学推广").wait_for()
    assert "想做直播带货" not in await table.inner_text()
    follow_up = table.locator("tr", has_text="网店刚开想学推广").locator("[data-testid=follow-up-form]")
    await follow_up.locator("select[name=kind]").select_option("政策咨询")
    await follow_up.locator("input[name=note]").fill("讲了创业担保贷款的条件")
    await follow_up.locator("button[type=submit]").click()
    await table.locator("tr", has_text="政策咨询：讲了创业担保贷款的条件").wait_for()
    assert (await MentorFollowUp.get(author_id=account.id)).author_role == "mentor"
    assert errors == []
