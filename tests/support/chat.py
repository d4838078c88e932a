"""Whole conversations through the real callback: a user that types, clicks and reads replies."""
from __future__ import annotations

import itertools
import time
from typing import Any

from bot.emulator import WeChatServer
from chuangye import appkeys as K
from handlers.validation import id_check_digit
from tests.support.builders import with_check_digit
from tests.support.api import seed_windows_and_courses

__all__ = ["Chat", "PATH", "option_number", "seed_windows_and_courses", "ID_NUMBER", "WRONG_CHECK", "PHONE",
           "book_until_the_summary", "loan_until_the_summary"]

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


# ---------------------------------------------------------------- forms run by chat

ID_17 = "53232819900101002"
ID_NUMBER = with_check_digit(ID_17)
WRONG_CHECK = ID_17 + ("0" if id_check_digit(ID_17) != "0" else "1")
PHONE = "13812348000"


async def book_until_the_summary(chat: Chat, first: str = "预约窗口") -> str:
    """Run the appointment form to its summary: 元谋, its window, the first day and slot, a purpose."""
    reply = await chat.say(first) if first else await chat.click("BOOK")
    assert "【预约窗口 1/7】" in reply
    reply = await chat.say("元谋")
    await chat.say(option_number(reply, "元谋县创业服务窗口"))
    reply = await chat.say("1")  # the first open day
    assert "【预约窗口 4/7】请选择预约时段" in reply
    assert "【预约窗口 5/7】" in await chat.say("1")  # the first free slot
    await chat.say("创业担保贷款")
    await chat.say("王小花")
    return await chat.say(PHONE)


async def loan_until_the_summary(chat: Chat) -> str:
    await chat.say("贷款预申请")
    for answer in ("创业担保贷款", "返乡创业农民工", "元谋县", "民族药膳馆", "10万", "购买设备", "王小花", ID_NUMBER):
        await chat.say(answer)
    return await chat.say(PHONE)
