"""Done-when of issue 8, in Debian's Chromium against the real app: a county administrator imports a
.docx notice in the console, previews and edits a segment, tries it in 命中测试 with the drafts, and
publishes it; the bot then answers from it, citing it, over the callback and /ask; feedback from the
chat and the API shows on the segment and in 问答完善; once disabled, the bot no longer uses it.
Window staff read and hit-test but see no change actions. With CHUANGYE_SCREENSHOTS=1 the test writes
docs/screenshots/console-kb.png and console-hit-test.png at 1366×768.
"""
from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.emulator import WeChatServer
from handlers import texts
from orm_models import KbDocument, KbSegment, QuestionLog
from tests.e2e.test_console_browser import _log_in, _screenshot
from tests.support.console import COUNTY, LiveApp, live_app, staff_browser  # noqa: F401  (fixtures)
from tests.support.kb_files import TOPIC_FACT, TOPIC_QUESTION, docx_bytes

pytestmark = pytest.mark.browser

TITLE = "关于举办彝绣创业大赛的通知（测试数据）"
EDITED_FACT = "彝绣创业大赛每年3月1日至4月10日报名（测试数据）。"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _county_admin(live_app: LiveApp) -> tuple[str, str]:
    from handlers.staff.accounts import DEMO_PASSWORD, create_staff

    await live_app.seed()
    await create_staff("kb_admin_ym", "county", DEMO_PASSWORD, county=COUNTY, display_name="元谋县管理员（测试）")
    return "kb_admin_ym", DEMO_PASSWORD


async def _say(live_app: LiveApp, http: aiohttp.ClientSession, openid: str, text: str) -> str:
    server = WeChatServer.from_config(live_app.config, plaintext=False)
    status, fields, raw = await server.post(http, live_app.config.wechat.official_account.callback_path, server.text(openid, text), openid)
    assert status == 200, raw
    return fields.get("Content", "")


async def _ask(http: aiohttp.ClientSession) -> dict[str, Any]:
    resp = await http.post("/api/v1/ask", json={"question": TOPIC_QUESTION})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def _cites(answer: dict[str, Any], document_id: int) -> bool:
    return answer["confident"] and any(s["id"].startswith(f"kb{document_id}#") for s in answer["sources"])


async def test_a_county_administrator_imports_edits_tests_and_publishes_a_docx_that_the_bot_then_answers_from(
    live_app: LiveApp, staff_browser
) -> None:
    page, errors = staff_browser
    username, password = await _county_admin(live_app)
    notice = docx_bytes([("报名时间", "Heading 1"), (TOPIC_FACT, None), ("奖励", "Heading 1"),
                         ("一等奖1名，奖励以正式通知为准（测试数据）。", None)], title=TITLE)
    await _log_in(page, live_app.base, username, password)

    # 知识库: import the .docx as a draft with the §7 fields.
    await page.click("nav a[data-page=kb]")
    form = page.locator("[data-testid=kb-upload]")
    await page.get_by_text("导入文档（点击展开）").click()
    await form.locator("button[type=submit]").click()
    await form.locator(".field-error", has_text="请选择要导入的文件").wait_for()
    await form.locator("input[name=file]").set_input_files(
        {"name": "彝绣大赛通知.docx", "mimeType": DOCX_MIME, "buffer": notice})
    await form.locator("input[name=issuer]").fill("元谋县人力资源和社会保障局（测试）")
    await form.locator("input[name=doc_number]").fill("元人社通〔2026〕1号（测试）")
    await form.locator("input[name=published_on]").fill("2026-02-20")
    await form.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text=f"已导入「{TITLE}」为草稿，共 2 段").wait_for()
    document = await KbDocument.get(title=TITLE)
    assert (document.status, document.county, document.doc_number) == ("draft", COUNTY, "元人社通〔2026〕1号（测试）")

    # Preview: the segments, then an edit of the first one.
    detail = page.locator("[data-testid=kb-detail]")
    segment = detail.locator("[data-testid=kb-segment]", has_text="报名时间")
    await segment.get_by_text(TOPIC_FACT).wait_for()
    assert "用了 0 次，0 次被评没用" in await segment.inner_text()
    await segment.locator("button[data-action=edit]").click()
    await segment.locator("textarea[name=text]").fill(EDITED_FACT)
    await segment.locator("button[type=submit]").click()
    await page.locator(".notice.ok", has_text="段落已保存").wait_for()
    await detail.locator("[data-testid=kb-segment]", has_text=EDITED_FACT).wait_for()
    assert (await KbSegment.get(document_id=document.id, position=1)).text == EDITED_FACT
    await detail.locator("[data-testid=kb-revisions] tr", has_text="修改段落").wait_for()

    # 命中测试: not answered from a draft, answered once drafts are included.
    await page.click("nav a[data-page=hit-test]")
    hit_form = page.locator("[data-testid=hit-form]")
    await hit_form.locator("textarea[name=question]").fill(TOPIC_QUESTION)
    await hit_form.locator("button[type=submit]").click()
    reply = page.locator("[data-testid=hit-reply]")
    await reply.wait_for()
    assert EDITED_FACT not in await reply.inner_text()
    await hit_form.locator("input[name=include_drafts]").check()
    await hit_form.locator("button[type=submit]").click()
    await reply.get_by_text(EDITED_FACT).wait_for()
    assert "有把握" in await page.locator("[data-testid=hit-confident]").inner_text()
    first_hit = page.locator("[data-testid=hit-table] tbody tr").first
    assert TITLE in await first_hit.inner_text()
    draft_reply = await reply.inner_text()
    await _screenshot(page, "console-hit-test.png")

    # Publish from the document's page (the hit links there).
    await first_hit.locator("a").click()
    await detail.locator("button[data-action=publish]").click()
    await page.locator(".notice.ok", has_text=f"已发布「{TITLE}」").wait_for()
    assert (await KbDocument.get(id=document.id)).status == "published"

    async with aiohttp.ClientSession(live_app.base) as http:
        answer = await _ask(http)
        assert _cites(answer, document.id) and EDITED_FACT in answer["answer"]
        assert answer["answer"] == draft_reply.strip()  # the hit test showed what a user gets
        chat = await _say(live_app, http, "oa-kb-villager", TOPIC_QUESTION)
        assert EDITED_FACT in chat and f"来源：《{TITLE}》" in chat and chat.endswith(texts.FEEDBACK_HINT)

        # Feedback: 没用 in the chat right after the answer, and over the API against /ask's answer id.
        assert await _say(live_app, http, "oa-kb-villager", "没用") == texts.FEEDBACK_SORRY
        resp = await http.post(f"/api/v1/ask/{answer['answer_id']}/feedback", json={"helpful": False})
        assert resp.status == 200, await resp.text()
    assert await QuestionLog.filter(helpful=False).count() == 2

    # The console shows it: on the segment, and in 问答完善 with the segment used.
    await page.click("nav a[data-page=faq]")
    backlog_row = page.locator("[data-testid=faq-backlog] tr", has_text=TOPIC_QUESTION)
    await backlog_row.wait_for()
    assert "2 次" in await backlog_row.inner_text() and "报名时间" in await backlog_row.inner_text()
    await page.click("nav a[data-page=kb]")
    await page.locator("[data-testid=kb-table] tr", has_text=TITLE).click()
    used = detail.locator("[data-testid=kb-segment]", has_text="用了 2 次，2 次被评没用")
    await used.wait_for()
    await used.scroll_into_view_if_needed()
    await _screenshot(page, "console-kb.png")

    # Disabled: the bot no longer answers from it, over either channel.
    await detail.locator("button[data-action=disable]").click()
    await page.locator(".notice.ok", has_text=f"已停用「{TITLE}」").wait_for()
    async with aiohttp.ClientSession(live_app.base) as http:
        answer = await _ask(http)
        assert not _cites(answer, document.id) and EDITED_FACT not in answer["answer"]
        assert EDITED_FACT not in await _say(live_app, http, "oa-kb-villager", TOPIC_QUESTION)
    assert errors == []


async def test_window_staff_read_the_knowledge_base_and_hit_test_but_see_no_change_actions(
    live_app: LiveApp, staff_browser
) -> None:
    page, errors = staff_browser
    account = await live_app.seed()
    await _log_in(page, live_app.base, account.username, account.password)
    await page.click("nav a[data-page=kb]")
    row = page.locator("[data-testid=kb-table] tr", has_text="待核对").first  # shipped documents to check
    await row.wait_for()
    await row.click()
    detail = page.locator("[data-testid=kb-detail]")
    await detail.locator("[data-testid=kb-segment]").first.wait_for()
    assert "用了" in await detail.locator("[data-testid=kb-segment]").first.inner_text()
    assert await page.locator("[data-testid=kb-upload]").count() == 0
    assert await detail.locator("button").count() == 0
    assert "窗口工作人员可以查看和做命中测试" in await page.locator("main").inner_text()

    await page.click("nav a[data-page=hit-test]")
    await page.locator("[data-testid=hit-form] textarea[name=question]").fill("怎么办理护照")
    await page.locator("[data-testid=hit-form] button[type=submit]").click()
    await page.locator("[data-testid=hit-confident]", has_text="没把握").wait_for()
    assert "不敢乱说" in await page.locator("[data-testid=hit-reply]").inner_text()
    assert errors == []
