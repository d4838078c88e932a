"""Staff accounts: password login, throttling and lock, expiring sessions, WeChat binding.

Guarantees:
- passwords are stored only as argon2 hashes, session tokens only as SHA-256 hashes;
- a wrong password, an unknown name, an inactive or a locked account all get the same
  ``LoginFailed`` after the same work (a hash is verified either way), so answers tell no names apart;
- tries are throttled per (client address, username) with growing delays (handlers/staff/throttle.py),
  the same for every name, so nobody can lock an account by guessing from one address;
- the account itself locks only after ``lock_failures`` wrong passwords in a row from any address
  (config ``security.staff_lock_failures``), for ``lock_minutes`` or until an administrator unlocks
  it (``unlock``); each attempt is counted in the database by a conditional UPDATE before its
  password is checked, so concurrent guesses cannot overshoot;
- the published demo password opens demo accounts from this machine (a loopback address) only;
- a session token works until it expires (``security.staff_session_seconds``) or is revoked;
  a deactivated account's sessions stop working at once;
- a bind code is six digits, lives 10 minutes and can be used once.
Time comes from ``clock`` so tests can freeze it.
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from chuangye.netaddr import is_loopback
from chuangye.store import Store
from handlers.errors import DomainError, NotFound
from handlers.clock import clock
from handlers.staff import audit
from handlers.staff.accounts import DEMO_PASSWORD
from handlers.staff.passwords import dummy_hash, verify_password
from handlers.staff.throttle import LoginGate, LoginThrottled
from orm_models import BindCode, StaffAccount, StaffSession

LOCK_FAILURES = 50  # default of security.staff_lock_failures
LOCK_MINUTES = 24 * 60  # default of security.staff_lock_minutes
BIND_CODE_MINUTES = 10
ROLE_NAMES = {"window": "窗口工作人员", "county": "县市管理员", "prefecture": "州级管理员", "mentor": "创业导师"}

class LoginFailed(DomainError):
    """Wrong username or password, or an inactive account (HTTP 401)."""

    code, status = "unauthorized", 401
    default_message = "用户名或密码错误"


class Forbidden(DomainError):
    """The staff member's role may not do this (HTTP 403)."""

    code, status = "forbidden", 403
    default_message = "您的账号没有此项操作的权限"


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: datetime
    staff: StaffAccount


# ---------------------------------------------------------------- login and sessions


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MSG_DEMO_REMOTE = ("演示账号的密码是公开的，只能在本机（127.0.0.1）登录；对外服务请用 chuangye staff add 新建账号，"
                   "并停用演示账号")


async def _reserve_attempt(staff: StaffAccount, now: datetime, lock_failures: int) -> bool:
    """Count this attempt as a failure BEFORE the password is checked (a success resets it).

    One conditional UPDATE: it only succeeds while the account is unlocked and fewer than
    ``lock_failures`` attempts are counted, so concurrent guesses get at most that many password
    checks. False: the account is locked (or that many are in flight).
    """
    unlocked = Q(locked_until=None) | Q(locked_until__lte=now)
    reserved = await StaffAccount.filter(unlocked, id=staff.id, failed_logins__lt=lock_failures).update(
        failed_logins=F("failed_logins") + 1)
    return bool(reserved)


async def _lock_if_exhausted(staff: StaffAccount, lock_failures: int, lock_minutes: int) -> None:
    """After a wrong password: the ``lock_failures``-th counted failure in a row locks the account
    (and the count starts again, for when the lock ends)."""
    until = clock.now() + timedelta(minutes=lock_minutes)
    await StaffAccount.filter(id=staff.id, failed_logins__gte=lock_failures).update(failed_logins=0,
                                                                                    locked_until=until)


async def _authenticate(username: str, password: str, ip: str | None, lock_failures: int,
                        lock_minutes: int) -> StaffAccount:
    """The account these credentials open, or LoginFailed, after the same work for every name."""
    staff = await StaffAccount.get_or_none(username=username)
    if staff is not None and staff.is_demo and password == DEMO_PASSWORD and not is_loopback(ip):
        # The 演示账号 share a published password: it opens them from this machine only (make run),
        # never through the proxy or a public interface, so a seeded production database leaks nothing.
        raise LoginFailed(MSG_DEMO_REMOTE)
    if staff is None or not staff.is_active or not await _reserve_attempt(staff, clock.now(), lock_failures):
        await verify_password(await asyncio.to_thread(dummy_hash), password)
        raise LoginFailed()
    if not await verify_password(staff.password_hash, password):
        await _lock_if_exhausted(staff, lock_failures, lock_minutes)
        raise LoginFailed()
    await StaffAccount.filter(id=staff.id).update(failed_logins=0, locked_until=None)
    return staff


async def login(username: str, password: str, *, ttl_seconds: int, ip: str | None = None,
                store: Store | None = None, lock_failures: int = LOCK_FAILURES,
                lock_minutes: int = LOCK_MINUTES) -> Login:
    """Check the password and open a session.

    ``ip`` is the client's address: it keys the throttle (with ``store``; without a store nothing
    is throttled) and decides the demo-password rule (None counts as remote). Raises
    LoginThrottled (this name from this address must wait: nothing is checked) or LoginFailed
    (unknown name, wrong password, inactive or locked account: one message for all).
    """
    username, password = (username or "").strip(), password or ""
    async with LoginGate(store, ip, username) as gate:
        try:
            staff = await _authenticate(username, password, ip, lock_failures, lock_minutes)
        except LoginFailed:
            await gate.failed()
            raise
        await gate.passed()
    now = clock.now()
    # Housekeeping: sessions that ended more than a day ago are of no further use.
    await StaffSession.filter(staff_id=staff.id, expires_at__lt=now - timedelta(days=1)).delete()
    token = "stf_" + secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_seconds)
    await StaffSession.create(staff=staff, token_hash=_token_hash(token), expires_at=expires, ip=ip)
    return Login(token=token, expires_at=expires, staff=staff)


async def verify_session(token: str) -> StaffAccount | None:
    """The active staff member behind a bearer token, or None (unknown, expired, revoked, inactive)."""
    if not token or not token.startswith("stf_"):
        return None
    session = await StaffSession.get_or_none(token_hash=_token_hash(token)).select_related("staff")
    if session is None or session.revoked_at is not None or session.expires_at <= clock.now():
        return None
    return session.staff if session.staff.is_active else None


async def logout(token: str) -> bool:
    """Revoke a session. True when a live session was revoked."""
    changed = await StaffSession.filter(token_hash=_token_hash(token or ""), revoked_at=None).update(
        revoked_at=clock.now()
    )
    return bool(changed)


# ---------------------------------------------------------------- locked accounts (administrators)

UNLOCK_ROLES = ("county", "prefecture")


def _accounts_in_scope(viewer: StaffAccount) -> Any:
    if viewer.role not in UNLOCK_ROLES:
        raise Forbidden("只有县市管理员、州级管理员可以查看和解锁被锁定的账号")
    query = StaffAccount.all()
    return query if viewer.role == "prefecture" else query.filter(county=viewer.county or "")


async def locked_accounts(viewer: StaffAccount) -> list[dict[str, Any]]:
    """The accounts locked right now that ``viewer`` administers (a county's, or all), soonest first."""
    rows = await _accounts_in_scope(viewer).filter(locked_until__gt=clock.now()).order_by("locked_until", "id")
    return [{"id": s.id, "username": s.username, "display_name": s.display_name, "role": s.role,
             "role_label": ROLE_NAMES.get(s.role, s.role), "county": s.county, "locked_until": s.locked_until}
            for s in rows]


async def unlock(viewer: StaffAccount, staff_id: int, *, ip: str | None = None) -> StaffAccount:
    """Lift the lock of an account ``viewer`` administers and clear its failure count (audited).

    An account outside the viewer's county is "not found"; unlocking an unlocked account is harmless.
    """
    staff = await _accounts_in_scope(viewer).filter(id=staff_id).first()
    if staff is None:
        raise NotFound(f"没有找到编号为 {staff_id} 的工作人员账号")
    was_locked = staff.locked_until is not None and staff.locked_until > clock.now()
    async with in_transaction() as conn:
        await StaffAccount.filter(id=staff.id).using_db(conn).update(failed_logins=0, locked_until=None)
        await audit.record(viewer, "unlock_account", "staff", staff.id, ip=ip, using_db=conn,
                           detail={"username": staff.username, "was_locked": was_locked})
    return await StaffAccount.get(id=staff.id)


# ---------------------------------------------------------------- WeChat binding


async def new_bind_code(staff: StaffAccount) -> BindCode:
    """A fresh one-time code for this staff member. Earlier unused codes of theirs stop working."""
    now = clock.now()
    async with in_transaction() as conn:
        await BindCode.filter(staff_id=staff.id, used_at=None).using_db(conn).update(used_at=now)
        for _ in range(20):
            code = f"{secrets.randbelow(1_000_000):06d}"
            clash = await BindCode.filter(code=code, used_at=None, expires_at__gt=now).using_db(conn).exists()
            if not clash:
                break
        return await BindCode.create(
            staff_id=staff.id, code=code, expires_at=now + timedelta(minutes=BIND_CODE_MINUTES), using_db=conn
        )


async def bind_staff_wechat(code: str, openid: str) -> StaffAccount | None:
    """Bind ``openid`` to the staff member who holds the live ``code``. None if the code is wrong,
    used or expired. The openid moves from any other account it was bound to. The code works once.
    """
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit() or not openid:
        return None
    now = clock.now()
    async with in_transaction() as conn:
        bind = await BindCode.filter(code=code, used_at=None, expires_at__gt=now).using_db(conn).first()
        if bind is None:
            return None
        claimed = await BindCode.filter(id=bind.id, used_at=None).using_db(conn).update(used_at=now)
        if not claimed:
            return None
        await StaffAccount.filter(wechat_openid=openid).exclude(id=bind.staff_id).using_db(conn).update(
            wechat_openid=None
        )
        await StaffAccount.filter(id=bind.staff_id).using_db(conn).update(wechat_openid=openid)
        return await StaffAccount.get(id=bind.staff_id).using_db(conn)

__all__ = ["login", "verify_session", "logout", "locked_accounts", "unlock", "new_bind_code", "bind_staff_wechat",
           "LoginFailed", "LoginThrottled"]
