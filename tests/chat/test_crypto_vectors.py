"""Tencent's published message-encryption samples, each checked on its own, then replayed
through the real callback with the clock frozen at the sample's (old) timestamp."""
from __future__ import annotations

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

import bot.callback
from bot.emulator import WeChatServer, sign
from bot.xmlsafe import safe_fields
from server.app import create_app
from tests.support.env import SQLITE_ONLY

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


def test_official_account_sample_signature_matches(vectors):
    v = vectors["official_account_sample"]
    check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"])
    with pytest.raises(InvalidSignatureException):
        check_signature(v["token"], v["signature"], v["timestamp"], str(int(v["nonce"]) + 1))


def test_official_account_sample_msg_signature_matches(vectors):
    v = vectors["official_account_sample"]
    assert sign(v["token"], v["timestamp"], v["nonce"], v["encrypt"]) == v["msg_signature"]


def test_official_account_sample_decrypts_to_the_published_message(vectors):
    v = vectors["official_account_sample"]
    crypto = WeChatCrypto(v["token"], v["encoding_aes_key"], v["app_id"])
    inner = crypto.decrypt_message({"Encrypt": v["encrypt"]}, v["msg_signature"], v["timestamp"], v["nonce"])
    assert safe_fields(inner) == v["decrypts_to"]


def test_official_account_sample_refuses_another_app_id(vectors):
    v = vectors["official_account_sample"]
    crypto = WeChatCrypto(v["token"], v["encoding_aes_key"], "wx_someone_else")
    with pytest.raises(InvalidAppIdException):
        crypto.decrypt_message({"Encrypt": v["encrypt"]}, v["msg_signature"], v["timestamp"], v["nonce"])


def test_chinese_content_sample_decrypts_with_its_signature(vectors):
    v = vectors["official_account_chinese_content"]
    assert sign(v["token"], v["timestamp"], v["nonce"], v["encrypt"]) == v["msg_signature"]
    crypto = WeChatCrypto(v["token"], v["encoding_aes_key"], v["app_id"])
    inner = crypto.decrypt_message({"Encrypt": v["encrypt"]}, v["msg_signature"], v["timestamp"], v["nonce"])
    assert safe_fields(inner) == v["decrypts_to"]


def test_wecom_message_sample_decrypts_with_the_corp_id(vectors):
    v = vectors["wecom_official_message"]
    crypto = WeComCrypto(v["token"], v["encoding_aes_key"], v["corp_id"])
    inner = crypto.decrypt_message({"Encrypt": v["encrypt"]}, v["msg_signature"], v["timestamp"], v["nonce"])
    fields = safe_fields(inner)
    assert {k: fields[k] for k in v["decrypts_to"]} == v["decrypts_to"]


def test_wecom_echostr_sample_verifies_and_decrypts(vectors):
    v = vectors["wecom_official_echostr"]
    crypto = WeComCrypto(v["token"], v["encoding_aes_key"], v["corp_id"])
    assert crypto.check_signature(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == v["decrypts_to"]
    with pytest.raises(InvalidSignatureException):
        crypto.check_signature("0" * 40, v["timestamp"], v["nonce"], v["echostr"])


def test_our_encryption_round_trips_through_the_sample_key(vectors):
    v = vectors["official_account_sample"]
    wx = WeChatServer(v["token"], v["encoding_aes_key"], v["app_id"])
    query, body = wx.request("<xml><Content><![CDATA[元谋县]]></Content></xml>")
    crypto = WeChatCrypto(v["token"], v["encoding_aes_key"], v["app_id"])
    inner = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert safe_fields(inner) == {"Content": "元谋县"}


# ------------------------------------------------------------ the sample through the callback


@pytest.fixture
def sample_app_config(make_config, vectors):
    v = vectors["official_account_sample"]
    return make_config(wechat={"official_account": {
        "token": v["token"], "encoding_aes_key": v["encoding_aes_key"], "app_id": v["app_id"]}})


def _sample_request(v: dict, **override: str) -> tuple[dict[str, str], str]:
    query = {"signature": v["signature"], "timestamp": v["timestamp"], "nonce": v["nonce"],
             "openid": v["decrypts_to"]["FromUserName"], "encrypt_type": "aes", "msg_signature": v["msg_signature"]}
    query.update(override)
    body = f"<xml><ToUserName><![CDATA[{v['decrypts_to']['ToUserName']}]]></ToUserName>" \
           f"<Encrypt><![CDATA[{v['encrypt']}]]></Encrypt></xml>"
    return query, body


@SQLITE_ONLY
async def test_sample_request_is_accepted_and_answered_encrypted(aiohttp_client, sample_app_config, vectors,
                                                                 monkeypatch):
    v = vectors["official_account_sample"]
    monkeypatch.setattr(bot.callback, "clock", lambda: int(v["timestamp"]) + 1)
    client = await aiohttp_client(create_app(sample_app_config))
    query, body = _sample_request(v)
    resp = await client.post("/wechat/official", params=query, data=body)
    assert resp.status == 200
    raw = await resp.text()
    assert set(safe_fields(raw)) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    reply = WeChatServer(v["token"], v["encoding_aes_key"], v["app_id"]).open_reply(raw)
    assert reply["ToUserName"] == v["decrypts_to"]["FromUserName"]
    assert reply["FromUserName"] == v["decrypts_to"]["ToUserName"]
    assert reply["MsgType"] == "text" and reply["Content"]


@SQLITE_ONLY
async def test_sample_request_is_refused_when_the_clock_is_real(aiohttp_client, sample_app_config, vectors):
    v = vectors["official_account_sample"]
    client = await aiohttp_client(create_app(sample_app_config))
    query, body = _sample_request(v)
    resp = await client.post("/wechat/official", params=query, data=body)
    assert resp.status == 403


@SQLITE_ONLY
async def test_sample_request_with_a_forged_msg_signature_is_refused(aiohttp_client, sample_app_config, vectors,
                                                                    monkeypatch):
    v = vectors["official_account_sample"]
    monkeypatch.setattr(bot.callback, "clock", lambda: int(v["timestamp"]))
    client = await aiohttp_client(create_app(sample_app_config))
    query, body = _sample_request(v, msg_signature="5d197aaffba7e9b25a30732f161a50dee96bd5fb")
    resp = await client.post("/wechat/official", params=query, data=body)
    assert resp.status == 403
