"""CONTRACT §3 with a configured callback_path: the callback answers there, and only there."""
from __future__ import annotations

import time
from typing import Any

from bot.emulator import WeChatServer, sign
from server.app import create_app

from tests.support.env import SQLITE_ONLY


@SQLITE_ONLY
async def test_the_callback_is_served_at_the_configured_callback_path(aiohttp_client: Any, make_config: Any) -> None:
    config = make_config(wechat={"official_account": {"callback_path": "/wx/callback-7"}})
    client = await aiohttp_client(create_app(config))
    ts, nonce = str(int(time.time())), "n-path"
    query = {"signature": sign("testtoken", ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "moved"}
    resp = await client.get("/wx/callback-7", params=query)
    assert resp.status == 200 and await resp.text() == "moved"
    assert (await client.get("/wechat/official", params=query)).status == 404
    wx = WeChatServer.from_config(config)
    status, fields, _ = await wx.post(client, "/wx/callback-7", wx.text("u-path", "你好"))
    assert status == 200 and fields["ToUserName"] == "u-path" and fields["Content"]

