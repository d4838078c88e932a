"""Similar questions (相似问法) in the console, in Debian's Chromium against the real app: a county
administrator adds the way villagers ask to a segment (a too-long one is named under the field),
sees them on the segment, and 命中测试 then finds the segment by them with a confident reply."""
from __future__ import annotations

import pytest

from handlers.knowledge_ops.documents import import_document
from orm_models import KbSegment
from tests.e2e.test_console_browser import _log_in
from tests.e2e.test_console_kb_browser import _county_admin
from tests.support.console import COUNTY, LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)
from tests.support.kb_files import TOPIC_FACT

pytestmark = pytest.mark.browser

TITLE = "彝绣创业大赛报名通知（测试数据）"
COLLOQUIAL = "绣花比赛哪阵截止"


async def test_a_county_administrator_adds_similar_questions_and_the_hit_test_finds_the_segment_by_them(
    live_app: LiveApp, staff_browser
) -> None:
    page, errors = staff_browser
    username, password = await _county_admin(live_app)
    imported = await import_document(None, "notice.md", f"# {TITLE}\n\n## 报名时间\n{TOPIC_FACT}\n".encode(),
                                     {"confidence": "已确认", "county": COUNTY})
    await _log_in(page, live_app.base, username, password)
    await page.click("nav a[data-page=kb]")
    await page.locator("[data-testid=kb-table] tr", has_text=TITLE).click()
    segment = page.locator("[data-testid=kb-detail] [data-testid=kb-segment]", has_text="报名时间")
    await segment.get_by_text(TOPIC_FACT).wait_for()

    await segment.locator("button[data-action=edit]").click()
    questions = segment.locator("textarea[name=questions]")
    await questions.fill(f"{COLLOQUIAL}\n{'长' * 101}")
    await segment.locator("button[type=submit]").click()
    await segment.locator(".field-error", has_text="相似问法").wait_for()
    assert (await KbSegment.get(document_id=imported.document.id)).questions == []

    await questions.fill(f"{COLLOQUIAL}\n\n绣花比赛几号之前报\n")
    await segment.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="段落已保存").wait_for()
    shown = page.locator("[data-testid=kb-detail] [data-testid=kb-segment-questions]")
    await shown.get_by_text(f"相似问法：{COLLOQUIAL}｜绣花比赛几号之前报").wait_for()
    assert (await KbSegment.get(document_id=imported.document.id)).questions == [COLLOQUIAL, "绣花比赛几号之前报"]

    await page.click("nav a[data-page=hit-test]")
    hit_form = page.locator("[data-testid=hit-form]")
    await hit_form.locator("textarea[name=question]").fill(COLLOQUIAL)
    await hit_form.locator("input[name=include_drafts]").check()
    await hit_form.locator("button[type=submit]").click()
    reply = page.locator("[data-testid=hit-reply]")
    await reply.get_by_text(TOPIC_FACT).wait_for()
    assert "有把握" in await page.locator("[data-testid=hit-confident]").inner_text()
    assert COLLOQUIAL not in await reply.inner_text()
    assert errors == []
