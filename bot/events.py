"""「活动」: upcoming entrepreneurship events, signing up with name and phone, 「我的活动」, cancelling.

The list a user last saw is kept in the store for a while, so 「报名1」 means the first event of
that list; a chosen event waits for 「姓名 手机号」 in the store too (any other text passes on to
the rest of the chain, 「取消」 drops it). Sign-up goes through the same use case as the API, so
capacity, duplicates and every message are the same in both channels.
"""
from __future__ import annotations

import logging
import re

from aiohttp import web

from chuangye.config import Config
from chuangye.store import Store, keys
from handlers import texts as T
from handlers.forms.drafts import STORE_ERRORS
from handlers.errors import DomainError
from handlers.events.catalogue import public_event, upcoming_events
from handlers.events.signup import STATUS_ZH, cancel_registration, my_registrations, register_for_event
from handlers.texts import when_text
from handlers.users import find_or_create_user

from bot.skills import Context, Incoming, Priority, add_skill

LIST_TTL_SECONDS = 30 * 60
PENDING_TTL_SECONDS = 10 * 60
SHOWN = 9
DROP = {"取消", "返回", "算了", "不报了", "不报名了"}
CONTACT = re.compile(r"^(\S+?)[\s,，、]+([+\d][\d\s\-]{9,16})$")


log = logging.getLogger("chuangye.bot.events")


def _key(kind: str, openid: str) -> str:
    return keys.custom(f"evt:{kind}:{openid}")


def _number(text: str, prefixes: tuple[str, ...]) -> int | None:
    """N of 「报名N」/「报名 N」 (``None`` when the text is no such command, 0 when N is missing)."""
    for prefix in prefixes:
        if text.startswith(prefix):
            rest = text[len(prefix):].strip()
            return int(rest) if rest.isdigit() and len(rest) < 4 else (0 if not rest else None)
    return None


def _where(e) -> str:
    place = f"地点：{e.place}" if e.place else ""
    online = f"直播：{e.online_url}" if e.online_url else ""
    return "；".join(x for x in (place, online) if x) or "地点：另行通知"


async def list_events(store: Store, openid: str) -> str:
    events = (await upcoming_events())[:SHOWN]
    if not events:
        return T.EVENTS_NONE
    await store.set_json(_key("list", openid), [e.id for e in events], ttl=LIST_TTL_SECONDS)
    lines = [T.EVENTS_HEADER]
    for n, e in enumerate(events, start=1):
        left = e.capacity - e.registered
        seats = f"剩余名额：{left}/{e.capacity}" if left > 0 else "名额已满"
        title = e.title + (T.EVENT_DEMO if e.is_demo else "")
        lines.append(T.EVENT_LINE.format(n=n, kind=e.kind, title=title, when=when_text(e.start, e.end),
                                         where=f"{e.county} · {_where(e)}", seats=seats))
    return "\n".join(lines + [T.EVENTS_FOOTER])


async def choose(store: Store, openid: str, n: int) -> str:
    ids = await store.get_json(_key("list", openid)) or []
    if not 1 <= n <= len(ids):
        return T.EVENT_PICK_AGAIN
    try:
        event = await public_event(ids[n - 1])
    except DomainError:
        return T.EVENT_PICK_AGAIN
    await store.set_json(_key("pending", openid), event.id, ttl=PENDING_TTL_SECONDS)
    return T.EVENT_ASK_CONTACT.format(title=event.title, when=when_text(event.start, event.end))


async def sign_up(store: Store, openid: str, event_id: int, text: str) -> str | None:
    match = CONTACT.match(text)
    if match is None:
        return T.EVENT_CONTACT_FORMAT if re.search(r"\d{5,}", text) else None
    user = await find_or_create_user("oa", openid)
    try:
        reg = await register_for_event(user.id, {"event_id": event_id, "name": match.group(1), "phone": match.group(2)})
    except DomainError as exc:
        if set(exc.fields) <= {"name", "phone"} and exc.fields:
            return "\n".join([*exc.fields.values(), T.EVENT_CONTACT_FORMAT])  # try again, the event is kept
        await store.delete(_key("pending", openid))
        return exc.message
    await store.delete(_key("pending", openid))
    await reg.fetch_related("event")
    mine = await my_registrations(user.id)
    n = next(i for i, r in enumerate(mine, start=1) if r.id == reg.id)
    await store.set_json(_key("mine", openid), [r.id for r in mine[:SHOWN]], ttl=LIST_TTL_SECONDS)
    e = reg.event
    return T.EVENT_SIGNED_UP.format(title=e.title, when=when_text(e.start, e.end), where=_where(e), code=reg.code, n=n)


async def my_events(store: Store, openid: str) -> str:
    user = await find_or_create_user("oa", openid)
    regs = (await my_registrations(user.id))[:SHOWN]
    if not regs:
        return T.MY_EVENTS_NONE
    await store.set_json(_key("mine", openid), [r.id for r in regs], ttl=LIST_TTL_SECONDS)
    lines = [T.MY_EVENTS_HEADER]
    for n, r in enumerate(regs, start=1):
        code = f"\n   签到码：{r.code}" if r.status == "registered" else ""
        lines.append(T.MY_EVENT_LINE.format(n=n, title=r.event.title, when=when_text(r.event.start, r.event.end),
                                            status=STATUS_ZH.get(r.status, r.status), code=code))
    return "\n".join(lines + [T.MY_EVENTS_FOOTER])


async def cancel(store: Store, openid: str, n: int) -> str:
    ids = await store.get_json(_key("mine", openid)) or []
    if not 1 <= n <= len(ids):
        return T.EVENT_CANCEL_PICK
    user = await find_or_create_user("oa", openid)
    try:
        reg = await cancel_registration(user.id, ids[n - 1])
    except DomainError as exc:
        return exc.message
    return T.EVENT_CANCELLED.format(title=reg.event.title)


async def events_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    try:
        return await _events_step(ctx, inc)
    except STORE_ERRORS as exc:  # the store is down: an event command says so, anything else goes on
        log.warning("store unavailable in the events skill for %s: %s", inc.openid, exc)
        text = T.norm(inc.text)
        asked = (text in T.EVENT_LIST or text in T.MY_EVENTS or _number(text, T.EVENT_CANCEL_PREFIX) is not None
                 or _number(text, T.EVENT_SIGNUP_PREFIX) is not None)
        return [T.FLOW_STORE_DOWN] if asked else None


async def _events_step(ctx: Context, inc: Incoming) -> list[str] | None:
    text, store = T.norm(inc.text), ctx.store
    if text in T.EVENT_LIST:
        return [await list_events(store, inc.openid)]
    if text in T.MY_EVENTS:
        return [await my_events(store, inc.openid)]
    n = _number(text, T.EVENT_CANCEL_PREFIX)
    if n is not None:
        return [await cancel(store, inc.openid, n)]
    n = _number(text, T.EVENT_SIGNUP_PREFIX)
    if n is not None and (n or await store.get_json(_key("list", inc.openid))):
        return [await choose(store, inc.openid, n)]
    pending = await store.get_json(_key("pending", inc.openid))
    if pending is None:
        return None
    if text in DROP:
        await store.delete(_key("pending", inc.openid))
        return [T.EVENT_SIGNUP_DROPPED]
    answer = await sign_up(store, inc.openid, int(pending), text)
    return None if answer is None else [answer]


def install(app: web.Application, config: Config) -> None:
    add_skill(app, events_skill, priority=Priority.FORMS + 5)
