"""Done-when of issue 8 for the other formats: an .xlsx question–answer sheet and a .pdf notice,
imported over the API and published, are answered from, citing them, over both the callback and
/ask; once disabled, neither channel uses them. (Bad files: tests/api/test_staff_kb.py.)"""
from __future__ import annotations

import pytest

from tests.api.test_staff_kb import _staff, ask, cites, uploaded
from tests.support.chat import Chat
from tests.support.kb_files import TOPIC_FACT, TOPIC_QUESTION, pdf_bytes, xlsx_bytes
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff/kb"


@pytest.mark.parametrize("filename,make", [
    ("问答.xlsx", lambda: xlsx_bytes([["问题", "答案", "依据"], [TOPIC_QUESTION, TOPIC_FACT, "州人社局通知（测试）"]])),
    ("通知.pdf", lambda: pdf_bytes(f"第一章 彝绣创业大赛报名时间\n{TOPIC_FACT}")),
])
async def test_a_published_sheet_or_pdf_is_answered_from_in_chat_and_over_the_api_until_disabled(
        client, config, filename, make):
    heads = await _staff(client)
    doc = await uploaded(client, heads, filename, make(), title="彝绣创业大赛（测试）")
    chat = Chat(client, config, f"o-format-{doc['id']}")
    assert TOPIC_FACT not in await chat.say(TOPIC_QUESTION)  # a draft

    assert (await client.post(f"{API}/documents/{doc['id']}/publish", headers=heads)).status == 200
    answer = await ask(client)
    assert cites(answer, doc["id"]) and TOPIC_FACT in answer["answer"]
    reply = await chat.say(TOPIC_QUESTION)
    assert TOPIC_FACT in reply and "来源：《彝绣创业大赛（测试）》" in reply

    assert (await client.post(f"{API}/documents/{doc['id']}/disable", headers=heads)).status == 200
    assert not cites(await ask(client), doc["id"])
    assert TOPIC_FACT not in await chat.say(TOPIC_QUESTION)
