"""Every message and event type gets a sensible Chinese answer through the real app (safe mode)."""
from __future__ import annotations

import pytest

from handlers import texts
from bot.emulator import WeChatServer
from bot.skills import Priority, add_skill
from server.app import create_app
from tests.support.env import SQLITE_ONLY

PATH = "/wechat/official"

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


@pytest.fixture
def wx(config):
    return WeChatServer.from_config(config)


async def ask(client, wx, xml):
    status, fields, raw = await wx.post(client, PATH, xml)
    assert status == 200, raw
    assert "Traceback" not in raw
    return fields.get("Content")  # None means the body was "success"


async def test_a_policy_question_gets_the_amount_with_its_source(client, wx):
    answer = await ask(client, wx, wx.text("u-text", "我是返乡农民工，想贷款开个药膳馆，能贷多少？"))
    assert "30万元" in answer and "来源" in answer


@SQLITE_ONLY
async def test_voice_with_recognition_is_answered_like_text(client, wx):
    xml = wx.xml("u-voice", "voice", MediaId="m1", Format="amr", Recognition="创业担保贷款最多能贷多少钱？")
    answer = await ask(client, wx, xml)
    assert "30万元" in answer


@SQLITE_ONLY
async def test_voice_without_recognition_asks_the_user_to_type(client, wx):
    answer = await ask(client, wx, wx.xml("u-voice2", "voice", MediaId="m2", Format="amr"))
    assert answer == texts.VOICE_UNRECOGNISED


@SQLITE_ONLY
@pytest.mark.parametrize("msg_type,fields,expected", [
    ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m"}, texts.IMAGE),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}, texts.VIDEO),
    ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}, texts.VIDEO),
    ("link", {"Title": "创业补贴通知", "Description": "d", "Url": "http://example.invalid/"},
     texts.LINK.format(title="创业补贴通知")),
    ("miniprogrampage", {"Title": "t", "AppId": "a", "PagePath": "p"}, texts.UNSUPPORTED),
])
async def test_media_messages_say_what_was_received_and_how_to_go_on(client, wx, msg_type, fields, expected):
    assert await ask(client, wx, wx.xml(f"u-{msg_type}", msg_type, **fields)) == expected


@SQLITE_ONLY
async def test_a_greeting_gets_the_help_text(client, wx):
    assert await ask(client, wx, wx.text("u-hi", "你好")) == texts.HELP


async def test_subscribe_gets_a_welcome_that_says_what_the_bot_can_do(client, wx):
    answer = await ask(client, wx, wx.event("u-sub", "subscribe"))
    for ability in ("政策问答", "预约窗口", "贷款和培训预申请", "人工服务"):
        assert ability in answer


@SQLITE_ONLY
async def test_subscribe_through_a_qr_code_gets_the_welcome_too(client, wx):
    answer = await ask(client, wx, wx.event("u-subqr", "subscribe", "qrscene_123", Ticket="t"))
    assert answer == texts.WELCOME


@SQLITE_ONLY
async def test_unsubscribe_is_answered_with_success(client, wx):
    assert await ask(client, wx, wx.event("u-unsub", "unsubscribe")) is None


@SQLITE_ONLY
async def test_scan_by_a_follower_welcomes_them_back(client, wx):
    assert await ask(client, wx, wx.event("u-scan", "SCAN", "123", Ticket="t")) == texts.WELCOME_BACK


@SQLITE_ONLY
async def test_view_is_answered_with_success(client, wx):
    assert await ask(client, wx, wx.event("u-view", "VIEW", "https://example.invalid/page")) is None


@SQLITE_ONLY
@pytest.mark.parametrize("key,expected", [("POLICY", texts.POLICY_HINT), ("NEARBY", texts.ASK_LOCATION),
                                          ("ABOUT", texts.WELCOME), ("NO_SUCH_KEY", texts.UNKNOWN_MENU)])
async def test_menu_clicks_with_fixed_texts(client, wx, key, expected):
    assert await ask(client, wx, wx.event("u-click", "CLICK", key)) == expected


async def test_a_command_click_is_offered_to_feature_skills_as_its_text(aiohttp_client, config, wx, monkeypatch):

    async def booking(ctx, inc):
        if inc.text == "预约窗口":
            return [f"开始预约（来自菜单 {inc.via_menu}）"]
        return None

    app = create_app(config, chat_features=False)
    add_skill(app, booking, priority=Priority.FORMS)
    client = await aiohttp_client(app)
    assert await ask(client, wx, wx.event("u-book", "CLICK", "BOOK")) == "开始预约（来自菜单 BOOK）"
    assert await ask(client, wx, wx.text("u-book", "预约窗口")) == "开始预约（来自菜单 ）"


@SQLITE_ONLY
async def test_a_command_click_nobody_handles_gets_its_fallback_not_a_policy_answer(aiohttp_client, config, wx,
                                                                                    monkeypatch):
    client = await aiohttp_client(create_app(config, chat_features=False))
    for key in texts.MENU_COMMANDS:
        assert await ask(client, wx, wx.event("u-fallback", "CLICK", key)) == texts.MENU_FALLBACK[key]


@SQLITE_ONLY
async def test_an_unknown_event_is_answered_with_success(client, wx):
    assert await ask(client, wx, wx.event("u-job", "TEMPLATESENDJOBFINISH", Status="success")) is None


@SQLITE_ONLY
async def test_a_failing_skill_gets_a_polite_apology_not_a_stack_trace(aiohttp_client, config, wx):
    async def broken(ctx, inc):
        raise RuntimeError("boom: secret internals")

    app = create_app(config)
    add_skill(app, broken, priority=-1)
    client = await aiohttp_client(app)
    status, fields, raw = await wx.post(client, PATH, wx.text("u-broken", "你好"))
    assert status == 200 and fields["Content"] == texts.APOLOGY
    assert "boom" not in raw and "Traceback" not in raw


@SQLITE_ONLY
async def test_a_text_message_with_only_spaces_gets_a_prompt(client, wx):
    assert await ask(client, wx, wx.text("u-blank", "   ")) == texts.EMPTY_TEXT
