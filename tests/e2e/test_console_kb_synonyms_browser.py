"""Issue 8, colloquial words as data: in Debian's Chromium against the real app, a county
administrator adds a word on the 知识库 page (a bad one is refused under its field first); 命中测试
then shows the question in that wording answered; once deactivated, it is not any more."""
from __future__ import annotations

import pytest

from orm_models import KbSynonym
from tests.e2e.test_console_browser import _log_in
from tests.support.console import COUNTY, LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

QUESTION = "老兵能贷多少"  # 老兵 is not in the shipped table


async def _hit_test(page) -> str:
    await page.click("nav a[data-page=hit-test]")
    form = page.locator("[data-testid=hit-form]")
    await form.locator("textarea[name=question]").fill(QUESTION)
    await form.locator("button[type=submit]").click()
    verdict = page.locator("[data-testid=hit-confident]")
    await verdict.wait_for()
    return await verdict.inner_text()


async def test_a_county_administrator_adds_a_colloquial_word_that_hit_testing_then_understands(
    live_app: LiveApp, staff_browser
) -> None:
    from handlers.staff.accounts import DEMO_PASSWORD, create_staff

    page, errors = staff_browser
    await live_app.seed()
    await create_staff("kb_words_ym", "county", DEMO_PASSWORD, county=COUNTY, display_name="元谋县管理员（测试）")
    await _log_in(page, live_app.base, "kb_words_ym", DEMO_PASSWORD)
    assert "没把握" in await _hit_test(page)

    await page.click("nav a[data-page=kb]")
    await page.get_by_text("同义词：老百姓的说法（点击展开）").click()
    form = page.locator("[data-testid=kb-synonym-add]")
    await form.locator("input[name=canonical]").fill("退役 军人")
    await form.locator("input[name=variants]").fill("老兵，当过兵的人")
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="只能包含汉字、字母和数字").wait_for()
    assert await KbSynonym.all().count() == 0

    await form.locator("input[name=canonical]").fill("退役军人")
    await form.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="已保存：老兵、当过兵的人 → 退役军人").wait_for()
    row = page.locator("[data-testid=kb-synonyms-table] tbody tr", has_text="退役军人")
    await row.wait_for()
    entry = await KbSynonym.get(canonical="退役军人")
    assert (entry.variants, entry.active) == (["老兵", "当过兵的人"], True)
    assert "有把握" in await _hit_test(page)

    await page.click("nav a[data-page=kb]")
    await page.get_by_text("同义词：老百姓的说法（点击展开）").click()
    await page.locator("[data-testid=kb-synonyms-table] button[data-action=deactivate-synonym]").click()
    await page.locator(".notice.ok", has_text="已停用“退役军人”的说法").wait_for()
    assert (await KbSynonym.get(id=entry.id)).active is False
    assert "没把握" in await _hit_test(page)
    assert errors == []
