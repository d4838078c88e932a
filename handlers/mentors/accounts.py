"""A mentor's own login (role ``mentor``), created by an administrator of the mentor's counties.

Guarantees:
- only county administrators of a county the mentor belongs to or serves, and the prefecture
  administrator, may create it (others: Forbidden); a mentor without counties (the prefecture
  pool) only the prefecture administrator;
- the username and password are checked as for every staff account (handlers/staff/accounts.py,
  Chinese reasons naming the field) and nothing is stored when one is wrong;
- a mentor has at most one login: a second one is NotAllowed (409), even when two are made at once;
- the creation is audited, and the answer carries a one-time bind code (the same codes as every
  staff member's, handlers/staff/auth.py new_bind_code) the mentor sends as 「绑定 123456」 to the
  official account, after which assignments reach them as template messages.
"""
from __future__ import annotations

from typing import Any

from handlers.mentors.profiles import counties_of, get_mentor
from handlers.staff import audit
from handlers.staff.accounts import create_staff, mentor_has_account
from handlers.staff.auth import BIND_CODE_MINUTES, Forbidden, new_bind_code
from orm_models import Mentor, StaffAccount

ACCOUNT_ROLES = ("county", "prefecture")


def may_create_account(staff: StaffAccount, mentor: Mentor) -> None:
    if staff.role not in ACCOUNT_ROLES:
        raise Forbidden("只有县市管理员、州级管理员可以为导师开通登录账号")
    if staff.role == "county" and staff.county not in {mentor.county, *counties_of(mentor)}:
        raise Forbidden(f"县市管理员只能为本县市（{staff.county}）的导师开通登录账号")


def bind_instruction(code: str) -> str:
    return (f"请导师在 {BIND_CODE_MINUTES} 分钟内用自己的微信向本公众号发送「绑定 {code}」（只能使用一次）；"
            "绑定后分配给导师的帮扶任务会通过公众号通知。过期后导师可登录工作人员后台，在「绑定微信」重新获取。")


async def create_mentor_account(staff: StaffAccount, mentor_id: int, username: str, password: str, *,
                                ip: str | None = None) -> dict[str, Any]:
    """Create and link the mentor's login; returns {mentor_id, account, bind_code}."""
    mentor = await get_mentor(mentor_id)
    may_create_account(staff, mentor)
    if mentor.account_id is not None:
        raise await mentor_has_account(mentor)
    account = await create_staff(username, "mentor", password, mentor_id=mentor.id, display_name=mentor.name)
    await audit.record(staff, "create_account", "mentors", mentor.id, ip=ip,
                       detail={"account": account.id, "username": account.username, "role": "mentor"})
    bind = await new_bind_code(account)
    return {
        "mentor_id": mentor.id,
        "account": {"id": account.id, "username": account.username, "display_name": account.display_name,
                    "role": account.role, "county": account.county},
        "bind_code": {"code": bind.code, "expires_at": bind.expires_at, "instruction": bind_instruction(bind.code)},
    }
