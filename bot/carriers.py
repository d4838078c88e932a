"""The carrier directory in chat: 「孵化基地」「附近有哪些创业园」「创业载体」…, and location messages.

- A listing command answers the carriers of that kind (all kinds for 「创业载体」), nearest first
  when the user's location is known (a location message or a reported location, kept a day),
  otherwise in the order of the ten counties with a hint to send the location.
- A location message still gets the nearest windows (bot.builtin); this middleware remembers the
  location and adds one short line naming the nearest carriers, so the window answer is unchanged.
- 「申请入驻」 is a chat form (handlers/forms/definitions.py CARRIER_FORM, run by bot.flows).
"""
from __future__ import annotations

import logging
from aiohttp import web

from chuangye.store import keys
from handlers import texts as T
from handlers.carriers.directory import KIND_CODES, OFFER_KEYS, CarrierInfo, list_carriers

from bot.builtin import LOCATION_KEEP_SECONDS
from bot.skills import Context, Handler, Incoming, Priority, add_middleware, add_skill

log = logging.getLogger("chuangye.bot.carriers")
SHOWN = 5
NEAR_LINE = 3
PRIORITY = Priority.QUERIES + 5  # after the forms (a form's answer is never taken for a command)
WHAT = {None: "创业载体", **KIND_CODES}


def _kind_asked(text: str) -> tuple[bool, str | None]:
    for kind, words in T.CARRIER_WORDS.items():
        if text in words:
            return True, kind
    return False, None


def _distance(km: float | None) -> str:
    if km is None:
        return ""
    return "，不到 1 公里" if km < 1 else f"，约 {km:.0f} 公里" if km >= 10 else f"，约 {km:.1f} 公里"


def _line(n: int, c: CarrierInfo) -> str:
    offers = "；".join(f"{label}：{c.offers[key]}" for key, label in OFFER_KEYS.items() if c.offers.get(key))
    return T.CARRIER_LINE.format(n=n, name=c.name, kind=c.kind_label, county=c.county, distance=_distance(c.distance_km),
                                 demo=T.CARRIER_DEMO if c.demo else "", industries="、".join(c.industries) or "未填写",
                                 address=c.address or "未填写", offers=offers or "入驻条件：请咨询载体",
                                 contact=c.contact or "请咨询当地创业服务窗口")


def format_carriers(found: list[CarrierInfo], kind: str | None, near: bool) -> str:
    what = WHAT[kind]
    if not found:
        return T.CARRIERS_NONE.format(what=what)
    header = (T.CARRIERS_NEAREST_HEADER if near else T.CARRIERS_HEADER).format(what=what)
    lines = [header, *(_line(n, c) for n, c in enumerate(found[:SHOWN], 1))]
    if not near:
        lines.append(T.CARRIERS_ASK_LOCATION)
    lines.append(T.CARRIERS_FOOTER)
    return "\n".join(lines)


async def _where(ctx: Context, openid: str) -> dict[str, float] | None:
    try:
        spot = await ctx.store.get_json(keys.custom(f"loc:{openid}"))
    except Exception as exc:  # the store is down: list without distances
        log.warning("could not read the location of %s: %s", openid, exc)
        return None
    return spot if isinstance(spot, dict) and {"lat", "lng"} <= set(spot) else None


async def carriers_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    asked, kind = _kind_asked(T.norm(inc.text))
    if not asked:
        return None
    spot = await _where(ctx, inc.openid)
    found = await list_carriers(kind=kind, lat=spot and spot["lat"], lng=spot and spot["lng"])
    return [format_carriers(found, kind, near=spot is not None)]


async def location_middleware(handler: Handler, ctx: Context, inc: Incoming) -> list[str] | None:
    """A location message: remember it, and add the nearest carriers in one line after the windows."""
    answer = await handler(ctx, inc)
    if inc.msg_type != "location" or inc.lat is None or inc.lng is None or not answer:
        return answer
    try:
        await ctx.store.set_json(keys.custom(f"loc:{inc.openid}"), {"lat": inc.lat, "lng": inc.lng},
                                 ttl=LOCATION_KEEP_SECONDS)
        near = [c for c in await list_carriers(lat=inc.lat, lng=inc.lng, limit=NEAR_LINE) if c.distance_km is not None]
    except Exception as exc:  # never costs the user the window answer
        log.warning("no carriers line for a location of %s: %s", inc.openid, exc)
        return answer
    if not near:
        return answer
    names = "、".join(f"{c.name}{_distance(c.distance_km).replace('，', '（', 1)}）" for c in near)
    line = T.CARRIERS_NEAR_LOCATION.format(list=names)
    last = answer[-1] + "\n" + line
    if len(last.encode()) <= T.WECHAT_TEXT_BYTES:
        return [*answer[:-1], last]
    return [*answer, line]


def install(app: web.Application) -> None:
    add_skill(app, carriers_skill, priority=PRIORITY)
    add_middleware(app, location_middleware)


__all__ = ["install", "carriers_skill", "location_middleware", "format_carriers"]
