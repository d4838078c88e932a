"""Security review: staff sign-in cannot be brute-forced past the lock-out."""
from __future__ import annotations

import asyncio

from staff_support import PASSWORD, make_staff
from staff_support import cheap_hashing  # noqa: F401  (autouse fixture)


async def test_a_burst_of_concurrent_wrong_passwords_gets_no_more_than_five_guesses(db):
    from handlers import staff as staff_uc

    await make_staff("pref", "prefecture")
    outcomes = await asyncio.gather(
        *[staff_uc.login("pref", f"wrong-password-{i}", ttl_seconds=600) for i in range(20)],
        return_exceptions=True)
    checked = [o for o in outcomes if isinstance(o, staff_uc.LoginFailed)]
    locked = [o for o in outcomes if isinstance(o, staff_uc.AccountLocked)]
    assert len(checked) + len(locked) == 20
    assert len(checked) <= 5
    try:
        await staff_uc.login("pref", PASSWORD, ttl_seconds=600)
    except staff_uc.AccountLocked:
        pass
    else:
        raise AssertionError("the right password got in right after a burst of wrong ones")
