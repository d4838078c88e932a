"""Security review: staff sign-in cannot be brute-forced past the throttle, nor broken by a store outage."""
from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError

from chuangye.store import MemoryStore
from tests.support.staff import PASSWORD, make_staff
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def test_a_burst_of_concurrent_wrong_passwords_gets_no_more_than_five_guesses(db, store):
    from handlers.staff import auth as staff_uc

    await make_staff("pref", "prefecture")
    outcomes = await asyncio.gather(
        *[staff_uc.login("pref", f"wrong-password-{i}", ttl_seconds=600, ip="203.0.113.9", store=store)
          for i in range(20)],
        return_exceptions=True)
    checked = [o for o in outcomes if isinstance(o, staff_uc.LoginFailed)]
    throttled = [o for o in outcomes if isinstance(o, staff_uc.LoginThrottled)]
    assert len(checked) + len(throttled) == 20
    assert len(checked) <= 5
    try:
        await staff_uc.login("pref", PASSWORD, ttl_seconds=600, ip="203.0.113.9", store=store)
    except staff_uc.LoginThrottled:
        pass
    else:
        raise AssertionError("the right password got in right after a burst of wrong ones")


class _DownStore(MemoryStore):
    """A store whose every call fails as an unreachable Redis does."""

    async def get(self, key: str) -> str | None:
        raise RedisConnectionError("connection refused")

    set = delete = incr = get  # type: ignore[assignment]

    def lock(self, key: str, timeout: float = 10.0, wait: float = 5.0, renew: bool = False):
        raise RedisConnectionError("connection refused")


async def test_sign_in_keeps_working_unthrottled_while_the_store_is_down(db):
    from handlers.staff import auth as staff_uc

    await make_staff("pref", "prefecture")
    for _ in range(7):
        try:
            await staff_uc.login("pref", "wrong-password", ttl_seconds=600, ip="203.0.113.9", store=_DownStore())
        except staff_uc.LoginFailed:
            pass
        else:
            raise AssertionError("a wrong password got in")
    login = await staff_uc.login("pref", PASSWORD, ttl_seconds=600, ip="203.0.113.9", store=_DownStore())
    assert login.staff.username == "pref"


async def test_the_store_going_down_between_the_check_and_the_count_does_not_fail_the_login(db, store):
    from handlers.staff import auth as staff_uc

    await make_staff("pref", "prefecture")

    async def refused(*args, **kwargs):
        raise RedisConnectionError("connection refused")

    store.set = store.delete = refused  # reads and locks work, writes are refused
    try:
        await staff_uc.login("pref", "wrong-password", ttl_seconds=600, ip="203.0.113.9", store=store)
    except staff_uc.LoginFailed:
        pass
    assert (await staff_uc.login("pref", PASSWORD, ttl_seconds=600, ip="203.0.113.9", store=store)).token


async def test_guessing_bind_codes_in_chat_stops_after_five_wrong_ones(client, config):
    from bot import binding
    from handlers import texts as T
    from tests.support.chat import Chat, seed_windows_and_courses
    from orm_models import StaffAccount, Window
    from tests.support.staff import token

    await seed_windows_and_courses()
    staff = await make_staff("ym_clerk", "window", window_id=(await Window.get(county="元谋县")).id)
    live = (await (await client.get("/api/v1/staff/bind-code", headers=await token(client, "ym_clerk"))).json())["code"]
    guesser = Chat(client, config, "o-guesser")
    wrong = [f"{(int(live) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for code in wrong:
        assert await guesser.say(f"绑定 {code}") == T.BIND_FAILED
    assert await guesser.say(f"绑定 {live}") == binding.TOO_MANY  # even the live code: not checked any more
    assert (await StaffAccount.get(id=staff.id)).wechat_openid is None
    assert (await Chat(client, config, "o-clerk").say(f"绑定 {live}")).startswith("绑定成功")


async def test_a_new_password_ends_the_sessions_opened_with_the_old_one(client):
    from handlers.staff.accounts import set_password
    from tests.support.staff import token

    staff = await make_staff("pref", "prefecture")
    old = await token(client, "pref")
    assert (await client.get("/api/v1/staff/me", headers=old)).status == 200
    await set_password(staff, "a-brand-new-password")
    assert (await client.get("/api/v1/staff/me", headers=old)).status == 401
    assert (await client.get("/api/v1/staff/me", headers=await token(client, "pref", "a-brand-new-password"))).status == 200


async def test_the_published_demo_password_opens_demo_accounts_from_this_machine_only(client):
    from handlers.staff.accounts import DEMO_PASSWORD, ensure_demo_staff

    await ensure_demo_staff()
    login = {"username": "admin", "password": DEMO_PASSWORD}
    remote = await client.post("/api/v1/staff/login", json=login, headers={"X-Real-IP": "203.0.113.9"})
    assert remote.status == 401
    assert "只能在本机" in (await remote.json())["error"]["message"]
    assert (await client.post("/api/v1/staff/login", json=login)).status == 200  # make run, on 127.0.0.1


async def test_the_demo_password_rule_lives_in_the_use_case_given_the_client_address(db):
    from handlers.staff import auth as staff_uc
    from handlers.staff.accounts import DEMO_PASSWORD, ensure_demo_staff

    await ensure_demo_staff()
    for remote in ("203.0.113.9", "unknown", None):
        try:
            await staff_uc.login("admin", DEMO_PASSWORD, ttl_seconds=600, ip=remote)
        except staff_uc.LoginFailed as exc:
            assert "只能在本机" in exc.message
        else:
            raise AssertionError(f"the published demo password opened a demo account from {remote!r}")
    for local in ("127.0.0.1", "::1"):
        assert (await staff_uc.login("admin", DEMO_PASSWORD, ttl_seconds=600, ip=local)).staff.username == "admin"
