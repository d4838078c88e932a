"""人工服务 in the official account: the handoff middleware around the skill chain, and the watcher.

``HandoffMiddleware`` is the outermost middleware (registered in ``server.app._mount_chat``). For
each message it does one of three things:

1. while a user is with staff, the chain does not run: the message goes to the session's
   transcript and the bot stays quiet (one short 「已转人工，请稍候」, once);
2. 「人工」 (typed, or the HUMAN menu key) queues the user for their county's staff with the
   conversation so far and any unfinished form (handlers/handoff/queue.py);
3. otherwise it runs the chain once, keeps a short rolling transcript of the conversation in the
   store, and counts the policy skill's answers (``ctx.policy_confident``): a run of unsure ones
   also queues the user (``bot.handoff_unconfident_streak``; handlers/handoff/streak.py).

A background task announces, once, to users nobody picked up within ``bot.handoff_wait_minutes``
how else to get help, and keeps this process's knowledge base in step with the FAQ entries.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from aiohttp import web

from chuangye import appkeys as K
from chuangye.db import note_db_unavailable
from handlers import texts as T
from handlers.handoff import queue
from handlers.handoff import sessions as handoff
from handlers.handoff import streak, transcript
from handlers.knowledge_ops import faq
from handlers.validation import FieldError, validate_county
from orm_models import HandoffSession

from bot.skills import Context, Handler, Incoming

log = logging.getLogger("chuangye.bot.handoff")
WATCH_MAX_SECONDS = 30.0
FAQ_CHECK_SECONDS = 1.0  # FAQ entries changed by another process reach this one's answers within this


def describe(inc: Incoming) -> str:
    """One transcript line for a message or a menu click."""
    if inc.via_menu:
        return f"{T.HANDOFF_LINE_EVENTS['click']} {inc.via_menu}"
    if inc.text:
        return inc.text
    label = T.HANDOFF_LINE_EVENTS.get(inc.event or inc.msg_type, f"[{inc.msg_type}]")
    detail = inc.event_key or inc.label
    return f"{label} {detail}".strip()


def parse_human(text: str) -> tuple[bool, str | None]:
    """(is a 人工 command, county named in it): 「人工」, 「人工 元谋」, 「转人工服务」..."""
    text = T.norm(text)
    word = next((w for w in sorted(T.HUMAN, key=len, reverse=True) if text.startswith(w)), None)
    if word is None:
        return False, None
    rest = text[len(word):].strip()
    if not rest:
        return True, None
    try:
        return True, validate_county(rest)
    except FieldError:
        return False, None


class HandoffMiddleware:
    """Around the whole chain: ``await middleware(handler, ctx, inc)`` calls ``handler`` at most once."""

    async def __call__(self, handler: Handler, ctx: Context, inc: Incoming) -> list[str]:
        session = await _open_session(ctx, inc.openid)
        if session is not None:
            return await _in_handoff(ctx, inc, session)
        wanted, county = parse_human(inc.text) if inc.is_text else (False, None)
        if wanted and not inc.via_menu:  # typed: answered at once, nothing else to do
            return [await queue.queue_user(ctx.store, inc.openid, reason="asked", county=county)]
        if inc.is_text and not inc.via_menu:
            await _refresh_faq(ctx)
        if wanted:
            replies = [await queue.queue_user(ctx.store, inc.openid, reason="menu")]
        else:
            replies = list(await handler(ctx, inc) or [])
        await transcript.remember(ctx.store, inc.openid, describe(inc), replies)
        if ctx.policy_confident is not None and await _unsure_run(ctx, inc.openid, ctx.policy_confident):
            replies.append(T.HANDOFF_QUEUED_UNCONFIDENT
                           + await queue.queue_user(ctx.store, inc.openid, reason="unconfident"))
        return replies


async def _open_session(ctx: Context, openid: str) -> HandoffSession | None:
    try:
        return await handoff.open_session(openid, ctx.store)
    except Exception as exc:  # the database is unreachable: no staff can answer, the bot still can
        if not note_db_unavailable(exc):  # an outage is logged once, not per message
            log.warning("handoff state of %s unknown, the bot answers: %s: %s", openid, type(exc).__name__, exc)
        return None


async def _unsure_run(ctx: Context, openid: str, confident: bool) -> bool:
    """Count this turn's policy answer; True when it completes a run of unsure ones (in the store:
    handlers/handoff/streak.py; the question log, written behind, is not read)."""
    bot = ctx.config.bot
    return await streak.note_answer(ctx.store, openid, confident, length=bot.handoff_unconfident_streak,
                                    within=bot.dialogue_ttl_seconds)


async def _in_handoff(ctx: Context, inc: Incoming, session: HandoffSession) -> list[str]:
    """The bot stays quiet: messages go to staff; 「结束人工」 hands the user back. Menu clicks,
    even those standing for a command, are only noted for staff."""
    typed = inc.is_text and not inc.via_menu
    if inc.msg_type == "event" and inc.event != "click":
        if inc.event == "unsubscribe":
            await handoff.close(None, session.id, ctx.store)
        return []
    if typed and T.norm(inc.text) in T.LEAVE_HUMAN:
        await handoff.close(None, session.id, ctx.store)
        return [T.HANDOFF_ENDED_BY_USER + await queue.resume_hint(ctx.store, inc.openid)]
    if typed and parse_human(inc.text)[0]:
        return [T.HANDOFF_ALREADY]
    await handoff.record_user_message(session, describe(inc))
    if await handoff.take_overdue_notice(session, ctx.config.bot.handoff_wait_minutes):
        await handoff.mark_quiet_notice(session)  # the notice says more than 「请稍候」
        return [await queue.overdue_text(session.county)]
    return [T.HANDOFF_QUIET] if await handoff.mark_quiet_notice(session) else []


async def _refresh_faq(ctx: Context) -> None:
    try:
        await faq.sync_for(ctx.app[K.EXTRA], ctx.kb, ctx.store).refresh_if_due(FAQ_CHECK_SECONDS)
    except Exception as exc:  # a stale FAQ is better than no answer
        log.warning("could not refresh FAQ entries: %s", exc)


# ---------------------------------------------------------------- nobody answered


async def announce_overdue(app: web.Application) -> int:
    """Tell users nobody picked up how else to get help (customer-service message). Returns how many."""
    return await queue.announce_overdue(app[K.CONFIG].bot.handoff_wait_minutes, app[K.WECHAT].send_custom_text)


async def _watch(app: web.Application) -> None:
    interval = min(WATCH_MAX_SECONDS, max(1.0, app[K.CONFIG].bot.handoff_wait_minutes * 60 / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await announce_overdue(app)
            await faq.sync_for(app[K.EXTRA], app[K.KB], app[K.STORE]).refresh()
        except Exception as exc:
            if not note_db_unavailable(exc):
                log.exception("handoff watcher round failed")


async def watch_ctx(app: web.Application) -> AsyncIterator[None]:
    try:  # FAQ entries written before this process started join its knowledge base now
        await faq.sync_for(app[K.EXTRA], app[K.KB], app[K.STORE]).refresh()
    except Exception:
        log.exception("could not load FAQ entries at start-up")
    task = asyncio.create_task(_watch(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
