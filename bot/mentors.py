"""Mentor help in chat: free phrases that ask for a mentor, 「我的导师」 and rating the help.

「找导师」 itself (and the MENTOR menu click) is a chat form like the loan one (bot/flows.py,
MENTOR_FORM). This skill runs after the forms, so it never takes an answer of an open form:
- 「想找个懂电商的老师指导一下」: starts the same form, the area already answered when named;
- 「我的导师」: the user's requests, the mentor who will contact them, and the follow-ups;
- 「评价导师 5 很有帮助」: rates the help of the latest assigned request (1–5).
"""
from __future__ import annotations

import re

from aiohttp import web

from chuangye.config import Config
from handlers import texts as T
from handlers.errors import DomainError
from handlers.forms.definitions import MENTOR_AREAS
from handlers.mentors.requests import my_requests, rate_request
from handlers.users import find_or_create_user

from bot import flows
from bot.skills import Context, Incoming, Priority, add_skill

ASKING = re.compile(r"(导师|老师|专家).{0,8}(指导|帮|带|辅导|咨询)|找.{0,6}(导师|老师|专家)")
RATING = re.compile(r"^评价导师\s*([1-5])\s*分?\s*(.*)$")
# Words users say for an area, mapped to the form's choices (the longer match wins).
AREA_WORDS = {**{a.replace("+创业", ""): a for a in MENTOR_AREAS if a != "其他"},
              "网店": "电商", "直播带货": "电商", "淘宝": "电商", "记账": "财务", "会计": "财务", "推广": "营销",
              "彝药": "中彝医药+创业", "中药": "中彝医药+创业", "民宿": "康养文旅+创业", "旅游": "康养文旅+创业",
              "种植": "高原特色农业+创业", "养殖": "高原特色农业+创业", "食品": "绿色食品+创业"}
NO_REQUESTS = "您还没有找导师申请。发送「找导师」，告诉我们您想在哪方面得到指导，县市工作人员会为您安排创业导师。"
RATE_HINT = "感谢评价！回复「我的导师」可查看帮扶记录。"


def area_in(text: str) -> str | None:
    found = [w for w in AREA_WORDS if w in text]
    return AREA_WORDS[max(found, key=len)] if found else None


def history_text(requests: list[dict]) -> str:
    lines = ["【我的导师】"]
    for r in requests[:5]:
        lines.append(f"编号 {r['id']}｜{r['county']}｜{r['industry']}｜{r['status_text']}")
        m = r["mentor"]
        if m:
            who = "，".join(x for x in (m["name"], m["title"], m["organisation"]) if x)
            lines.append(f"  导师：{who}（导师会致电您留下的手机号 {r['phone']}）")
        for f in r["follow_ups"]:
            lines.append(f"  {f['date']:%m月%d日} {f['kind']}：{f['note'][:40]}")
        if m and r["rating"] is None:
            lines.append("  帮扶结束后可回复「评价导师 5」（1–5 分，可加一句评价）")
    return "\n".join(lines)


async def mentor_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    text = T.norm(inc.text)
    if text in T.MY_MENTORS:
        user = await find_or_create_user("oa", inc.openid)
        requests = await my_requests(user.id)
        return [history_text(requests) if requests else NO_REQUESTS]
    if match := RATING.match(text):
        return [await _rate(inc.openid, int(match.group(1)), match.group(2))]
    if ASKING.search(text):
        replies = await flows.begin(ctx, inc.openid, "mentor")
        area = area_in(text)
        if area is None:
            return replies
        state = await flows.drafts.load(ctx.store, inc.openid)
        return [f"好的，为您找{area}方面的创业导师。", *await flows.advance(ctx, inc.openid, state, area)]
    return None


async def _rate(openid: str, rating: int, comment: str) -> str:
    user = await find_or_create_user("oa", openid)
    assigned = [r for r in await my_requests(user.id) if r["mentor"]]
    if not assigned:
        return "还没有为您分配导师，分配并帮扶后才能评价。"
    try:
        await rate_request(user.id, assigned[0]["id"], rating, comment)
    except DomainError as exc:
        return str(exc)
    return RATE_HINT


def install(app: web.Application, config: Config) -> None:
    add_skill(app, mentor_skill, priority=Priority.FORMS + 5)
