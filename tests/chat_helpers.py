"""Whole conversations through the real callback: a user that types, clicks and reads replies."""
from __future__ import annotations

import itertools
import time
from typing import Any

from bot.emulator import WeChatServer
from chuangye import appkeys as K
from tests.api_helpers import seed_windows_and_courses

__all__ = ["Chat", "PATH", "option_number", "seed_windows_and_courses"]

PATH = "/wechat/official"
_clock = itertools.count(int(time.time()) - 200)


class Chat:
    """One WeChat user talking to the app in plaintext mode, as the WeChat server would relay it."""

    def __init__(self, client: Any, config: Any, openid: str) -> None:
        self.client, self.openid = client, openid
        self.server = WeChatServer.from_config(config, plaintext=True)

    @property
    def app(self) -> Any:
        return self.client.server.app

    @property
    def store(self) -> Any:
        return self.app[K.STORE]

    async def _post(self, xml: str) -> str:
        status, fields, raw = await self.server.post(self.client, PATH, xml, self.openid)
        assert status == 200, raw
        assert "Traceback" not in raw
        return fields.get("Content", "")

    async def say(self, text: str) -> str:
        return await self._post(self.server.text(self.openid, text))

    async def click(self, key: str) -> str:
        # Events are deduplicated on FromUserName + CreateTime + Event: give each click its own second.
        return await self._post(self.server.event(self.openid, "CLICK", key, CreateTime=next(_clock)))

    async def send(self, xml_builder: str, **fields: Any) -> str:
        return await self._post(self.server.xml(self.openid, xml_builder, **fields))


def option_number(reply: str, contains: str) -> str:
    """The number of the first listed option whose text contains ``contains``."""
    for line in reply.splitlines():
        number, dot, label = line.partition(". ")
        if dot and number.strip().isdigit() and contains in label:
            return number.strip()
    raise AssertionError(f"no option containing {contains!r} in:\n{reply}")
