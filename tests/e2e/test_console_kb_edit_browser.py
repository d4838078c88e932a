"""编辑文档信息 in Debian's Chromium against the real app: a county administrator opens a document
of their county, sees a bad 有效期至 refused under the field in Chinese, then clears 待核对 and
renews 有效期至; the mark disappears and the bot still answers from it."""
from __future__ import annotations

from datetime import date

import aiohttp
import pytest

from orm_models import AuditLog, KbDocument
from tests.e2e.test_console_browser import _log_in
from tests.e2e.test_console_kb_browser import _ask, _cites, _county_admin
from tests.support.console import COUNTY, LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)
from tests.support.kb_files import TOPIC_FACT

pytestmark = pytest.mark.browser

TITLE = "彝绣创业大赛报名须知（译述，测试数据）"


async def test_a_county_administrator_clears_the_check_mark_and_renews_valid_until(live_app: LiveApp, staff_browser) -> None:
    from handlers.knowledge_ops.documents import import_document
    from orm_models import StaffAccount

    page, errors = staff_browser
    username, password = await _county_admin(live_app)
    admin = await StaffAccount.get(username=username)
    body = f"# {TITLE}\n\n## 报名时间\n{TOPIC_FACT}\n".encode()
    imported = await import_document(admin, "notice.md", body, {"confidence": "未确认", "valid_until": "2026-12-31"},
                                     publish=True)
    document = imported.document
    await KbDocument.filter(id=document.id).update(needs_check=True)  # a paraphrase still to check
    await _log_in(page, live_app.base, username, password)

    await page.click("nav a[data-page=kb]")
    row = page.locator("[data-testid=kb-table] tr", has_text=TITLE)
    await row.locator(".mark", has_text="待核对").wait_for()
    await row.click()
    detail = page.locator("[data-testid=kb-detail]")
    await detail.locator("h3 .mark", has_text="待核对").wait_for()
    await detail.locator("details.kb-edit summary", has_text="编辑文档信息").click()
    form = detail.locator("[data-testid=kb-edit]")
    assert await form.locator("input[name=needs_check]").is_checked()
    assert await form.locator("input[name=valid_until]").input_value() == "2026-12-31"
    assert await form.locator("select[name=county]").is_disabled()  # a county administrator's stay theirs

    # A year the service does not accept: the server's Chinese reason under the field, nothing saved.
    await form.locator("input[name=valid_until]").fill("1900-01-01")
    await form.locator("button[type=submit]").click()
    await form.locator("input[name=valid_until] + .field-error", has_text="有效期至应在 2000 至 2099 年之间").wait_for()
    assert (await KbDocument.get(id=document.id)).version == document.version

    # Checked against the original and renewed.
    await form.locator("input[name=needs_check]").uncheck()
    await form.locator("input[name=valid_until]").fill("2027-12-31")
    await form.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text=f"已保存「{TITLE}」的文档信息").wait_for()
    await detail.locator("dd", has_text="2027-12-31").wait_for()
    assert await detail.locator(".mark", has_text="待核对").count() == 0
    assert await row.locator(".mark", has_text="待核对").count() == 0
    await detail.locator("[data-testid=kb-revisions] tr", has_text="修改文档信息").wait_for()

    stored = await KbDocument.get(id=document.id)
    assert (stored.needs_check, stored.valid_until, stored.county) == (False, date(2027, 12, 31), COUNTY)
    audit = await AuditLog.get(action="kb_document_edit", object_id=str(document.id))
    assert audit.detail["changed"] == ["valid_until", "needs_check"]
    async with aiohttp.ClientSession(live_app.base) as http:
        assert _cites(await _ask(http), document.id)
    assert errors == []
