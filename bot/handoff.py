"""人工服务 in the official account: the handoff skill, the rolling transcript, the overdue watcher.

The handoff skill runs first in the chain (``Priority.HANDOFF``) and does three things:

1. while a user is with staff, it takes every message: the message goes to the session's
   transcript and the bot stays quiet (one short 「已转人工，请稍候」, once);
2. 「人工」 (typed, or the HUMAN menu key) queues the user for their county's staff with the
   conversation so far and any unfinished form;
3. otherwise it runs the rest of the chain itself, so that it can keep a short rolling transcript
   of the conversation in the store and notice a run of unconfident policy answers, which also
   queues the user (``bot.handoff_unconfident_streak``).

A background task announces, once, to users nobody picked up within ``bot.handoff_wait_minutes``
how else to get help, and keeps this process's knowledge base in step with the FAQ entries.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, AsyncIterator

from aiohttp import web

from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.db import note_db_unavailable
from chuangye.store import Store, keys
from handlers.knowledge_ops import ask
from handlers.knowledge_ops import faq
from handlers.handoff import sessions as handoff
from orm_models import HandoffSession

from bot import flow_texts as T
from bot.skills import Context, Incoming, Priority, add_skill

log = logging.getLogger("chuangye.bot.handoff")
CHATLOG_LINES = 12
CHATLOG_TTL_SECONDS = 24 * 3600
WATCH_MAX_SECONDS = 30.0
FAQ_CHECK_SECONDS = 1.0  # FAQ entries changed by another process reach this one's answers within this
_WRAPPING: ContextVar[bool] = ContextVar("handoff_wrapping", default=False)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().rstrip("。！!？?～~")


def describe(inc: Incoming) -> str:
    """One transcript line for a message or a menu click."""
    if inc.text:
        return inc.text
    label = T.HANDOFF_LINE_EVENTS.get(inc.event or inc.msg_type, f"[{inc.msg_type}]")
    detail = inc.event_key or inc.label
    return f"{label} {detail}".strip()


# ---------------------------------------------------------------- rolling transcript


def _chatlog_key(openid: str) -> str:
    return keys.custom(f"chatlog:{openid}")


async def remember(store: Store, openid: str, said: str, replies: list[str]) -> None:
    """Append one exchange to the user's short transcript (masked; losing it only costs context)."""
    try:
        lines = await store.get_json(_chatlog_key(openid)) or []
        lines.append({"who": "user", "text": handoff.scrub(said)[:500]})
        lines += [{"who": "bot", "text": handoff.scrub(r)[:500]} for r in replies if r]
        await store.set_json(_chatlog_key(openid), lines[-CHATLOG_LINES:], ttl=CHATLOG_TTL_SECONDS)
    except Exception as exc:  # the store being down must not cost the user the answer
        log.warning("could not keep the chat transcript of %s: %s", openid, exc)


async def recent(store: Store, openid: str) -> list[dict[str, Any]]:
    try:
        return await store.get_json(_chatlog_key(openid)) or []
    except Exception as exc:
        log.warning("could not read the chat transcript of %s: %s", openid, exc)
        return []


# ---------------------------------------------------------------- the skill


async def handoff_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if _WRAPPING.get():  # the chain run by this very skill, e.g. a menu click offered as 「人工」
        return await _human_command(ctx, inc)
    try:
        session = await handoff.open_session(inc.openid, ctx.store)
    except Exception as exc:  # the database is unreachable: no staff can answer, the bot still can
        if not note_db_unavailable(exc):  # an outage is logged once, not per message
            log.warning("handoff state of %s unknown, the bot answers: %s: %s", inc.openid, type(exc).__name__, exc)
        session = None
    if session is not None:
        return await _in_handoff(ctx, inc, session)
    answer = await _human_command(ctx, inc)
    return answer if answer is not None else await _run_and_watch(ctx, inc)


def _parse_human(text: str) -> tuple[bool, str | None]:
    """(is a 人工 command, county named in it): 「人工」, 「人工 元谋」, 「转人工服务」..."""
    text = _norm(text)
    word = next((w for w in sorted(T.HUMAN, key=len, reverse=True) if text.startswith(w)), None)
    if word is None:
        return False, None
    rest = text[len(word):].strip()
    if not rest:
        return True, None
    from handlers.validation import FieldError, validate_county

    try:
        return True, validate_county(rest)
    except FieldError:
        return False, None


async def _human_command(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    wanted, county = _parse_human(inc.text)
    if not wanted:
        return None
    return await start(ctx, inc.openid, reason="menu" if inc.via_menu else "asked", county=county)


async def start(ctx: Context, openid: str, *, reason: str, county: str | None = None) -> list[str]:
    """Queue the user with the transcript and draft; the reply tells them who will answer."""
    from bot.flows import draft_of

    draft = await draft_of(ctx.store, openid)
    session, created = await handoff.start_handoff(
        openid, reason=reason, county=county, transcript=await recent(ctx.store, openid), draft=draft,
        store=ctx.store)
    if not created:
        return [T.HANDOFF_ALREADY]
    who = T.HANDOFF_WHO_PREFECTURE if session.county == handoff.PREFECTURE else \
        T.HANDOFF_WHO_COUNTY.format(county=session.county)
    lines = [T.HANDOFF_QUEUED.format(who=who)]
    if draft:
        lines.append(T.HANDOFF_DRAFT_KEPT.format(title=draft["title"]))
    return ["\n".join(lines)]


async def _in_handoff(ctx: Context, inc: Incoming, session: HandoffSession) -> list[str]:
    """The bot stays quiet: messages go to staff; 「结束人工」 hands the user back."""
    if inc.msg_type == "event" and inc.event != "click":
        if inc.event == "unsubscribe":
            await handoff.close(None, session.id, ctx.store)
        return []
    if inc.is_text and _norm(inc.text) in T.LEAVE_HUMAN:
        await handoff.close(None, session.id, ctx.store)
        return [T.HANDOFF_ENDED_BY_USER + await resume_hint(ctx.store, inc.openid)]
    if inc.is_text and _parse_human(inc.text)[0]:
        return [T.HANDOFF_ALREADY]
    await handoff.record_user_message(session, describe(inc))
    if await handoff.take_overdue_notice(session, ctx.config.bot.handoff_wait_minutes):
        await handoff.mark_quiet_notice(session)  # the notice says more than 「请稍候」
        return [await overdue_text(session.county)]
    return [T.HANDOFF_QUIET] if await handoff.mark_quiet_notice(session) else []


async def resume_hint(store: Store, openid: str) -> str:
    from bot.flows import draft_of

    draft = await draft_of(store, openid)
    return "\n" + T.HANDOFF_RESUME_DRAFT.format(title=draft["title"]) if draft else ""


async def _run_and_watch(ctx: Context, inc: Incoming) -> list[str]:
    """Run the rest of the chain, keep the transcript, and queue after a run of unsure answers."""
    started = handoff.now()
    if inc.is_text:
        await _refresh_faq(ctx)
    token = _WRAPPING.set(True)
    try:
        with ask.noting_recorded() as recorded:
            parts = list(await ctx.chain.run(ctx, inc, after=handoff_skill) or [])
    finally:
        _WRAPPING.reset(token)
    await remember(ctx.store, inc.openid, describe(inc), parts)
    bot = ctx.config.bot
    # A run can only end in this turn's question: without an unsure one recorded now, no query.
    if inc.is_text and False in recorded and await handoff.unconfident_streak(
            inc.openid, bot.handoff_unconfident_streak, within=timedelta(seconds=bot.dialogue_ttl_seconds),
            this_turn_from=started):
        parts += [T.HANDOFF_QUEUED_UNCONFIDENT + (await start(ctx, inc.openid, reason="unconfident"))[0]]
    return parts


async def _refresh_faq(ctx: Context) -> None:
    try:
        await faq.sync_for(ctx.app[K.EXTRA], ctx.kb, ctx.store).refresh_if_due(FAQ_CHECK_SECONDS)
    except Exception as exc:  # a stale FAQ is better than no answer
        log.warning("could not refresh FAQ entries: %s", exc)


# ---------------------------------------------------------------- nobody answered


async def overdue_text(county: str) -> str:
    from handlers.appointments.windows import list_windows

    windows = [w for w in await list_windows() if w.county == county]
    lines = [T.HANDOFF_OVERDUE_WINDOW.format(name=w.name, phone=w.phone, address=w.address, hours=w.hours_text)
             for w in windows] or [T.HANDOFF_OVERDUE_NO_WINDOW]
    return T.HANDOFF_OVERDUE.format(windows="\n".join(lines))


async def announce_overdue(app: web.Application) -> int:
    """Tell users nobody picked up how else to get help (customer-service message). Returns how many."""
    sent = 0
    for session in await handoff.claim_overdue(app[K.CONFIG].bot.handoff_wait_minutes):
        try:
            await app[K.WECHAT].send_custom_text(session.openid, await overdue_text(session.county))
        except Exception as exc:  # given in the next passive reply instead (take_overdue_notice)
            await handoff.add_system_line(session, f"超时提示未能推送（{str(exc)[:80]}），将在用户下次发消息时告知")
            continue
        await handoff.mark_timeout_delivered(session)
        await handoff.add_system_line(session, "无人接入已超时，已告知用户其他求助方式")
        sent += 1
    return sent


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


def install(app: web.Application, config: Config) -> None:
    add_skill(app, handoff_skill, priority=Priority.HANDOFF)
