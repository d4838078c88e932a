"""POST /auth/login, POST /auth/phone, GET /auth/me against the WeChat stand-in."""
from __future__ import annotations

from typing import Any

from api.auth import MSG_INVALID, MSG_MISSING, MSG_NOT_STAFF
from chuangye import pii
from orm_models import User

from tests.support.api import API, error_of, login
from tests.support.env import SQLITE_ONLY


async def test_login_exchanges_the_code_at_jscode2session_and_returns_a_token(client: Any, standin: Any) -> None:
    resp = await client.post(f"{API}/auth/login", json={"code": "alice"})
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"token", "expires_in", "user"} and body["expires_in"] == 7 * 24 * 3600
    user = await User.get(id=body["user"]["id"])
    assert (user.app, user.openid) == ("mp", "mp-alice")
    assert body["user"] == {"id": user.id, "has_phone": False, "phone_masked": None}
    (call,) = standin.calls_to("/sns/jscode2session")
    assert call.query["js_code"] == "alice" and call.query["appid"] == "wx_test_mp_appid"
    assert call.query["secret"] == "mp-secret" and call.query["grant_type"] == "authorization_code"


async def test_logging_in_again_gives_the_same_user_and_learns_the_unionid(client: Any, standin: Any) -> None:
    _, first = await login(client, "union-bob")
    _, again = await login(client, "union-bob")
    assert first == again and await User.all().count() == 1
    assert (await User.get(id=first)).unionid == "u-union-bob"


@SQLITE_ONLY
async def test_a_code_wechat_rejects_is_401_and_creates_no_user(client: Any, standin: Any) -> None:
    err = await error_of(await client.post(f"{API}/auth/login", json={"code": "invalid-code"}), 401)
    assert err["code"] == "wechat_login_failed" and "重新打开小程序" in err["message"]
    assert await User.all().count() == 0


@SQLITE_ONLY
async def test_login_when_wechat_is_down_is_503_with_a_chinese_message(client: Any, standin: Any) -> None:
    standin.fail("/sns/jscode2session", times=5, status=502)
    resp = await client.post(f"{API}/auth/login", json={"code": "alice"})
    err = await error_of(resp, 503)
    assert err["code"] == "wechat_unavailable" and err["message"] == "微信服务暂时不可用，请稍后再试"
    assert await User.all().count() == 0


@SQLITE_ONLY
async def test_login_without_a_code_is_422_naming_the_field(client: Any, standin: Any) -> None:
    err = await error_of(await client.post(f"{API}/auth/login", json={}), 422)
    assert err["fields"] == {"code": "code：不能为空，请填写"}
    assert standin.calls_to("/sns/jscode2session") == []


async def test_the_token_identifies_the_user_on_later_calls(client: Any, standin: Any) -> None:
    headers, uid = await login(client)
    resp = await client.get(f"{API}/auth/me", headers=headers)
    assert resp.status == 200 and (await resp.json())["user"]["id"] == uid


async def test_binding_the_phone_stores_it_encrypted_and_masks_it(client: Any, standin: Any) -> None:
    headers, uid = await login(client)
    resp = await client.post(f"{API}/auth/phone", json={"code": "13912345678"}, headers=headers)
    assert resp.status == 200
    assert (await resp.json())["user"] == {"id": uid, "has_phone": True, "phone_masked": "139****5678"}
    user = await User.get(id=uid)
    assert "13912345678" not in user.phone_enc and pii.decrypt(user.phone_enc) == "13912345678"
    (call,) = standin.calls_to("/wxa/business/getuserphonenumber")
    assert call.body == {"code": "13912345678"}
    again = await client.post(f"{API}/auth/login", json={"code": "alice"})
    assert (await again.json())["user"]["has_phone"] is True


@SQLITE_ONLY
async def test_a_phone_code_wechat_rejects_is_422_and_stores_nothing(client: Any, standin: Any) -> None:
    headers, uid = await login(client)
    err = await error_of(await client.post(f"{API}/auth/phone", json={"code": "invalid-1"}, headers=headers), 422)
    assert err["fields"] == {"code": "手机号授权码无效或已过期，请重新授权"}
    assert (await User.get(id=uid)).phone_hash is None


@SQLITE_ONLY
async def test_binding_a_phone_needs_a_valid_token(client: Any, standin: Any) -> None:
    err = await error_of(await client.post(f"{API}/auth/phone", json={"code": "13912345678"}), 401)
    assert err["message"] == MSG_MISSING
    forged = {"Authorization": "Bearer eyJ0eXAiOiJ1c2VyIiwidWlkIjoxfQ.forged.sig"}
    err = await error_of(await client.post(f"{API}/auth/phone", json={"code": "13912345678"}, headers=forged), 401)
    assert err["message"] == MSG_INVALID
    assert standin.calls_to("/wxa/business/getuserphonenumber") == []


async def test_user_and_staff_tokens_are_never_interchangeable(client: Any, standin: Any) -> None:
    from handlers.staff.auth import login as staff_login
    from handlers.staff.accounts import create_staff

    user_headers, _ = await login(client)
    await create_staff("pref-admin", "prefecture", "a-long-password-1")
    staff = await staff_login("pref-admin", "a-long-password-1", ttl_seconds=3600)
    staff_headers = {"Authorization": f"Bearer {staff.token}"}
    assert (await client.get(f"{API}/staff/stats", headers=staff_headers)).status == 200
    err = await error_of(await client.get(f"{API}/staff/stats", headers=user_headers), 401)
    assert err["message"] == MSG_NOT_STAFF
    await error_of(await client.get(f"{API}/appointments/mine", headers=staff_headers), 401)
