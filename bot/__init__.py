"""Official-account channel: the WeChat callback and the chat flows.

Features add conversation skills through plugins: a module listed in ``PLUGINS`` defines
``install(app: web.Application, config: Config) -> None`` that calls
``bot.skills.add_skill(app, skill, priority=Priority.X)`` (see ``bot/skills.py``).
"""
from importlib import import_module

from aiohttp import web

from chuangye.config import Config

# Feature modules that add skills (human handoff, chat forms, my records, staff binding...).
PLUGINS: list[str] = ["bot.handoff", "bot.binding", "bot.flows"]


def setup(app: web.Application, config: Config) -> None:
    """Mount the callback routes on the root app and build its skill chain."""
    from . import builtin
    from .callback import setup_routes

    setup_routes(app, config)
    builtin.install(app)
    for name in PLUGINS:
        import_module(name).install(app, config)
