"""The conversation as an ordered chain of skills.

A skill is ``async def skill(ctx: Context, incoming: Incoming) -> list[str] | None``:
``None`` means "not mine, ask the next skill"; a list (possibly empty) means "handled", and
its strings are the reply (an empty list answers nothing visible, i.e. ``success``).
The first skill that handles a message wins.

Adding a skill (other features do this, never by editing the built-ins)::

    # bot/handoff.py
    from bot.skills import Priority, add_skill

    def install(app, config):
        add_skill(app, handoff_skill, priority=Priority.HANDOFF)

and call ``install`` from the composition root (``server.app._mount_chat``), once per
app. Lower priority runs first; equal priorities keep the order they were added in. Tests may
call ``add_skill`` on an app before it starts.

Menu clicks for BOOK / LOAN / TRAINING / MY_APPOINTMENTS / MY_APPLICATIONS / HUMAN are offered
to the chain a second time as the text command in ``texts.MENU_COMMANDS`` (e.g. "预约窗口"),
so a flow that answers the typed command answers the click too.
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any, Awaitable, Callable

from aiohttp import web

from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.store import Store


class Priority(IntEnum):
    HANDOFF = 0  # 人工: while a user is with staff, the bot stays quiet
    BINDING = 10  # 绑定 123456
    FORMS = 20  # appointment / loan / training chat forms (取消 / 返回 / 重填)
    QUERIES = 30  # 我的预约 / 我的申请
    EVENTS = 100  # subscribe, unsubscribe, scan, view, location events
    LOCATION = 110  # a location message: nearest windows
    MENU = 120  # CLICK keys
    MEDIA = 130  # image, voice without recognition, video, link
    POLICY = 1000  # anything textual left: the knowledge base answers


@dataclass(frozen=True)
class Incoming:
    """One user message or event, free of XML and wechatpy types (``raw`` keeps the original)."""

    openid: str
    msg_type: str  # text voice image location link video shortvideo event unknown
    text: str = ""  # Content, voice Recognition, or a menu click's command
    event: str = ""  # subscribe unsubscribe click view scan location ... (lower case)
    event_key: str = ""
    lat: float | None = None
    lng: float | None = None
    label: str = ""
    msg_key: str = ""  # dedupe key, always per user: FromUserName:MsgId, or FromUserName:CreateTime:Event:EventKey
    raw: Any = None
    via_menu: str = ""  # the menu key when this is a click re-offered as its text command

    @property
    def is_text(self) -> bool:
        return bool(self.text) and self.msg_type in ("text", "voice")

    def as_command(self, text: str, menu_key: str) -> "Incoming":
        return replace(self, msg_type="text", text=text, event="", via_menu=menu_key)


@dataclass
class Context:
    """What a skill may use: config, store, knowledge base, outbound WeChat client, the app."""

    app: web.Application
    chain: "SkillChain"

    @property
    def config(self) -> Config:
        return self.app[K.CONFIG]

    @property
    def store(self) -> Store:
        return self.app[K.STORE]

    @property
    def kb(self) -> Any:
        return self.app[K.KB]

    @property
    def wechat(self) -> Any:
        return self.app[K.WECHAT]


Skill = Callable[[Context, Incoming], Awaitable["list[str] | None"]]


@dataclass
class SkillChain:
    _entries: list[tuple[int, int, str, Skill]] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)

    def add(self, skill: Skill, priority: int, name: str | None = None) -> None:
        entry = (int(priority), next(self._seq), name or getattr(skill, "__name__", repr(skill)), skill)
        bisect.insort(self._entries, entry, key=lambda e: (e[0], e[1]))

    @property
    def names(self) -> list[str]:
        return [e[2] for e in self._entries]

    async def run(self, ctx: Context, incoming: Incoming, *, below: int | None = None,
                  after: Skill | None = None) -> list[str] | None:
        """The first non-None answer; ``below`` limits the chain to priorities under it;
        ``after`` starts just past that skill (a skill that wraps the rest of the chain)."""
        entries = self._entries
        if after is not None:
            entries = entries[next(i for i, e in enumerate(entries) if e[3] is after) + 1:]
        for priority, _, _, skill in entries:
            if below is not None and priority >= below:
                break
            answer = await skill(ctx, incoming)
            if answer is not None:
                return answer
        return None


CHAIN = web.AppKey("bot_skill_chain", SkillChain)


def chain_of(app: web.Application) -> SkillChain:
    if CHAIN not in app:
        app[CHAIN] = SkillChain()
    return app[CHAIN]


def add_skill(app: web.Application, skill: Skill, *, priority: int, name: str | None = None) -> None:
    """Insert ``skill`` into this app's chain (lower ``priority`` runs first, see ``Priority``)."""
    chain_of(app).add(skill, priority, name)
