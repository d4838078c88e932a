"""Staff sign-in throttling by (client address, username), kept in the shared store.

Guarantees:
- the same for names that exist and names that do not: the pair is throttled, never the account;
- the first FREE_FAILURES wrong tries of a pair are answered at once; from then on the pair waits
  FIRST_DELAY seconds, doubling after every further failure, at most MAX_DELAY; while it waits,
  every try (the right password too) raises ``LoginThrottled`` with the seconds left, unchecked;
- a success resets the pair; a pair with no try for a day is forgotten;
- tries of one pair run one at a time (a store lock), so a burst of simultaneous guesses gets no
  more checks than a sequence would;
- a store that cannot be reached lets the try through (logged): losing the throttle for a while is
  better than losing sign-in; the account lock in the database (handlers/staff/auth.py) still holds.
Time comes from ``clock`` so tests can freeze it.
"""
from __future__ import annotations

import hashlib
import logging
import math
from contextlib import AsyncExitStack
from typing import Any

from chuangye.log import log_event
from chuangye.store import UNAVAILABLE, LockTimeout, Store, keys
from handlers.clock import clock
from handlers.errors import DomainError

log = logging.getLogger("chuangye.staff.throttle")

FREE_FAILURES = 5
FIRST_DELAY = 30  # seconds, after the FREE_FAILURES-th failure
MAX_DELAY = 15 * 60
FORGET_SECONDS = 24 * 3600  # a pair's count lives this long after its last failure
BUSY_RETRY = 5  # seconds: too many tries of one pair at the same moment


class LoginThrottled(DomainError):
    """Too many failures for this name from this address: wait ``retry_after`` seconds (HTTP 429)."""

    code, status = "rate_limited", 429
    default_message = "登录失败次数过多，请稍后再试"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"登录失败次数过多，请 {self.retry_after} 秒后再试")


def delay_after(failures: int) -> int:
    """Seconds a pair waits after its ``failures``-th failure in a row (0: none)."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 32))


def _key(ip: str | None, username: str) -> str:
    digest = hashlib.sha256(f"{ip or ''}\n{username}".encode()).hexdigest()[:32]
    return keys.custom(f"staff-login:{digest}")


class LoginGate:
    """One sign-in try of a (client address, username) pair::

        async with LoginGate(store, ip, username) as gate:   # LoginThrottled while the pair waits
            ...check the password...; await gate.failed() or await gate.passed()

    Without a store (use-case tests, scripts) the gate lets everything through.
    """

    def __init__(self, store: Store | None, ip: str | None, username: str) -> None:
        self.store, self.key = store, _key(ip, username)
        self._stack = AsyncExitStack()
        self._state: dict[str, Any] | None = None  # None: not throttling this try (no store, store down)

    async def __aenter__(self) -> "LoginGate":
        if self.store is None:
            return self
        try:
            await self._stack.enter_async_context(self.store.lock(self.key + ":lock", timeout=10, wait=BUSY_RETRY))
            state = await self.store.get_json(self.key) or {}
        except LockTimeout:
            raise LoginThrottled(BUSY_RETRY) from None
        except UNAVAILABLE as exc:
            await self._stack.aclose()
            log_event(log, "staff login not throttled: store unavailable", logging.WARNING, error=str(exc)[:200])
            return self
        left = float(state.get("until", 0)) - clock.now().timestamp()
        if left > 0:
            await self._stack.aclose()
            raise LoginThrottled(math.ceil(left))
        self._state = state
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._stack.aclose()

    async def failed(self) -> None:
        """Count a failure; from the FREE_FAILURES-th on the pair waits, longer each time."""
        if self._state is None or self.store is None:
            return
        failures = int(self._state.get("failures", 0)) + 1
        state = {"failures": failures, "until": clock.now().timestamp() + delay_after(failures)}
        await self._write(self.store.set_json(self.key, state, ttl=FORGET_SECONDS + delay_after(failures)))

    async def passed(self) -> None:
        """A success: the pair starts again from no failures."""
        if self._state is None or self.store is None:
            return
        if self._state:
            await self._write(self.store.delete(self.key))

    @staticmethod
    async def _write(op: Any) -> None:
        try:
            await op
        except UNAVAILABLE as exc:
            log_event(log, "staff login throttle not updated: store unavailable", logging.WARNING,
                      error=str(exc)[:200])
