"""Staff login, lock-out, sessions, logout and WeChat binding codes, through the real API."""
from __future__ import annotations

from tests.support.staff import PASSWORD, clock, make_staff, token  # noqa: F401  (clock is a fixture)
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

LOGIN = "/api/v1/staff/login"


async def _login(client, username: str, password: str):
    return await client.post(LOGIN, json={"username": username, "password": password})


async def test_login_returns_a_token_that_opens_the_staff_api(client):
    await make_staff("pref", "prefecture", display_name="州级管理员")
    resp = await _login(client, "pref", PASSWORD)
    assert resp.status == 200
    body = await resp.json()
    assert body["token"].startswith("stf_") and body["expires_in"] == 8 * 3600
    assert body["expires_at"].endswith("+08:00")
    me = await client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status == 200
    assert (await me.json())["role"] == "prefecture"


async def test_the_password_is_stored_only_as_an_argon2_hash(client):
    staff = await make_staff("pref", "prefecture")
    assert PASSWORD not in staff.password_hash
    assert staff.password_hash.startswith("$argon2id$")


async def test_a_wrong_password_and_an_unknown_user_get_the_same_401(client):
    await make_staff("pref", "prefecture")
    wrong, unknown = await _login(client, "pref", "not-the-password"), await _login(client, "nobody", "whatever-123")
    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["error"]["message"] == (await unknown.json())["error"]["message"] == "用户名或密码错误"


async def test_five_wrong_passwords_lock_the_account_for_15_minutes(client, clock):
    from orm_models import AuditLog

    await make_staff("pref", "prefecture")
    for _ in range(4):
        assert (await _login(client, "pref", "wrong-password")).status == 401
    fifth = await _login(client, "pref", "wrong-password")
    assert fifth.status == 401
    assert "锁定 15 分钟" in (await fifth.json())["error"]["message"]
    locked = await _login(client, "pref", PASSWORD)
    assert locked.status == 423
    error = (await locked.json())["error"]
    assert error["code"] == "locked" and "15 分钟" in error["message"]
    clock.advance(minutes=14, seconds=59)
    assert (await _login(client, "pref", PASSWORD)).status == 423
    clock.advance(seconds=2)
    assert (await _login(client, "pref", PASSWORD)).status == 200
    assert await AuditLog.filter(action="login_failed").count() == 7  # five wrong, two while locked


async def test_a_successful_login_resets_the_failure_count(client):
    await make_staff("pref", "prefecture")
    for _ in range(4):
        await _login(client, "pref", "wrong-password")
    assert (await _login(client, "pref", PASSWORD)).status == 200
    for _ in range(4):
        assert (await _login(client, "pref", "wrong-password")).status == 401
    assert (await _login(client, "pref", PASSWORD)).status == 200


async def test_a_session_expires_after_staff_session_seconds(client, clock, config):
    await make_staff("pref", "prefecture")
    headers = await token(client, "pref")
    clock.advance(seconds=config.security.staff_session_seconds - 1)
    assert (await client.get("/api/v1/staff/me", headers=headers)).status == 200
    clock.advance(seconds=2)
    expired = await client.get("/api/v1/staff/me", headers=headers)
    assert expired.status == 401


async def test_logout_revokes_the_token_at_once(client):
    await make_staff("pref", "prefecture")
    headers = await token(client, "pref")
    assert (await client.post("/api/v1/staff/logout", headers=headers)).status == 200
    assert (await client.get("/api/v1/staff/me", headers=headers)).status == 401


async def test_a_deactivated_account_loses_its_sessions(client):
    staff = await make_staff("pref", "prefecture")
    headers = await token(client, "pref")
    staff.is_active = False
    await staff.save(update_fields=["is_active"])
    assert (await client.get("/api/v1/staff/me", headers=headers)).status == 401
    assert (await _login(client, "pref", PASSWORD)).status == 401


async def test_a_mini_program_user_token_is_never_a_staff_token(client, config):
    from api.auth import issue_user_token
    from handlers.users import find_or_create_user

    user = await find_or_create_user("mp", "openid-x")
    headers = {"Authorization": f"Bearer {issue_user_token(config.security.secret_key, user.id)}"}
    resp = await client.get("/api/v1/staff/me", headers=headers)
    assert resp.status == 401


async def test_a_staff_token_is_not_a_user_token(client):
    await make_staff("pref", "prefecture")
    headers = await token(client, "pref")
    resp = await client.get("/api/v1/appointments/mine", headers=headers)
    assert resp.status == 401


async def test_a_forged_staff_token_is_refused(client):
    resp = await client.get("/api/v1/staff/me", headers={"Authorization": "Bearer stf_forged-token-value"})
    assert resp.status == 401


async def test_a_bind_code_binds_the_openid_once(client):
    from handlers.staff.auth import bind_staff_wechat

    await make_staff("pref", "prefecture")
    headers = await token(client, "pref")
    resp = await client.get("/api/v1/staff/bind-code", headers=headers)
    body = await resp.json()
    code = body["code"]
    assert len(code) == 6 and code.isdigit() and f"绑定 {code}" in body["instruction"]
    staff = await bind_staff_wechat(code, "oa-openid-1")
    assert staff is not None and staff.username == "pref" and staff.wechat_openid == "oa-openid-1"
    assert await bind_staff_wechat(code, "oa-openid-2") is None
    me = await (await client.get("/api/v1/staff/me", headers=headers)).json()
    assert me["wechat_bound"] is True


async def test_a_bind_code_expires_after_10_minutes(db, clock):
    from handlers.staff.auth import bind_staff_wechat, new_bind_code

    staff = await make_staff("pref", "prefecture")
    bind = await new_bind_code(staff)
    clock.advance(minutes=10, seconds=1)
    assert await bind_staff_wechat(bind.code, "oa-openid-1") is None


async def test_a_new_bind_code_replaces_the_previous_one_and_an_openid_moves_to_the_new_account(db):
    from handlers.staff.auth import bind_staff_wechat, new_bind_code
    from orm_models import StaffAccount

    first, second = await make_staff("one", "prefecture"), await make_staff("two", "prefecture")
    old = await new_bind_code(first)
    new = await new_bind_code(first)
    assert await bind_staff_wechat(old.code, "oa-openid") is None
    assert (await bind_staff_wechat(new.code, "oa-openid")).id == first.id
    assert (await bind_staff_wechat((await new_bind_code(second)).code, "oa-openid")).id == second.id
    assert (await StaffAccount.get(id=first.id)).wechat_openid is None


async def test_wrong_bind_codes_bind_nothing(db):
    from handlers.staff.auth import bind_staff_wechat

    for code in ("", "12345", "abcdef", "000000", "1234567"):
        assert await bind_staff_wechat(code, "oa-openid") is None



async def test_logging_in_clears_sessions_that_ended_over_a_day_ago(client, clock):
    from orm_models import StaffSession

    await make_staff("pref", "prefecture")
    await token(client, "pref")
    clock.advance(days=2)
    await token(client, "pref")
    assert await StaffSession.all().count() == 1
