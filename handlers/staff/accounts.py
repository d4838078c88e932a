"""Creating staff accounts: validation in Chinese naming each field, and the seed-demo 演示账号.

Guarantees: invalid input raises InvalidInput (every bad field at once) and stores nothing;
passwords are stored only as argon2 hashes; ``ensure_demo_staff`` is idempotent.
"""
from __future__ import annotations

from handlers.errors import InvalidInput
from handlers.staff.passwords import MIN_PASSWORD, hash_password
from handlers.clock import clock
from handlers.validation import COUNTIES
from orm_models import StaffAccount, StaffSession, Window
from orm_models.staff import ROLES


async def _check_new_account(username: str, role: str, window_id: int | None, county: str | None, password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        errors["username"] = "用户名必填，只能包含字母、数字、下划线、点和横线，最长 64 个字符"
    elif await StaffAccount.filter(username=username).exists():
        errors["username"] = f"用户名 {username} 已被使用"
    if role not in ROLES:
        errors["role"] = "角色必须是 window（窗口工作人员）、county（县市管理员）或 prefecture（州级管理员）"
    if role == "window":
        if window_id is None:
            errors["window"] = "窗口工作人员必须指定窗口编号（--window）"
        elif not await Window.filter(id=window_id).exists():
            errors["window"] = f"窗口编号 {window_id} 不存在"
    if role == "county" and not county:
        errors["county"] = "县市管理员必须指定县市（--county）"
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
) -> StaffAccount:
    """Create an account. Invalid input raises InvalidInput naming each field and stores nothing.

    A window's staff take the county of their window. The prefecture administrator has no county.
    """
    username = (username or "").strip()
    errors = await _check_new_account(username, role, window_id, county, password)
    if errors:
        raise InvalidInput(fields=errors)
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
