"""Staff login, throttling and account lock, sessions, logout and WeChat binding codes, through the real API."""
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


async def _answer(resp) -> tuple[int, dict, str | None]:
    return resp.status, await resp.json(), resp.headers.get("Retry-After")


async def test_a_known_and_an_unknown_name_get_identical_answers_through_five_failures_and_after(client, clock):
    await make_staff("pref", "prefecture")
    for attempt in range(1, 8):
        known = await _answer(await _login(client, "pref", "wrong-password"))
        unknown = await _answer(await _login(client, "nobody", "wrong-password"))
        assert known == unknown, attempt
        if attempt <= 5:
            assert known[0] == 401 and known[1]["error"]["message"] == "用户名或密码错误" and known[2] is None
        else:
            assert known[0] == 429 and known[1]["error"]["code"] == "rate_limited" and known[2] == "30"
            assert "30 秒后再试" in known[1]["error"]["message"]


async def test_the_right_password_is_refused_with_429_while_throttled_and_accepted_after_the_delay(client, clock):
    from orm_models import AuditLog

    await make_staff("pref", "prefecture")
    for _ in range(5):
        assert (await _login(client, "pref", "wrong-password")).status == 401
    throttled = await _login(client, "pref", PASSWORD)
    assert throttled.status == 429 and throttled.headers["Retry-After"] == "30"
    clock.advance(seconds=29)
    again = await _login(client, "pref", PASSWORD)
    assert again.status == 429 and again.headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert (await _login(client, "pref", PASSWORD)).status == 200
    assert await AuditLog.filter(action="login_failed").count() == 7  # five wrong, two while throttled


async def test_a_throttled_name_and_address_do_not_affect_another_address(client, clock):
    await make_staff("pref", "prefecture")
    attacker, colleague = {"X-Real-IP": "203.0.113.9"}, {"X-Real-IP": "198.51.100.7"}
    for _ in range(5):
        await client.post(LOGIN, json={"username": "pref", "password": "wrong-password"}, headers=attacker)
    assert (await client.post(LOGIN, json={"username": "pref", "password": PASSWORD}, headers=attacker)).status == 429
    assert (await client.post(LOGIN, json={"username": "pref", "password": PASSWORD}, headers=colleague)).status == 200


async def test_the_delay_doubles_after_every_further_failure_up_to_15_minutes(client, clock):
    await make_staff("pref", "prefecture")
    for _ in range(4):
        await _login(client, "pref", "wrong-password")
    waits = []
    for _ in range(7):
        assert (await _login(client, "pref", "wrong-password")).status == 401
        throttled = await _login(client, "pref", "wrong-password")
        assert throttled.status == 429
        waits.append(int(throttled.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
    assert waits == [30, 60, 120, 240, 480, 900, 900]


async def test_many_failures_from_many_addresses_lock_the_account_and_an_admin_sees_and_unlocks_it(client, clock):
    from orm_models import AuditLog

    target = await make_staff("ym_clerk", "county", county="元谋县")
    await make_staff("pref", "prefecture")
    await make_staff("cx_admin", "county", county="楚雄市")
    admin, other_county = await token(client, "pref"), await token(client, "cx_admin")
    for n in range(10):  # 10 addresses x 5 failures = security.staff_lock_failures (50)
        for _ in range(5):
            resp = await client.post(LOGIN, json={"username": "ym_clerk", "password": "wrong-password"},
                                     headers={"X-Real-IP": f"203.0.113.{n + 1}"})
            assert resp.status == 401
    fresh = {"X-Real-IP": "198.51.100.7"}
    locked = await client.post(LOGIN, json={"username": "ym_clerk", "password": PASSWORD}, headers=fresh)
    unknown = await client.post(LOGIN, json={"username": "nobody", "password": PASSWORD}, headers=fresh)
    assert locked.status == unknown.status == 401 and await locked.json() == await unknown.json()

    listed = (await (await client.get("/api/v1/staff/accounts/locked", headers=admin)).json())["accounts"]
    assert [a["username"] for a in listed] == ["ym_clerk"] and listed[0]["county"] == "元谋县"
    assert (await (await client.get("/api/v1/staff/accounts/locked", headers=other_county)).json())["accounts"] == []
    assert (await client.post(f"/api/v1/staff/accounts/{target.id}/unlock", headers=other_county)).status == 404
    assert (await client.post(f"/api/v1/staff/accounts/{target.id}/unlock", headers=admin)).status == 200
    assert (await (await client.get("/api/v1/staff/accounts/locked", headers=admin)).json())["accounts"] == []
    audit = await AuditLog.get(action="unlock_account")
    assert audit.username == "pref" and audit.object_id == str(target.id) and audit.detail["was_locked"] is True
    assert (await client.post(LOGIN, json={"username": "ym_clerk", "password": PASSWORD}, headers=fresh)).status == 200


async def test_an_account_lock_ends_by_itself_after_staff_lock_minutes(client, clock, config):
    from orm_models import StaffAccount

    staff = await make_staff("pref", "prefecture")
    await StaffAccount.filter(id=staff.id).update(failed_logins=config.security.staff_lock_failures - 1)
    assert (await _login(client, "pref", "wrong-password")).status == 401
    clock.advance(minutes=config.security.staff_lock_minutes - 1)
    assert (await _login(client, "pref", PASSWORD)).status == 401
    clock.advance(minutes=1, seconds=1)
    assert (await _login(client, "pref", PASSWORD)).status == 200


async def test_only_county_and_prefecture_administrators_see_and_unlock_locked_accounts(client):
    from orm_models import Window
    from tests.support.api import seed_windows_and_courses

    await seed_windows_and_courses()
    await make_staff("ym_win", "window", window_id=(await Window.get(county="元谋县")).id)
    headers = await token(client, "ym_win")
    assert (await client.get("/api/v1/staff/accounts/locked", headers=headers)).status == 403
    assert (await client.post("/api/v1/staff/accounts/1/unlock", headers=headers)).status == 403


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
