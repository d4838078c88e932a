"""Official-account channel: the WeChat callback and the chat flows."""
from aiohttp import web

from chuangye.config import Config


def setup(app: web.Application, config: Config) -> None:
    """Mount the callback routes on the root app."""
    from .callback import setup_routes

    setup_routes(app, config)
