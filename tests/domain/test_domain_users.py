"""Users by (app, openid) and their phone, bound encrypted."""
from __future__ import annotations

import asyncio

import pytest

from chuangye import pii
from handlers.errors import InvalidInput
from handlers.users import find_or_create_user, set_user_phone
from orm_models import User

pytestmark = pytest.mark.backend


async def test_the_same_openid_gives_the_same_user_even_at_once(db):
    users = await asyncio.gather(*(find_or_create_user("oa", "o-1") for _ in range(5)))
    assert len({u.id for u in users}) == 1 and await User.all().count() == 1
    assert (await find_or_create_user("mp", "o-1")).id != users[0].id


async def test_a_unionid_learned_later_is_stored(db):
    user = await find_or_create_user("mp", "m-1")
    assert (await find_or_create_user("mp", "m-1", unionid="un-1")).id == user.id
    assert (await User.get(id=user.id)).unionid == "un-1"


async def test_an_unknown_app_is_a_programming_error(db):
    with pytest.raises(ValueError):
        await find_or_create_user("web", "x")


async def test_a_bound_phone_is_stored_encrypted_and_found_by_its_hash(db):
    user = await find_or_create_user("mp", "m-2")
    await set_user_phone(user.id, "+86 138 1234 8000")
    row = await User.get(phone_hash=pii.lookup_hash("phone", "13812348000"))
    assert row.id == user.id and row.phone_masked == "138****8000" and pii.decrypt(row.phone_enc) == "13812348000"


async def test_a_bad_phone_is_refused(db):
    user = await find_or_create_user("mp", "m-3")
    with pytest.raises(InvalidInput) as exc:
        await set_user_phone(user.id, "12345")
    assert exc.value.fields == {"phone": "手机号：应为 11 位中国大陆手机号码，以 13–19 开头"}
