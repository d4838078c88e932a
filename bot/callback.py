"""PLACEHOLDER until the callback lands."""
from aiohttp import web

from chuangye.config import Config


def setup_routes(app: web.Application, config: Config) -> None:
    return None
