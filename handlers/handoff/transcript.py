"""The short rolling transcript of a user's conversation with the bot, kept in the store.

Staff get it with the handoff, so they see what was said before. It is masked (no full ID or
mobile number), capped at ``CHATLOG_LINES`` lines and lives a day; losing it only costs context,
so a failing store never costs the user an answer.
"""
from __future__ import annotations

import logging
from typing import Any

from chuangye import pii
from chuangye.store import Store, keys

log = logging.getLogger("chuangye.handoff")
CHATLOG_LINES = 12
CHATLOG_TTL_SECONDS = 24 * 3600


def _chatlog_key(openid: str) -> str:
    return keys.custom(f"chatlog:{openid}")


async def remember(store: Store, openid: str, said: str, replies: list[str]) -> None:
    """Append one exchange to the user's short transcript."""
    try:
        lines = await store.get_json(_chatlog_key(openid)) or []
        lines.append({"who": "user", "text": pii.scrub(said)[:500]})
        lines += [{"who": "bot", "text": pii.scrub(r)[:500]} for r in replies if r]
        await store.set_json(_chatlog_key(openid), lines[-CHATLOG_LINES:], ttl=CHATLOG_TTL_SECONDS)
    except Exception as exc:  # the store being down must not cost the user the answer
        log.warning("could not keep the chat transcript of %s: %s", openid, exc)


async def recent(store: Store, openid: str) -> list[dict[str, Any]]:
    try:
        return await store.get_json(_chatlog_key(openid)) or []
    except Exception as exc:
        log.warning("could not read the chat transcript of %s: %s", openid, exc)
        return []
