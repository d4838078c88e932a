"""「绑定 123456」: a staff member binds their WeChat to their console account with a one-time code.

A WeChat user who sends MAX_FAILURES wrong codes within an hour is not checked again until the
hour is over, so nobody can walk the million six-digit codes to catch a live one.
"""
from __future__ import annotations

import re
import unicodedata

from aiohttp import web

from chuangye.config import Config
from chuangye.store import keys

from handlers import texts as T
from bot.skills import Context, Incoming, Priority, add_skill

_BIND = re.compile(r"^绑定\s*[:：]?\s*(\S*)$")
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 3600
TOO_MANY = f"绑定码连续 {MAX_FAILURES} 次错误，请 1 小时后再试；如需帮助请联系州级管理员。"


def parse_bind(text: str) -> str | None:
    """The code of a 绑定 command ("" when the code is missing), or None when it is no such command."""
    match = _BIND.match(unicodedata.normalize("NFKC", text or "").strip())
    return None if match is None else match.group(1)


async def binding_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    code = parse_bind(inc.text)
    if code is None:
        return None
    if not re.fullmatch(r"\d{6}", code):
        return [T.BIND_FORMAT]
    from handlers.staff.auth import ROLE_NAMES, bind_staff_wechat

    failures = keys.rate("bind", inc.openid)
    if int(await ctx.store.get(failures) or 0) >= MAX_FAILURES:
        return [TOO_MANY]
    staff = await bind_staff_wechat(code, inc.openid)
    if staff is None:
        await ctx.store.incr(failures, ttl=FAILURE_WINDOW_SECONDS)
        return [T.BIND_FAILED]
    await staff.fetch_related("window")
    where = f"，{staff.window.name}" if staff.window else (f"，{staff.county}" if staff.county else "")
    return [T.BIND_OK.format(name=staff.display_name or staff.username, role=ROLE_NAMES.get(staff.role, staff.role),
                             where=where)]


def install(app: web.Application, config: Config) -> None:
    add_skill(app, binding_skill, priority=Priority.BINDING)
