"""A user's run of unsure answers, kept in the shared store (no database query on the hot path).

The bot queues a user for staff after ``length`` policy questions in a row answered without
confidence, all within ``within`` seconds, counted since the user's last handoff. The run is the
list of its answers' times (epoch seconds, newest last) under ``key(openid)``; it lives ``within``
seconds after its last answer. Only the user's own messages write it, under the user's lock
(bot/conversation.py); a confident answer and any handoff (handlers/handoff/sessions.py) clear it.

A store that fails costs only the offer: the run is not counted (logged), the answer goes out.
"""
from __future__ import annotations

import logging
import time

from chuangye.store import Store, keys

log = logging.getLogger("chuangye.handoff")


def key(openid: str) -> str:
    return keys.custom(f"unsure:{openid}")


async def note_answer(store: Store, openid: str, confident: bool, *, length: int, within: float,
                      now: float | None = None) -> bool:
    """Count this policy answer; True when it completes a run of ``length`` unsure answers (the run
    then starts again)."""
    try:
        raw = await store.get_json(key(openid))
        if confident:
            if raw is not None:
                await store.delete(key(openid))
            return False
        at = time.time() if now is None else now
        earlier = [t for t in raw if isinstance(t, (int, float)) and at - within < t <= at] \
            if isinstance(raw, list) else []
        run = (earlier + [at])[-length:]
        if len(run) >= length:
            await store.delete(key(openid))
            return True
        await store.set_json(key(openid), run, ttl=within)
    except Exception as exc:
        log.warning("run of unsure answers of %s not counted (store): %s: %s", openid, type(exc).__name__, exc)
    return False


async def clear(store: Store, openid: str) -> None:
    """A handoff started: the next run counts from here."""
    try:
        await store.delete(key(openid))
    except Exception as exc:
        log.warning("run of unsure answers of %s not cleared (store): %s: %s", openid, type(exc).__name__, exc)
