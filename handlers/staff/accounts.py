"""Creating staff accounts: validation in Chinese naming each field, and the seed-demo 演示账号.

Guarantees: invalid input raises InvalidInput (every bad field at once) and stores nothing;
passwords are stored only as argon2 hashes; ``ensure_demo_staff`` is idempotent.
"""
from __future__ import annotations

from tortoise.transactions import in_transaction

from handlers.errors import InvalidInput, NotAllowed
from handlers.staff.passwords import MIN_PASSWORD, hash_password
from handlers.clock import clock
from handlers.validation import COUNTIES
from orm_models import Mentor, StaffAccount, StaffSession, Window
from orm_models.staff import ROLES


MSG_MENTOR_HAS_ACCOUNT = "导师{name}（编号 {id}）已有登录账号 {username}，不能再新建"


async def mentor_has_account(mentor: Mentor) -> NotAllowed:
    """The 409 for a mentor who already has their own login."""
    account = await StaffAccount.get_or_none(id=mentor.account_id)
    return NotAllowed(MSG_MENTOR_HAS_ACCOUNT.format(name=mentor.name, id=mentor.id,
                                                    username=account.username if account else ""))


async def _check_new_account(username: str, role: str, window_id: int | None, county: str | None, password: str,
                             mentor_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        errors["username"] = "用户名必填，只能包含字母、数字、下划线、点和横线，最长 64 个字符"
    elif await StaffAccount.filter(username=username).exists():
        errors["username"] = f"用户名 {username} 已被使用"
    if role not in ROLES:
        errors["role"] = ("角色必须是 window（窗口工作人员）、county（县市管理员）、prefecture（州级管理员）"
                          "或 mentor（创业导师）")
    if role == "window":
        if window_id is None:
            errors["window"] = "窗口工作人员必须指定窗口编号（--window）"
        elif not await Window.filter(id=window_id).exists():
            errors["window"] = f"窗口编号 {window_id} 不存在"
    if role == "county" and not county:
        errors["county"] = "县市管理员必须指定县市（--county）"
    if role == "mentor":
        if mentor_id is None:
            errors["mentor"] = "创业导师账号必须指定导师编号（--mentor），即「导师帮扶」导师名录中的编号"
        elif not 1 <= mentor_id <= 2**31 - 1 or not await Mentor.filter(id=mentor_id).exists():
            errors["mentor"] = f"导师编号 {mentor_id} 不存在"
    elif mentor_id is not None:
        errors["mentor"] = "只有创业导师账号（--role mentor）可以指定导师编号"
    if county and county not in COUNTIES:
        errors["county"] = "县市必须是楚雄州十个县市之一：" + "、".join(COUNTIES)
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"密码至少 {MIN_PASSWORD} 个字符"
    return errors


async def create_staff(
    username: str,
    role: str,
    password: str,
    *,
    window_id: int | None = None,
    county: str | None = None,
    display_name: str = "",
    is_demo: bool = False,
    password_hash: str | None = None,
    mentor_id: int | None = None,
) -> StaffAccount:
    """Create an account. Invalid input raises InvalidInput naming each field and stores nothing.

    A window's staff take the county of their window. The prefecture administrator has no county.
    A mentor's account (role mentor) is the login of one mentor profile (``mentor_id``), takes the
    mentor's name and no county (so every county-scoped list is empty for it) and sees only that
    mentor's mentees (handlers/mentors/requests.py scoped); a mentor who already has a
    login raises NotAllowed (409) and nothing is stored, even when two are created at once.
    """
    username = (username or "").strip()
    errors = await _check_new_account(username, role, window_id, county, password, mentor_id)
    if errors:
        raise InvalidInput(fields=errors)
    if role == "mentor":
        return await _create_mentor_account(username, password, mentor_id, display_name)  # type: ignore[arg-type]
    if role == "window":
        county = (await Window.get(id=window_id)).county
    if role == "prefecture":
        county, window_id = None, None
    if role == "county":
        window_id = None
    return await StaffAccount.create(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or await hash_password(password),
        role=role,
        window_id=window_id,
        county=county,
        is_demo=is_demo,
    )


async def _create_mentor_account(username: str, password: str, mentor_id: int, display_name: str) -> StaffAccount:
    mentor = await Mentor.get(id=mentor_id)
    if mentor.account_id is not None:
        raise await mentor_has_account(mentor)
    password_hash = await hash_password(password)
    async with in_transaction() as conn:
        account = await StaffAccount.create(
            username=username, display_name=display_name or mentor.name, password_hash=password_hash,
            role="mentor", county=None, using_db=conn)  # no county: county-wide lists stay empty
        # Conditional: of two accounts made for one mentor at once, one links and the other is rolled back.
        linked = await Mentor.filter(id=mentor.id, account_id=None).using_db(conn).update(account_id=account.id)
        if not linked:
            raise await mentor_has_account(await Mentor.get(id=mentor.id))
    return account


async def set_password(staff: StaffAccount, password: str) -> None:
    """Set a new password and end every session opened with the old one."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(fields={"password": f"密码至少 {MIN_PASSWORD} 个字符"})
    staff.password_hash = await hash_password(password)
    await staff.save(update_fields=["password_hash"])
    await StaffSession.filter(staff_id=staff.id, revoked_at=None).update(revoked_at=clock.now())


# 演示账号 for `chuangye seed-demo` and `make run` only: documented in docs/staff.md, shown by
# seed-demo. Real deployments create accounts with `chuangye staff add` and never run seed-demo.
DEMO_PASSWORD = "chuangye-demo"
DEMO_ADMIN = "admin"


async def ensure_demo_staff() -> dict:
    """Idempotently create one 演示账号 per active window (``staff_<window key>``) and a prefecture
    administrator (``admin``), all with DEMO_PASSWORD. Existing usernames are left untouched.

    Returns ``{"password": ..., "accounts": [{username, role, county, window, created}]}``.
    """
    wanted: list[tuple[str, str, Window | None, str]] = [
        (DEMO_ADMIN, "prefecture", None, "州级管理员（演示账号）")
    ]
    for window in await Window.filter(is_active=True).order_by("id"):
        wanted.append((f"staff_{window.key}", "window", window, f"{window.name}工作人员（演示账号）"))
    accounts, shared_hash = [], None
    for username, role, window, display in wanted:
        existing = await StaffAccount.get_or_none(username=username)
        if existing is None:
            shared_hash = shared_hash or await hash_password(DEMO_PASSWORD)  # one hash: they share the password
            await create_staff(
                username, role, DEMO_PASSWORD, window_id=window.id if window else None,
                display_name=display, is_demo=True, password_hash=shared_hash,
            )
        accounts.append({
            "username": username, "role": role, "county": window.county if window else None,
            "window": window.name if window else None, "created": existing is None,
        })
    return {"password": DEMO_PASSWORD, "accounts": accounts}
