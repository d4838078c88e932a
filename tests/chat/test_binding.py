"""「绑定 123456」 in the official account binds a staff member's WeChat to their console account."""
from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import texts as T
from bot.binding import parse_bind
from tests.support.chat import Chat, seed_windows_and_courses
from handlers.clock import clock
from orm_models import BindCode, StaffAccount, Window
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import make_staff, token


async def window_clerk(client) -> tuple[StaffAccount, dict[str, str]]:
    await seed_windows_and_courses()
    window = await Window.get(county="元谋县")
    staff = await make_staff("ym_clerk", "window", window_id=window.id, display_name="李娟")
    return staff, await token(client, "ym_clerk")


async def bind_code(client, headers) -> str:
    resp = await client.get("/api/v1/staff/bind-code", headers=headers)
    assert resp.status == 200
    return (await resp.json())["code"]


@pytest.mark.parametrize(("text", "code"), [
    ("绑定 123456", "123456"), ("绑定123456", "123456"), ("绑定：123456", "123456"), ("  绑定 １２３４５６ ", "123456"),
    ("绑定", ""), ("绑定微信", "微信"), ("我想绑定 123456", None), ("你好", None),
])
def test_the_bind_command_is_recognised_in_its_common_spellings(text, code):
    assert parse_bind(text) == code


async def test_the_code_from_the_console_binds_the_senders_wechat_and_names_the_window(client, config):
    staff, headers = await window_clerk(client)
    code = await bind_code(client, headers)
    reply = await Chat(client, config, "o-staff").say(f"绑定 {code}")
    assert reply == T.BIND_OK.format(name="李娟", role="窗口工作人员", where="，元谋县创业服务窗口")
    assert (await StaffAccount.get(id=staff.id)).wechat_openid == "o-staff"
    me = await (await client.get("/api/v1/staff/me", headers=headers)).json()
    assert me["wechat_bound"] is True


async def test_a_used_code_is_refused(client, config):
    _, headers = await window_clerk(client)
    code = await bind_code(client, headers)
    await Chat(client, config, "o-staff").say(f"绑定 {code}")
    assert await Chat(client, config, "o-intruder").say(f"绑定 {code}") == T.BIND_FAILED
    assert await StaffAccount.filter(wechat_openid="o-intruder").count() == 0


async def test_an_expired_code_is_refused(client, config):
    staff, headers = await window_clerk(client)
    code = await bind_code(client, headers)
    await BindCode.filter(code=code).update(expires_at=clock.now() - timedelta(seconds=1))
    assert await Chat(client, config, "o-late").say(f"绑定 {code}") == T.BIND_FAILED
    assert (await StaffAccount.get(id=staff.id)).wechat_openid is None


async def test_a_wrong_or_malformed_code_gets_a_clear_message(client, config):
    await window_clerk(client)
    chat = Chat(client, config, "o-typo")
    assert await chat.say("绑定 000000") == T.BIND_FAILED
    assert await chat.say("绑定 12345") == T.BIND_FORMAT
    assert await chat.say("绑定") == T.BIND_FORMAT
