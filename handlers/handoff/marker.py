"""A short-lived marker in the shared store: has this user an open handoff session?

The bot asks on every message whether the user is with staff. The database decides (the unique
``open_openid`` column); the marker only lets the common answer, "no", cost one store GET instead
of a query. Values under ``keys.handoff_open(openid)``, each living ``MARK_TTL_SECONDS``:

- ``"0"``: the database said "no open session" at most ``MARK_TTL_SECONDS`` ago;
- ``"1"``: a session was opened or seen: ask the database;
- missing: ask the database, then remember its answer.

Guarantees:
- a "no" is written only with ``set_if_absent``, so it never overwrites the "1" of a session
  opened meanwhile; opening writes "1" (over any "0") right after the commit; closing deletes it;
- a store that fails is treated as a missing marker: the database answers;
- a session opened without updating the marker (the store failing at that moment, or a writer
  that has no store) is hidden at most ``MARK_TTL_SECONDS``; a "1" left behind by a close that
  did not delete it only costs queries until it expires.
"""
from __future__ import annotations

import logging

from chuangye.store import Store, keys

log = logging.getLogger("chuangye.handoff")
MARK_TTL_SECONDS = 60.0  # a chatting user writes again within a minute: most messages then skip the query
NONE, OPEN = "0", "1"


async def read(store: Store, openid: str) -> str | None:
    """``NONE``, ``OPEN``, or None when unknown (missing, unreadable, or the store failed)."""
    try:
        value = await store.get(keys.handoff_open(openid))
    except Exception as exc:
        log.warning("handoff marker of %s unreadable, asking the database: %s", openid, exc)
        return None
    return value if value in (NONE, OPEN) else None


async def learned(store: Store, openid: str, is_open: bool) -> None:
    """Remember what the database just said (never replacing a marker written meanwhile)."""
    try:
        await store.set_if_absent(keys.handoff_open(openid), OPEN if is_open else NONE, ttl=MARK_TTL_SECONDS)
    except Exception as exc:
        log.warning("could not keep the handoff marker of %s: %s", openid, exc)


async def opened(store: Store, openid: str) -> None:
    try:
        await store.set(keys.handoff_open(openid), OPEN, ttl=MARK_TTL_SECONDS)
    except Exception as exc:
        log.warning("could not mark the handoff of %s open (hidden at most %ss): %s", openid, MARK_TTL_SECONDS, exc)


async def closed(store: Store, openid: str) -> None:
    try:
        await store.delete(keys.handoff_open(openid))
    except Exception as exc:  # a stale "1" only costs database queries until it expires
        log.warning("could not clear the handoff marker of %s: %s", openid, exc)
