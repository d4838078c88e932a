"""Staff accounts: creation, password login with lock-out, expiring sessions, WeChat binding.

Guarantees:
- passwords are stored only as argon2 hashes, session tokens only as SHA-256 hashes;
- five wrong passwords in a row lock the account for 15 minutes, even under concurrent attempts
  (each attempt is counted in the database by a conditional UPDATE before its password is checked,
  so a burst of simultaneous guesses gets no more than five checks);
- a session token works until it expires (``security.staff_session_seconds``) or is revoked;
  a deactivated account's sessions stop working at once;
- a bind code is six digits, lives 10 minutes and can be used once.
Time comes from ``clock`` so tests can freeze it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from handlers.errors import DomainError
from handlers.clock import TZ, clock
from handlers.staff.passwords import DUMMY_HASH, verify_password
from orm_models import BindCode, StaffAccount, StaffSession

MAX_FAILURES = 5
LOCK_MINUTES = 15
BIND_CODE_MINUTES = 10
ROLE_NAMES = {"window": "窗口工作人员", "county": "县市管理员", "prefecture": "州级管理员"}

class LoginFailed(DomainError):
    """Wrong username or password, or an inactive account (HTTP 401)."""

    code, status = "unauthorized", 401
    default_message = "用户名或密码错误"


class AccountLocked(DomainError):
    """Too many failures: the account is locked for a while (HTTP 423)."""

    code, status = "locked", 423
    default_message = f"连续 {MAX_FAILURES} 次密码错误，账号已锁定 {LOCK_MINUTES} 分钟"


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


def _locked_message(until: datetime) -> str:
    return f"连续 {MAX_FAILURES} 次密码错误，账号已锁定 {LOCK_MINUTES} 分钟，请于 {until.astimezone(TZ):%H:%M} 后再试"


async def _reserve_attempt(staff: StaffAccount, now: datetime) -> bool:
    """Count this attempt as a failure BEFORE the password is checked (a success resets it).

    One conditional UPDATE: it only succeeds while the account is unlocked and fewer than
    MAX_FAILURES attempts are counted, so a burst of concurrent guesses gets at most
    MAX_FAILURES password checks. False: the account is locked (or that many are in flight).
    """
    unlocked = Q(locked_until=None) | Q(locked_until__lte=now)
    reserved = await StaffAccount.filter(unlocked, id=staff.id, failed_logins__lt=MAX_FAILURES).update(
        failed_logins=F("failed_logins") + 1)
    return bool(reserved)


async def _lock_if_exhausted(staff: StaffAccount) -> datetime | None:
    """After a wrong password: the fifth counted failure in a row locks the account (until when)."""
    failures = (await StaffAccount.filter(id=staff.id).values_list("failed_logins", flat=True))[0]
    if failures < MAX_FAILURES:
        return None
    until = clock.now() + timedelta(minutes=LOCK_MINUTES)
    await StaffAccount.filter(id=staff.id).update(failed_logins=0, locked_until=until)
    return until


async def login(username: str, password: str, *, ttl_seconds: int, ip: str | None = None) -> Login:
    """Check the password and open a session.

    Raises LoginFailed (unknown user, wrong password, inactive account: one message for all, the
    fifth wrong password in a row says the account is now locked) or AccountLocked (the account is
    locked: the password is not even checked).
    """
    staff = await StaffAccount.get_or_none(username=(username or "").strip())
    if staff is None or not staff.is_active:
        await verify_password(DUMMY_HASH, password or "")
        raise LoginFailed()
    now = clock.now()
    if staff.locked_until is not None and staff.locked_until > now:
        raise AccountLocked(_locked_message(staff.locked_until))
    if not await _reserve_attempt(staff, now):
        raise AccountLocked()
    if not await verify_password(staff.password_hash, password or ""):
        locked_until = await _lock_if_exhausted(staff)
        raise LoginFailed(_locked_message(locked_until) if locked_until else None)
    await StaffAccount.filter(id=staff.id).update(failed_logins=0, locked_until=None)
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

__all__ = ["login", "verify_session", "logout", "new_bind_code", "bind_staff_wechat"]
