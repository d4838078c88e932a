"""The conversation as an ordered chain of skills, wrapped by middlewares.

A skill is ``async def skill(ctx: Context, incoming: Incoming) -> list[str] | None``:
``None`` means "not mine, ask the next skill"; a list (possibly empty) means "handled", and
its strings are the reply (an empty list answers nothing visible, i.e. ``success``).
The first skill that handles a message wins. No skill runs the chain again.

A middleware is ``async def middleware(handler, ctx, incoming) -> list[str] | None``, in the style
of aiogram's: it runs around the whole chain, and calls ``handler(ctx, incoming)`` (the rest of
the chain) once, or not at all. It sees what the chain answered, and what a skill noted on the
``Context`` for it (``ctx.policy_confident``). The first middleware added is the outermost.

Adding a skill or a middleware (other features do this, never by editing the built-ins)::

    # bot/binding.py
    def install(app, config):
        add_skill(app, binding_skill, priority=Priority.BINDING)

    # server/app.py, _mount_chat
    add_middleware(app, handoff.HandoffMiddleware())

and call ``install`` from the composition root (``server.app._mount_chat``), once per
app. Lower priority runs first; equal priorities keep the order they were added in. Tests may
call ``add_skill`` on an app before it starts.

A menu click for BOOK / LOAN / TRAINING / MY_APPOINTMENTS / MY_APPLICATIONS / HUMAN enters the
chain once, already translated into the text command in ``texts.MENU_COMMANDS`` (e.g. "预约窗口",
with ``via_menu`` set to the key), so a flow that answers the typed command answers the click too.
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import partial
from typing import Any, Awaitable, Callable

from aiohttp import web

from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.store import Store
from handlers.texts import MENU_COMMANDS


class Priority(IntEnum):
    BINDING = 10  # 绑定 123456
    FORMS = 20  # appointment / loan / training chat forms (取消 / 返回 / 重填)
    QUERIES = 30  # 我的预约 / 我的申请
    EVENTS = 100  # subscribe, unsubscribe, scan, view, location events
    LOCATION = 110  # a location message: nearest windows
    MENU = 120  # CLICK keys
    MEDIA = 130  # image, voice without recognition, video, link
    FEEDBACK = 140  # 有用 / 没用 right after a policy answer
    SHORT = 900  # a bare 「1」, 「好」, 「？」 outside any list or form: "did you mean", never a passage
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
    via_menu: str = ""  # the menu key when this is a click translated into its text command

    @property
    def is_text(self) -> bool:
        return bool(self.text) and self.msg_type in ("text", "voice")

    def as_command(self, text: str, menu_key: str) -> "Incoming":
        return replace(self, msg_type="text", text=text, event="", via_menu=menu_key)


def menu_command(incoming: Incoming) -> Incoming:
    """A click on a menu key that stands for a text command, as that command; anything else as is."""
    if incoming.event == "click" and incoming.event_key in MENU_COMMANDS:
        return incoming.as_command(MENU_COMMANDS[incoming.event_key], incoming.event_key)
    return incoming


@dataclass
class Context:
    """What a skill may use (config, store, knowledge base, outbound WeChat client, the app), and
    what it notes for the middlewares about the message being handled (one Context per message)."""

    app: web.Application
    policy_confident: bool | None = None  # a policy answer was recorded: was it confident?
    message_store: Store | None = None  # the store as this message sees it (chuangye.store.PrefetchedStore)

    @property
    def config(self) -> Config:
        return self.app[K.CONFIG]

    @property
    def store(self) -> Store:
        return self.message_store or self.app[K.STORE]

    @property
    def kb(self) -> Any:
        return self.app[K.KB]

    @property
    def wechat(self) -> Any:
        return self.app[K.WECHAT]


Skill = Callable[[Context, Incoming], Awaitable["list[str] | None"]]
Handler = Skill
Middleware = Callable[[Handler, Context, Incoming], Awaitable["list[str] | None"]]


@dataclass
class SkillChain:
    _entries: list[tuple[int, int, str, Skill]] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)
    _middlewares: list[Middleware] = field(default_factory=list)

    def add(self, skill: Skill, priority: int, name: str | None = None) -> None:
        entry = (int(priority), next(self._seq), name or getattr(skill, "__name__", repr(skill)), skill)
        bisect.insort(self._entries, entry, key=lambda e: (e[0], e[1]))

    def use(self, middleware: Middleware) -> None:
        self._middlewares.append(middleware)

    @property
    def names(self) -> list[str]:
        return [e[2] for e in self._entries]

    async def run(self, ctx: Context, incoming: Incoming) -> list[str] | None:
        """One message, once: translated (a menu click to its command), through the middlewares,
        outermost first, to the first skill that answers."""
        handler: Handler = self._skills
        for middleware in reversed(self._middlewares):
            handler = partial(middleware, handler)
        return await handler(ctx, menu_command(incoming))

    async def _skills(self, ctx: Context, incoming: Incoming) -> list[str] | None:
        for _, _, _, skill in self._entries:
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


def add_middleware(app: web.Application, middleware: Middleware) -> None:
    """Wrap this app's chain in ``middleware`` (inside those added before it)."""
    chain_of(app).use(middleware)
