"""The callback's protocol (CONTRACT §3): verification, the three modes, and every refusal."""
from __future__ import annotations

import time

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.emulator import ACCOUNT_ID, WeChatServer, sign
from bot.skills import add_skill
from bot.xmlsafe import MAX_BODY_BYTES, safe_fields
from server.app import create_app
from tests.support.env import SQLITE_ONLY

PATH = "/wechat/official"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><ToUserName>gh</ToUserName><FromUserName>evil</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>evil</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


@pytest.fixture
async def spied(aiohttp_client, config):
    """The real app with a first skill that records every message it sees (and passes it on)."""
    seen = []

    async def spy(ctx, inc):
        seen.append(inc)
        return None

    app = create_app(config)
    add_skill(app, spy, priority=-100)
    return await aiohttp_client(app), seen, app


@pytest.fixture
def wx(config):
    return WeChatServer.from_config(config)


@pytest.fixture
def plain(config):
    return WeChatServer.from_config(config, plaintext=True)


async def _post_raw(client, query, body):
    resp = await client.post(PATH, params=query, data=body.encode("utf-8") if isinstance(body, str) else body)
    return resp.status, await resp.text()


# ------------------------------------------------------------ GET verification


@SQLITE_ONLY
async def test_get_with_a_valid_signature_echoes_echostr(client, config):
    ts, nonce = str(int(time.time())), "n1"
    resp = await client.get(PATH, params={"signature": sign("testtoken", ts, nonce), "timestamp": ts,
                                          "nonce": nonce, "echostr": "4567abc"})
    assert resp.status == 200 and await resp.text() == "4567abc"


@SQLITE_ONLY
async def test_get_with_a_bad_signature_is_forbidden(client):
    ts = str(int(time.time()))
    resp = await client.get(PATH, params={"signature": sign("othertoken", ts, "n"), "timestamp": ts,
                                          "nonce": "n", "echostr": "4567abc"})
    assert resp.status == 403 and "4567abc" not in await resp.text()


@SQLITE_ONLY
async def test_get_with_a_stale_timestamp_is_forbidden(client):
    ts = str(int(time.time()) - 301)
    resp = await client.get(PATH, params={"signature": sign("testtoken", ts, "n"), "timestamp": ts,
                                          "nonce": "n", "echostr": "x"})
    assert resp.status == 403


# ------------------------------------------------------------ the three modes


async def test_plaintext_mode_answers_a_plain_passive_reply(spied, plain):
    client, seen, _ = spied
    status, fields, raw = await plain.post(client, PATH, plain.text("user-plain", "你好"), "user-plain")
    assert status == 200 and "<Encrypt>" not in raw
    assert fields["ToUserName"] == "user-plain" and fields["FromUserName"] == ACCOUNT_ID
    assert fields["MsgType"] == "text" and "政策问答" in fields["Content"]
    assert [i.text for i in seen] == ["你好"]


async def test_safe_mode_answers_an_encrypted_signed_reply(spied, wx):
    client, seen, _ = spied
    query, body = wx.request(wx.text("user-safe", "你好"), "user-safe")
    assert "<Content>" not in body
    status, raw = await _post_raw(client, query, body)
    assert status == 200
    envelope = safe_fields(raw)
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert envelope["MsgSignature"] == sign("testtoken", envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    reply = wx.open_reply(raw)
    assert reply["ToUserName"] == "user-safe" and "政策问答" in reply["Content"]
    assert seen[0].openid == "user-safe"


async def test_compatible_mode_uses_the_encrypted_copy_and_answers_encrypted(spied, wx, config):
    client, seen, _ = spied
    xml = wx.text("user-compat", "你好")
    query, _ = wx.request(xml, "user-compat")
    crypto = WeChatCrypto("testtoken", config.wechat.official_account.encoding_aes_key, "wx_test_oa_appid")
    encrypt = safe_fields(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["Encrypt"]
    query["msg_signature"] = sign("testtoken", query["timestamp"], query["nonce"], encrypt)
    body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    status, raw = await _post_raw(client, query, body)
    assert status == 200 and "Encrypt" in safe_fields(raw)
    assert "政策问答" in wx.open_reply(raw)["Content"]
    assert len(seen) == 1


@SQLITE_ONLY
async def test_encrypted_request_without_a_configured_key_is_refused(aiohttp_client, make_config):
    config = make_config(wechat={"official_account": {"encoding_aes_key": ""}})
    client = await aiohttp_client(create_app(config))
    wx = WeChatServer("testtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx_test_oa_appid")
    status, _ = await _post_raw(client, *wx.request(wx.text("u", "你好")))
    assert status == 400


# ------------------------------------------------------------ refusals process nothing


@SQLITE_ONLY
async def test_bad_signature_is_forbidden_and_nothing_is_processed(spied, plain):
    client, seen, app = spied
    query, body = plain.request(plain.text("evil", "你好"))
    query["signature"] = sign("wrongtoken", query["timestamp"], query["nonce"])
    status, _ = await _post_raw(client, query, body)
    assert status == 403 and seen == []


async def test_bad_msg_signature_is_forbidden_and_nothing_is_processed(spied, wx):
    client, seen, app = spied
    xml = wx.text("evil", "你好", MsgId=777)
    query, body = wx.request(xml)
    query["msg_signature"] = sign("wrongtoken", query["timestamp"], query["nonce"], safe_fields(body)["Encrypt"])
    status, _ = await _post_raw(client, query, body)
    assert status == 403 and seen == []
    # The same message correctly signed is then processed: the refusal left no dedupe mark.
    status, fields, _ = await wx.post(client, PATH, xml)
    assert status == 200 and len(seen) == 1


@SQLITE_ONLY
async def test_missing_msg_signature_in_safe_mode_is_forbidden(spied, wx):
    client, seen, _ = spied
    query, body = wx.request(wx.text("evil", "你好"))
    del query["msg_signature"]
    status, _ = await _post_raw(client, query, body)
    assert status == 403 and seen == []


@SQLITE_ONLY
@pytest.mark.parametrize("offset", [-301, 301])
async def test_timestamp_more_than_five_minutes_away_is_forbidden(spied, plain, offset):
    client, seen, _ = spied
    query, body = plain.request(plain.text("evil", "你好"), timestamp=int(time.time()) + offset)
    status, _ = await _post_raw(client, query, body)
    assert status == 403 and seen == []


@SQLITE_ONLY
async def test_billion_laughs_body_is_refused_and_the_server_stays_up(spied, plain):
    client, seen, _ = spied
    status, _ = await _post_raw(client, *plain.request(BILLION_LAUGHS))
    assert status == 400 and seen == []
    status, fields, _ = await plain.post(client, PATH, plain.text("after", "你好"))
    assert status == 200 and fields["Content"]


@SQLITE_ONLY
async def test_xxe_body_is_refused(spied, plain):
    client, seen, _ = spied
    status, body = await _post_raw(client, *plain.request(XXE))
    assert status == 400 and seen == [] and "root:" not in body


@SQLITE_ONLY
async def test_entity_declarations_inside_the_encrypted_message_are_refused(spied, wx):
    client, seen, _ = spied
    status, _ = await _post_raw(client, *wx.request(BILLION_LAUGHS))
    assert status == 400 and seen == []
    status, _ = await _post_raw(client, *wx.request(XXE))
    assert status == 400 and seen == []


@SQLITE_ONLY
@pytest.mark.parametrize("body", ["hello", "", "<xml><FromUserName>u</FromUserName>", "{\"MsgType\": \"text\"}",
                                  "<notxml><MsgType>text</MsgType></notxml>"])
async def test_a_body_that_is_not_a_wechat_xml_message_is_a_bad_request(spied, plain, body):
    client, seen, _ = spied
    status, _ = await _post_raw(client, *plain.request(body))
    assert status == 400 and seen == []


@SQLITE_ONLY
async def test_a_message_without_msgtype_or_sender_is_a_bad_request(spied, plain):
    client, seen, _ = spied
    status, _ = await _post_raw(client, *plain.request("<xml><FromUserName>u</FromUserName></xml>"))
    assert status == 400
    status, _ = await _post_raw(client, *plain.request("<xml><MsgType>text</MsgType><Content>x</Content></xml>"))
    assert status == 400 and seen == []


@SQLITE_ONLY
async def test_an_oversized_body_is_refused(spied, plain):
    client, seen, _ = spied
    status, _ = await _post_raw(client, *plain.request(plain.text("big", "贷" * MAX_BODY_BYTES)))
    assert status == 413 and seen == []


@SQLITE_ONLY
async def test_control_characters_are_stripped_not_fatal(spied, plain, wx):
    client, seen, _ = spied
    xml = plain.text("ctl", "你好").replace("你好", "你\x00\x01好\x1b&#x1F;")
    status, fields, _ = await plain.post(client, PATH, xml)
    assert status == 200 and "政策问答" in fields["Content"]
    status, fields, _ = await wx.post(client, PATH, wx.text("ctl2", "你\x07好\x0b"))
    assert status == 200 and "政策问答" in fields["Content"]
    assert [i.text for i in seen] == ["你好", "你好"]


@SQLITE_ONLY
async def test_invalid_utf8_bytes_do_not_crash_the_callback(spied, plain):
    client, seen, _ = spied
    query, body = plain.request(plain.text("bytes", "你好XX"))
    raw = body.encode("utf-8").replace(b"XX", b"\xff\xfe")
    status, text = await _post_raw(client, query, raw)
    assert status == 200 and "Traceback" not in text and seen[0].text.startswith("你好")
