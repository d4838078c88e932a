"""The outbound client against the WeChat stand-in: tokens, retries, every endpoint, failures."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from chuangye.store import keys
from chuangye.wechat_api import WeChatAPI, WeChatError, WeChatUnavailable
from tests.support.env import SQLITE_ONLY

TOKEN = "/cgi-bin/stable_token"
CUSTOM = "/cgi-bin/message/custom/send"

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2), trust_env=False) as session:
        yield session


@pytest.fixture
def api(config, http, store):
    return WeChatAPI(config, http, store)


async def test_the_token_is_fetched_once_and_reused(api, standin):
    await api.send_custom_text("u1", "你好")
    await api.send_custom_text("u2", "你好")
    token_calls = standin.calls_to(TOKEN)
    assert len(token_calls) == 1
    assert token_calls[0].body == {"grant_type": "client_credential", "appid": "wx_test_oa_appid",
                                   "secret": "oa-secret", "force_refresh": False}
    assert len(standin.calls_to(CUSTOM, ok_only=True)) == 2


async def test_processes_sharing_a_store_share_the_token(config, http, store, standin):
    first, second = WeChatAPI(config, http, store), WeChatAPI(config, http, store)
    assert await first.access_token() == await second.access_token()
    assert len(standin.calls_to(TOKEN)) == 1


async def test_concurrent_first_calls_fetch_one_token(config, http, store, standin):
    clients = [WeChatAPI(config, http, store) for _ in range(5)]
    tokens = await asyncio.gather(*(c.access_token() for c in clients))
    assert len(set(tokens)) == 1 and len(standin.calls_to(TOKEN)) == 1


async def test_the_token_is_cached_until_five_minutes_before_it_expires(api, store, standin):
    await api.access_token()
    remaining = await store.ttl(keys.access_token("wx_test_oa_appid"))
    assert 7200 - 300 - 5 < remaining <= 7200 - 300


async def test_an_expired_cache_entry_fetches_a_new_token(api, store, standin):
    old = await api.access_token()
    await store.delete(keys.access_token("wx_test_oa_appid"))
    assert await api.access_token() != old
    assert len(standin.calls_to(TOKEN)) == 2


@SQLITE_ONLY
async def test_the_official_account_and_mini_program_have_separate_tokens(api, standin):
    oa, mp = await api.access_token("oa"), await api.access_token("mp")
    assert "wx_test_oa_appid" in oa and "wx_test_mp_appid" in mp


async def test_an_expired_token_is_refreshed_once_and_the_call_retried(api, standin):
    await api.access_token()
    standin.expire_tokens()
    assert (await api.send_custom_text("u1", "你好"))["errcode"] == 0
    assert [c.body["force_refresh"] for c in standin.calls_to(TOKEN)] == [False, True]
    assert len(standin.calls_to(CUSTOM)) == 2


@SQLITE_ONLY
@pytest.mark.parametrize("refusal", [40001, 42001, 40014])
async def test_a_refused_token_is_refreshed_once_and_the_call_retried(api, standin, refusal):
    await api.access_token()
    standin.fail(CUSTOM, times=1, errcode=refusal)
    assert (await api.send_custom_text("u1", "你好"))["errcode"] == 0
    token_calls = standin.calls_to(TOKEN)
    assert [c.body["force_refresh"] for c in token_calls] == [False, True]
    assert len(standin.calls_to(CUSTOM)) == 2


async def test_a_token_refused_twice_is_not_retried_again(api, standin):
    standin.fail(CUSTOM, times=2, errcode=40001)
    with pytest.raises(WeChatError) as err:
        await api.send_custom_text("u1", "你好")
    assert err.value.errcode == 40001
    assert len(standin.calls_to(CUSTOM)) == 2


@SQLITE_ONLY
async def test_other_errcodes_raise_without_a_refresh(api, standin):
    standin.refuse("u-refuses", 45015)
    with pytest.raises(WeChatError) as err:
        await api.send_custom_text("u-refuses", "你好")
    assert err.value.errcode == 45015 and len(standin.calls_to(TOKEN)) == 1


@SQLITE_ONLY
async def test_a_5xx_is_wechat_unavailable(api, standin):
    await api.access_token()
    standin.fail(CUSTOM, times=1, status=502)
    with pytest.raises(WeChatUnavailable):
        await api.send_custom_text("u1", "你好")


@SQLITE_ONLY
async def test_a_timeout_is_wechat_unavailable(config, store, standin):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.2)) as session:
        api = WeChatAPI(config, session, store)
        await api.access_token()
        standin.fail(CUSTOM, times=1, delay=1.0)
        with pytest.raises(WeChatUnavailable):
            await api.send_custom_text("u1", "你好")


@SQLITE_ONLY
async def test_an_unreachable_server_is_wechat_unavailable(make_config, http, store):
    api = WeChatAPI(make_config(wechat={"api_base_url": "http://127.0.0.1:9"}), http, store)
    with pytest.raises(WeChatUnavailable):
        await api.access_token()


@SQLITE_ONLY
async def test_a_bad_app_secret_is_a_wechat_error(make_config, http, store):
    api = WeChatAPI(make_config(wechat={"official_account": {"app_secret": ""}}), http, store)
    with pytest.raises(WeChatError) as err:
        await api.access_token()
    assert err.value.errcode == 40013


@SQLITE_ONLY
async def test_template_messages_wrap_plain_values(api, standin):
    await api.send_template("u1", "TPL", {"thing1": "元谋县创业服务窗口", "time2": {"value": "2026-11-20 09:00"}},
                            url="https://example.invalid/a", miniprogram={"appid": "wxmp", "pagepath": "pages/a"})
    body = standin.calls_to("/cgi-bin/message/template/send", ok_only=True)[0].body
    assert body == {"touser": "u1", "template_id": "TPL", "url": "https://example.invalid/a",
                    "miniprogram": {"appid": "wxmp", "pagepath": "pages/a"},
                    "data": {"thing1": {"value": "元谋县创业服务窗口"}, "time2": {"value": "2026-11-20 09:00"}}}


@SQLITE_ONLY
async def test_subscribe_messages_use_the_mini_program_token(api, standin):
    await api.send_subscribe("mp-user", "TPL_SUB", {"thing1": "已通过"}, page="pages/mine")
    call = standin.calls_to("/cgi-bin/message/subscribe/send", ok_only=True)[0]
    assert "wx_test_mp_appid" in call.query["access_token"]
    assert call.body == {"touser": "mp-user", "template_id": "TPL_SUB", "page": "pages/mine",
                         "data": {"thing1": {"value": "已通过"}}}


@SQLITE_ONLY
async def test_create_menu_posts_the_menu(api, standin):
    menu = {"button": [{"type": "click", "name": "人工服务", "key": "HUMAN"}]}
    await api.create_menu(menu)
    assert standin.calls_to("/cgi-bin/menu/create", ok_only=True)[0].body == menu


@SQLITE_ONLY
async def test_jscode2session_returns_the_session_and_refuses_bad_codes(api, standin):
    data = await api.jscode2session("union-abc")
    assert data["openid"] == "mp-union-abc" and data["unionid"] == "u-union-abc" and data["session_key"]
    assert standin.calls_to("/sns/jscode2session")[0].query["appid"] == "wx_test_mp_appid"
    with pytest.raises(WeChatError) as err:
        await api.jscode2session("invalid-code")
    assert err.value.errcode == 40029


@SQLITE_ONLY
async def test_get_phone_number_returns_the_pure_number(api, standin):
    assert await api.get_phone_number("13912345678") == "13912345678"
    with pytest.raises(WeChatError):
        await api.get_phone_number("invalid")


@SQLITE_ONLY
async def test_wecom_robot_gets_a_text_message(make_config, http, store, standin):
    config = make_config(notify={"wecom_webhook_url": standin.url + "/cgi-bin/webhook/send?key=abc"})
    await WeChatAPI(config, http, store).wecom_send("元谋县窗口有新预约")
    call = standin.calls_to("/cgi-bin/webhook/send", ok_only=True)[0]
    assert call.body == {"msgtype": "text", "text": {"content": "元谋县窗口有新预约"}}
    assert call.query == {"key": "abc"}


@SQLITE_ONLY
async def test_wecom_without_a_webhook_url_is_an_error(api):
    with pytest.raises(WeChatError):
        await api.wecom_send("x")
