"""PLACEHOLDER until the API lands."""
from aiohttp import web

from chuangye.config import Config


def create_api_app(config: Config) -> web.Application:
    return web.Application()
