"""The channel's own skills: events, location, menu clicks, media, greetings, feedback on answers
(有用/没用), "did you mean", policy answers."""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from aiohttp import web

from chuangye import appkeys as K
from chuangye.store import keys

from handlers import texts
from handlers.forms.chat import confirms
from bot.skills import Context, Incoming, Priority, add_skill


log = logging.getLogger("chuangye.bot")
FEEDBACK_WINDOW_SECONDS = 10 * 60  # a 有用/没用 rates the last confident answer given within this time
GREETINGS = frozenset({"你好", "您好", "hi", "hello", "帮助", "菜单", "help", "在吗", "在不在"})
BARE_NUMBER = re.compile(r"[0-9]{1,2}")
LOCATION_TOLD_SECONDS = 12 * 3600
LOCATION_KEEP_SECONDS = 24 * 3600


def _distance(km: float) -> str:
    return "不到 1 公里" if km < 1 else f"约 {km:.0f} 公里" if km >= 10 else f"约 {km:.1f} 公里"


def format_windows(windows: list[Any], header: str) -> str:
    lines = [header]
    for n, w in enumerate(windows, 1):
        lines.append(texts.WINDOW_LINE.format(
            n=n, name=w.name, county=w.county, distance=_distance(w.distance_km),
            address=w.address, phone=w.phone, hours=w.hours_text))
    return "\n".join(lines)


async def _nearest(lat: float, lng: float, limit: int) -> list[Any]:
    from handlers.appointments.windows import nearest_windows

    return list(await nearest_windows(lat, lng, limit=limit))


async def events_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    """Subscribe gets the welcome; events with nothing visible to say answer ``success``."""
    if inc.msg_type != "event" or inc.event == "click":
        return None
    if inc.event.startswith("subscribe"):
        return [texts.WELCOME]
    if inc.event == "scan":
        return [texts.WELCOME_BACK]
    if inc.event == "location" and inc.lat is not None and inc.lng is not None:
        return await _location_event(ctx, inc)
    # unsubscribe (cannot be answered), view (the user is opening a page), job reports...
    return []


async def _location_event(ctx: Context, inc: Incoming) -> list[str]:
    """Reported location: remembered for a day; the nearest window is named at most twice a day."""
    await ctx.store.set_json(keys.custom(f"loc:{inc.openid}"), {"lat": inc.lat, "lng": inc.lng},
                             ttl=LOCATION_KEEP_SECONDS)
    if not await ctx.store.set_if_absent(keys.custom(f"loc_told:{inc.openid}"), "1", ttl=LOCATION_TOLD_SECONDS):
        return []
    windows = await _nearest(inc.lat, inc.lng, 1)  # type: ignore[arg-type]
    return [format_windows(windows, texts.LOCATION_EVENT_HEADER)] if windows else []


async def location_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if inc.msg_type != "location":
        return None
    if inc.lat is None or inc.lng is None:
        return [texts.ASK_LOCATION]
    windows = await _nearest(inc.lat, inc.lng, 3)
    if not windows:
        return [texts.NO_WINDOWS]
    header = texts.NEAREST_HEADER_AT.format(label=inc.label) if inc.label else texts.NEAREST_HEADER
    return [format_windows(windows, header) + "\n" + texts.NEAREST_FOOTER]


async def menu_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    """CLICK: a fixed text. A command key arrives as its text command (``bot.skills.menu_command``):
    when no feature skill before this one took it, it gets its fallback here."""
    if inc.via_menu:
        return [texts.MENU_FALLBACK[inc.via_menu]]
    if inc.event != "click":
        return None
    return [texts.MENU_TEXTS.get(inc.event_key, texts.UNKNOWN_MENU)]


async def media_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    """Images, videos, links and unrecognised voice: say what was received and how to go on."""
    if inc.is_text:
        return [texts.HELP] if inc.text.strip().lower() in GREETINGS else None
    if inc.msg_type == "voice":
        return [texts.VOICE_UNRECOGNISED]
    if inc.msg_type == "image":
        return [texts.IMAGE]
    if inc.msg_type in ("video", "shortvideo"):
        return [texts.VIDEO]
    if inc.msg_type == "link":
        return [texts.LINK.format(title=inc.label or "链接")]
    if inc.msg_type == "text":
        return [texts.EMPTY_TEXT]
    return [texts.UNSUPPORTED]


def did_you_mean(text: str) -> str | None:
    """A bare number, a yes or a single character that reached no list and no form is no question:
    「1」, 「好」, 「？」 get a short 「您是想……吗？」 with the services, never a passage."""
    text = unicodedata.normalize("NFKC", text).strip()
    if BARE_NUMBER.fullmatch(text):
        return texts.DID_YOU_MEAN_NUMBER.format(n=int(text))
    if confirms(text):
        return texts.DID_YOU_MEAN_YES
    return texts.DID_YOU_MEAN_CHAR if len(text) == 1 else None


async def short_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    reply = did_you_mean(inc.text)
    return [reply] if reply else None


async def policy_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    """Everything textual that no feature claimed is a policy question for the knowledge base."""
    if not inc.is_text:
        return None
    from handlers.knowledge_ops.ask import answer_policy_question

    answer = await answer_policy_question(ctx.kb, inc.text, channel="oa", openid=inc.openid,
                                          assistant=ctx.app.get(K.LLM), asking=ctx.app.get(K.ASK))
    if answer.recorded:  # for the handoff middleware's count of unsure answers
        ctx.policy_confident = answer.confident
    if not answer.text:
        return [texts.POLICY_UNAVAILABLE]
    rated = False
    if answer.confident and answer.answer_id is not None:
        rated = await _remember_answer(ctx, inc.openid, answer.answer_id)
    else:  # a 没用 now would be about this unsure reply, not an earlier answer
        await _remember_answer(ctx, inc.openid, None)
    with_hint = f"{answer.text}\n{texts.FEEDBACK_HINT}"
    if rated and len(with_hint.encode("utf-8")) <= texts.WECHAT_TEXT_BYTES:
        return [with_hint]
    return [answer.text]


def _last_answer_key(openid: str) -> str:
    return keys.custom(f"last_answer:{openid}")


async def _remember_answer(ctx: Context, openid: str, answer_id: int | None) -> bool:
    """Keep (or, for None, forget) the answer a 有用/没用 would rate. False when the store is down."""
    try:
        if answer_id is None:
            await ctx.store.delete(_last_answer_key(openid))
        else:
            await ctx.store.set_json(_last_answer_key(openid), answer_id, ttl=FEEDBACK_WINDOW_SECONDS)
        return True
    except Exception as exc:
        log.warning("could not keep the last answer for feedback: %s", exc)
        return False


async def feedback_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    """有用 / 没用 right after a confident answer rates it (a second vote replaces the first).
    Without such an answer the words are left to the next skills."""
    if not inc.is_text:
        return None
    from handlers.knowledge_ops.feedback import record_feedback, verdict

    helpful = verdict(inc.text)
    if helpful is None:
        return None
    try:
        answer_id = await ctx.store.get_json(_last_answer_key(inc.openid))
    except Exception as exc:
        log.warning("could not read the last answer for feedback: %s", exc)
        return None
    if not isinstance(answer_id, int):
        return None
    try:
        await record_feedback(answer_id, helpful, asking=ctx.app.get(K.ASK))
    except Exception:
        log.exception("could not record feedback on answer %s", answer_id)
        return [texts.FEEDBACK_FAILED]
    return [texts.FEEDBACK_THANKS if helpful else texts.FEEDBACK_SORRY]


def install(app: web.Application) -> None:
    add_skill(app, events_skill, priority=Priority.EVENTS)
    add_skill(app, location_skill, priority=Priority.LOCATION)
    add_skill(app, menu_skill, priority=Priority.MENU)
    add_skill(app, media_skill, priority=Priority.MEDIA)
    add_skill(app, feedback_skill, priority=Priority.FEEDBACK)
    add_skill(app, short_skill, priority=Priority.SHORT)
    add_skill(app, policy_skill, priority=Priority.POLICY)

