"""Security review of personal data: no full ID or mobile number in plaintext anywhere the service
keeps things (database rows, the store, its JSON logs), and none shown to staff in free text.

``plaintext_in`` looks at the digits of each stored value, so a number typed with spaces,
hyphens, full-width digits or +86 is found too.
"""
from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from tests.support.chat import Chat, seed_windows_and_courses
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.builders import with_check_digit
from tests.support.staff import make_staff, token

ID = with_check_digit("53232519880312401")
PHONE = "13712345679"
SPACED_ID = " ".join([ID[:6], ID[6:14], ID[14:]])
ODD_PHONE = f"+86 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}"
API = "/api/v1"


def plaintext_in(values: list[str]) -> list[str]:
    """The values that hold ID or PHONE, however the digits were written."""
    def digits(v: str) -> str:
        return re.sub(r"[^0-9Xx]", "", unicodedata.normalize("NFKC", v)).upper()
    return [v for v in values if ID in digits(v) or PHONE in digits(v)]


async def db_values() -> list[str]:
    from tortoise import Tortoise

    out = []
    for model in Tortoise.apps["models"].values():
        for row in await model.all().values():
            out += [f"{model.__name__}.{k}={v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
                    for k, v in row.items()]
    return out


# bot/conversation.py keeps each reply for WeChat's retries (msg:) and undelivered replies
# (pending:); a confirmation summary shows its owner the phone in full. Checked separately below.
REPLY_CACHES = re.compile(r"(^|:)(msg|pending):")


async def store_values(store: Any, *, reply_caches: bool = False) -> list[str]:
    from chuangye.store import MemoryStore

    if isinstance(store, MemoryStore):
        items = [(k, v[0]) for k, v in store._data.items()]
    else:
        keys = [k async for k in store.client.scan_iter(match=f"{store.ns}*")]
        items = [(k, await store.client.get(k)) for k in keys if await store.client.type(k) == "string"]
    return [f"{k}={v}" for k, v in items if reply_caches or not REPLY_CACHES.search(k)]


@pytest.fixture
def json_logs():
    """The app's JSON log lines at DEBUG, exactly as `logging: {json: true}` writes them."""
    from chuangye.log import JsonFormatter

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: buffer.getvalue().splitlines()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def loan_by_chat_until_the_summary(chat: Chat) -> str:
    await chat.say("贷款预申请")
    for answer in ("创业担保贷款", "返乡创业农民工", "元谋县", "民族药膳馆", "10万", "购买设备", "王小花", ID):
        await chat.say(answer)
    return await chat.say(PHONE)


def test_scrub_masks_ids_and_mobiles_however_they_are_typed():
    from chuangye.pii import scrub

    written = [ID, SPACED_ID, f"{ID[:6]}-{ID[6:14]}-{ID[14:]}", unicodedata.normalize("NFKC", ID).translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}), PHONE, ODD_PHONE, "86" + PHONE, "１３７１２３４５６７９"]
    for text in written:
        masked = scrub(f"我的号码是{text}，请核对")
        assert not plaintext_in([masked]), masked
        assert "**" in masked
    assert scrub("申请 300000 元，2024年10月，编号 123456789012") == "申请 300000 元，2024年10月，编号 123456789012"


_DIGITS = "0123456789\uff10\uff11\uff13\uff18"
_NUMBER = st.tuples(st.lists(st.sampled_from(_DIGITS + "Xx\uff38"), min_size=8, max_size=20),
                    st.lists(st.sampled_from(["", "", "", " ", "-", "\u3000", "  ", "--"]), min_size=20, max_size=20)
                    ).map(lambda parts: "".join(c + sep for c, sep in zip(*parts)))
_FILLER = st.sampled_from(["", "+86", "\uff0b86", "86", "号码", "a", "X", "元，", "1", " "])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_NUMBER, _FILLER), max_size=6).map("".join))
def test_scrub_skips_the_full_patterns_only_where_they_cannot_match(text):
    """``scrub`` runs its two patterns only on text with 11 digits in a row (one separator at most
    between two): the same result as running them on everything."""
    from chuangye import pii

    full = pii._MOBILE_TEXT.sub(lambda m: pii.mask_phone(pii._plain(m)[-11:]),
                                pii._ID_TEXT.sub(lambda m: pii.mask_id(pii._plain(m).upper()), text))
    assert pii.scrub(text) == full
    assert pii.scrub(f"我的号码是{text}，请核对") == f"我的号码是{full}，请核对"


async def test_an_unfinished_chat_form_keeps_no_full_id_or_phone_in_the_store(client, config):
    from orm_models import LoanApplication

    await seed_windows_and_courses()
    chat = Chat(client, config, "o-pii-form")
    summary = await loan_by_chat_until_the_summary(chat)
    assert "请核对贷款预申请信息" in summary
    assert plaintext_in(await store_values(chat.store)) == []
    assert "贷款预申请已提交" in await chat.say("确认")
    from chuangye.pii import decrypt

    loan = await LoanApplication.get(user__openid="o-pii-form")
    assert (decrypt(loan.id_enc), decrypt(loan.phone_enc)) == (ID, PHONE)


async def test_a_whole_journey_leaves_no_plaintext_id_or_phone_in_rows_store_or_logs(client, config, standin,
                                                                                    json_logs):
    await seed_windows_and_courses()
    # The mini-program: log in, bind the phone, pre-apply for a loan.
    login = await (await client.post(f"{API}/auth/login", json={"code": "pii-user"})).json()
    user = {"Authorization": f"Bearer {login['token']}"}
    assert (await client.post(f"{API}/auth/phone", json={"code": PHONE}, headers=user)).status == 200
    resp = await client.post(f"{API}/loan-applications", headers={**user, "Idempotency-Key": "pii-1"}, json={
        "product": "创业担保贷款", "category": "返乡创业农民工", "county": "元谋县", "business_type": "民族药膳馆",
        "amount": 100000, "purpose": "购买设备", "name": "王小花", "id_number": ID, "phone": PHONE})
    assert resp.status == 201, await resp.text()
    # The official account: a form up to its summary, then 人工 with the draft.
    chat = Chat(client, config, "o-pii-journey")
    await loan_by_chat_until_the_summary(chat)
    assert "人工" in await chat.say("人工 元谋")
    # Staff: an administrator opens the application in full and exports it.
    await make_staff("pii_admin", "county", county="元谋县")
    admin = await token(client, "pii_admin")
    listed = await (await client.get(f"{API}/staff/loan-applications", headers=admin)).json()
    app_id = listed["applications"][0]["id"]
    detail = await (await client.get(f"{API}/staff/loan-applications/{app_id}", headers=admin)).json()
    assert detail["application"]["id_number"] == ID  # entitled, and audited
    assert (await client.get(f"{API}/staff/export/loan-applications.xlsx", headers=admin)).status == 200
    handoffs = await (await client.get(f"{API}/staff/handoffs", headers=admin)).json()
    assert handoffs["sessions"][0]["draft"]

    assert plaintext_in(await db_values()) == []
    assert plaintext_in(await store_values(chat.store)) == []
    lines = json_logs()
    assert lines and plaintext_in(lines) == []


FREE_TEXT = f"打麻将有什么技巧？{SPACED_ID}，{ODD_PHONE}"


async def test_a_question_with_personal_numbers_is_shown_to_staff_masked(client, config):
    await seed_windows_and_courses()
    await make_staff("pii_window", "window", window_id=(await _yuanmou_window()).id)
    chat = Chat(client, config, "o-pii-question")
    await chat.say(FREE_TEXT)
    await client.post(f"{API}/ask", json={"question": f"火车票怎么买 {ID} {PHONE}"})
    backlog = await (await client.get(f"{API}/staff/questions/unconfident",
                                      headers=await token(client, "pii_window"))).json()
    shown = [g["question"] for g in backlog["groups"]]
    assert shown and plaintext_in(shown) == []


async def test_a_handoff_transcript_is_shown_to_staff_masked(client, config):
    await seed_windows_and_courses()
    await make_staff("pii_window", "window", window_id=(await _yuanmou_window()).id)
    chat = Chat(client, config, "o-pii-handoff")
    await chat.say(FREE_TEXT)
    await chat.say("人工 元谋")
    await chat.say(f"再说一遍：{SPACED_ID}，{ODD_PHONE}")
    window = await token(client, "pii_window")
    sid = (await (await client.get(f"{API}/staff/handoffs", headers=window)).json())["sessions"][0]["id"]
    detail = await (await client.get(f"{API}/staff/handoffs/{sid}", headers=window)).json()
    texts = [m["text"] for m in detail["messages"]]
    assert any("**" in t for t in texts) and plaintext_in(texts) == []


# Storage of free text is owned by handlers/knowledge_ops/ask.py and handlers/handoff/sessions.py (another engineer's
# files during this review): they should store ``chuangye.pii.scrub(text)``. Until then:
async def test_questions_and_transcripts_are_stored_without_full_numbers(client, config):
    from orm_models import HandoffMessage, QuestionLog

    await seed_windows_and_courses()
    chat = Chat(client, config, "o-pii-stored")
    await chat.say(FREE_TEXT)
    await chat.say("人工 元谋")
    await chat.say(f"再说一遍：{SPACED_ID}，{ODD_PHONE}")
    await client.post(f"{API}/ask", json={"question": f"火车票怎么买 {ID} {PHONE}"})
    stored = [q.question for q in await QuestionLog.all()] + [m.text for m in await HandoffMessage.all()]
    assert plaintext_in(stored) == []
    assert plaintext_in(await store_values(chat.store)) == []


async def test_the_reply_caches_keep_no_full_phone(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-pii-replies")
    await loan_by_chat_until_the_summary(chat)
    assert plaintext_in(await store_values(chat.store, reply_caches=True)) == []


async def _yuanmou_window():
    from orm_models import Window

    return await Window.get(county="元谋县")
