"""Security review of the official-account callback: who can sign, how signatures are compared,
and what a signed query seen once (in an access log, say) can still be used for."""
from __future__ import annotations

import hmac
import time


from bot.emulator import WeChatServer, sign
from bot.skills import add_skill
from server.app import create_app
from tests.support.env import SQLITE_ONLY

PATH = "/wechat/official"


async def _spied_client(aiohttp_client, config):
    seen = []

    async def spy(ctx, inc):
        seen.append(inc)
        return None

    app = create_app(config)
    add_skill(app, spy, priority=-100)
    return await aiohttp_client(app), seen


async def _post(client, query, body):
    resp = await client.post(PATH, params=query, data=body.encode("utf-8"))
    return resp.status, await resp.text()


@SQLITE_ONLY
async def test_an_empty_token_accepts_no_message_and_verifies_no_server(aiohttp_client, make_config):
    config = make_config(wechat={"official_account": {"token": "", "encoding_aes_key": ""}})
    client, seen = await _spied_client(aiohttp_client, config)
    forger = WeChatServer("", "", "")  # anyone can compute sha1 over ("", timestamp, nonce)
    status, _ = await _post(client, *forger.request(forger.text("victim-openid", "我的申请"), "victim-openid"))
    assert status == 403 and seen == []
    ts = str(int(time.time()))
    resp = await client.get(PATH, params={"signature": sign("", ts, "n"), "timestamp": ts, "nonce": "n",
                                          "echostr": "hello"})
    assert resp.status == 403 and "hello" not in await resp.text()


@SQLITE_ONLY
async def test_signature_and_msg_signature_are_compared_in_constant_time(aiohttp_client, config, monkeypatch):
    import bot.callback as callback

    compared: list[bytes] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(callback.hmac, "compare_digest", spy)
    client, seen = await _spied_client(aiohttp_client, config)
    wx = WeChatServer.from_config(config)
    query, body = wx.request(wx.text("u-ct", "你好"), "u-ct")
    status, _ = await _post(client, query, body)
    assert status == 200 and len(seen) == 1
    assert query["signature"].encode() in compared and query["msg_signature"].encode() in compared


async def test_a_signed_query_seen_once_cannot_carry_another_message(aiohttp_client, config):
    client, seen = await _spied_client(aiohttp_client, config)
    plain = WeChatServer.from_config(config, plaintext=True)
    query, body = plain.request(plain.text("u-replay", "你好"), "u-replay")
    assert (await _post(client, query, body))[0] == 200
    forged = plain.text("victim-openid", "取消预约")
    status, _ = await _post(client, {**query, "openid": "victim-openid"}, forged)
    assert status == 403
    assert [i.openid for i in seen] == ["u-replay"]
    # WeChat's own retry repeats query and body: still answered (and deduplicated as before).
    assert (await _post(client, query, body))[0] == 200


@SQLITE_ONLY
async def test_a_captured_safe_mode_query_cannot_be_replayed_in_plaintext_mode(aiohttp_client, config):
    client, seen = await _spied_client(aiohttp_client, config)
    wx = WeChatServer.from_config(config)
    query, body = wx.request(wx.text("u-safe", "你好"), "u-safe")
    assert (await _post(client, query, body))[0] == 200
    plain_query = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    status, _ = await _post(client, plain_query, wx.text("victim-openid", "我的预约"))
    assert status == 403 and [i.openid for i in seen] == ["u-safe"]


@SQLITE_ONLY
async def test_a_body_arriving_in_pieces_is_read_whole_and_the_cap_still_holds(aiohttp_client, config):
    import asyncio

    from bot.xmlsafe import MAX_BODY_BYTES

    client, seen = await _spied_client(aiohttp_client, config)
    plain = WeChatServer.from_config(config, plaintext=True)

    def pieces(raw: bytes, size: int = 20):
        async def gen():
            for i in range(0, len(raw), size):
                yield raw[i:i + size]
                await asyncio.sleep(0.002)
        return gen()

    query, body = plain.request(plain.text("u-pieces", "你好"), "u-pieces")
    resp = await client.post(PATH, params=query, data=pieces(body.encode()))
    assert resp.status == 200 and [i.text for i in seen] == ["你好"]
    query, _ = plain.request(plain.text("u-big", "x"), "u-big")
    huge = plain.text("u-big", "长" * MAX_BODY_BYTES).encode()  # chunked: no Content-Length to refuse early
    resp = await client.post(PATH, params=query, data=pieces(huge[: MAX_BODY_BYTES + 400], 4096))
    assert resp.status == 413 and len(seen) == 1
