"""Passive replies are well-formed XML whatever text they carry (issue 7, item 4).

A value holding ``]]>`` must not close its CDATA section early: every field of every reply
(the plaintext passive reply, the inner reply of safe mode and its envelope) reads back, through
wechatpy's parser and through defusedxml, as exactly the text that was put in, with no extra element.
"""
from __future__ import annotations

import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from bot.emulator import WeChatServer
from bot.skills import add_skill
from bot.xmlsafe import render_xml, safe_fields
from handlers.appointments.windows import load_windows
from server.app import create_app

PATH = "/wechat/official"
HOSTILE = "甲]]><x>注入</x><Content>伪造</Content><![CDATA[乙]]]]>丙"
REPLY_FIELDS = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"}
ENVELOPE_FIELDS = {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
MODES = pytest.mark.parametrize("plaintext", [True, False], ids=["plaintext", "safe"])

# The rendering does not touch storage: one backend is enough.
from tests.support.env import SQLITE_ONLY


def read_reply(wx: WeChatServer, raw: str) -> tuple[object, dict[str, str]]:
    """(wechatpy's message, defusedxml's fields) of a reply, opening the envelope in safe mode."""
    if wx.encrypted:
        envelope = safe_fields(raw)
        assert set(envelope) == ENVELOPE_FIELDS, raw
        crypto = WeChatCrypto(wx.token, wx.aes_key, wx.app_id)
        # wechatpy reads the envelope with its own parser (xmltodict) when given the raw text.
        raw = crypto.decrypt_message(raw, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    fields = safe_fields(raw)
    assert set(fields) == REPLY_FIELDS, raw
    return parse_message(raw), fields


async def post(client, wx: WeChatServer, xml: str, openid: str) -> str:
    query, body = wx.request(xml, openid)
    resp = await client.post(PATH, params=query, data=body.encode("utf-8"))
    assert resp.status == 200
    return await resp.text()


@pytest.mark.parametrize("value", ["]]>", "]]]]>", "a]]>b]]>c", "x]", "]]", HOSTILE])
def test_every_cdata_terminator_is_split_and_reads_back_as_the_original(value):
    xml = render_xml({"ToUserName": value, "FromUserName": "gh", "CreateTime": 1, "MsgType": "text", "Content": value})
    assert safe_fields(xml) == {"ToUserName": value, "FromUserName": "gh", "CreateTime": "1", "MsgType": "text",
                                "Content": value}
    message = parse_message(xml)
    assert message.content == message.target == value


@SQLITE_ONLY
@MODES
async def test_staff_text_and_both_user_names_with_cdata_terminators_round_trip_exactly(
        aiohttp_client, config, plaintext):
    async def staff_says(ctx, inc):
        return [HOSTILE]  # e.g. a staff member's reply relayed during a hand-off

    app = create_app(config, chat_features=False)
    add_skill(app, staff_says, priority=-100)
    client = await aiohttp_client(app)
    wx = WeChatServer.from_config(config, plaintext=plaintext)
    openid = "o-" + HOSTILE
    xml = wx.text(openid, "你好", ToUserName="gh_" + HOSTILE)
    message, fields = read_reply(wx, await post(client, wx, xml, openid))
    assert message.content == fields["Content"] == HOSTILE
    assert message.target == fields["ToUserName"] == openid
    assert message.source == fields["FromUserName"] == "gh_" + HOSTILE
    assert fields["MsgType"] == "text" and fields["CreateTime"].isdigit()


@MODES
async def test_a_location_label_with_cdata_terminators_is_quoted_exactly_in_the_reply(client, config, plaintext):
    await load_windows()
    wx = WeChatServer.from_config(config, plaintext=plaintext)
    raw = await post(client, wx, wx.location("o-label", 25.70, 101.87, label=HOSTILE), "o-label")
    message, fields = read_reply(wx, raw)
    assert message.content == fields["Content"]
    assert HOSTILE in fields["Content"] and "元谋县创业服务窗口" in fields["Content"]


def test_characters_xml_forbids_are_left_out_of_a_reply_instead_of_breaking_it():
    xml = render_xml({"MsgType": "text", "Content": "你\x00好\x1b]]>\ufffe"})
    assert safe_fields(xml)["Content"] == parse_message(xml).content == "你好]]>"
