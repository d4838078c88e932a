"""HTTP channels: the mini-program API under /api/v1 and the staff console."""
from aiohttp import web

from chuangye.config import Config


def setup(app: web.Application, config: Config) -> None:
    from api.v1 import create_api_app

    app.add_subapp("/api/v1", create_api_app(config))
    from api.console import setup_console

    setup_console(app)
