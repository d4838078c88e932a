"""``chuangye chat``: a terminal chat that plays the WeChat server against a running service.

Each line becomes the XML WeChat would send, signed with the configured Token and, in safe
mode (an EncodingAESKey is configured and ``--plaintext`` is not given), encrypted with the
configured key and app id exactly as WeChat does. The reply is decrypted and printed.
Works with a pipe on stdin as well as interactively.
"""
from __future__ import annotations

import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import TextIO

from chuangye.config import Config

from bot.emulator import WeChatServer

HELP = """命令：
  直接输入文字        发送文字消息
  /loc 纬度 经度 [地名]  发送位置，例如 /loc 25.03 101.55 楚雄市
  /click 菜单键        点击菜单，例如 /click BOOK（键见 bot/menu.json）
  /voice 文字          发送语音（带语音识别结果）
  /image              发送图片
  /subscribe          关注公众号
  /help               显示本帮助
  /quit               退出"""


class ChatError(Exception):
    """A line the chat cannot turn into a message (shown to the user, the chat goes on)."""


def build_message(wx: WeChatServer, openid: str, line: str) -> str:
    """The XML for one typed line (text, or a /command)."""
    if not line.startswith("/"):
        return wx.text(openid, line)
    cmd, _, rest = line.partition(" ")
    rest = rest.strip()
    if cmd == "/loc":
        parts = rest.split(maxsplit=2)
        try:
            lat, lng = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise ChatError("用法：/loc 纬度 经度 [地名]，例如 /loc 25.03 101.55") from None
        return wx.location(openid, lat, lng, parts[2] if len(parts) > 2 else "")
    if cmd == "/click":
        if not rest:
            raise ChatError("用法：/click 菜单键，例如 /click BOOK")
        return wx.event(openid, "CLICK", rest)
    if cmd == "/voice":
        return wx.xml(openid, "voice", MediaId=secrets.token_hex(8), Format="amr", Recognition=rest)
    if cmd == "/image":
        return wx.xml(openid, "image", PicUrl="http://example.invalid/demo.jpg", MediaId=secrets.token_hex(8))
    if cmd == "/subscribe":
        return wx.event(openid, "subscribe")
    raise ChatError(f"不认识的命令 {cmd}，输入 /help 查看命令")


def send(wx: WeChatServer, endpoint: str, xml: str, openid: str) -> str:
    """POST one message; the reply text ("" for success), or raise ChatError."""
    query, body = wx.request(xml, openid)
    url = endpoint + "?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                 headers={"Content-Type": "text/xml; charset=utf-8"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as resp:
            raw = resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise ChatError(f"服务返回 HTTP {exc.code}（签名、密钥或 app_id 与服务的配置不一致？）") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ChatError(f"连不上服务 {endpoint}：{getattr(exc, 'reason', exc)}（服务启动了吗？）") from None
    fields = wx.open_reply(raw)
    return fields.get("Content", "") if fields else ""


def run_chat(config: Config, url: str | None, openid: str | None, plaintext: bool, *,
             stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Chat until /quit or end of input; 0 when every message got through, 1 otherwise."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    wx = WeChatServer.from_config(config, plaintext=plaintext)
    base = (url or f"http://{config.server.host}:{config.server.port}").rstrip("/")
    endpoint = base + config.wechat.official_account.callback_path
    openid = openid or "chat-" + secrets.token_hex(6)
    interactive = stdin.isatty()
    mode = "安全模式（加密）" if wx.encrypted else "明文模式"
    print(f"已连接 {endpoint}，{mode}，用户 {openid}。输入 /help 查看命令，/quit 退出。", file=stdout)
    failures = 0
    while True:
        if interactive:
            print("你：", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/help":
            print(HELP, file=stdout)
            continue
        try:
            xml = build_message(wx, openid, line)
        except ChatError as exc:
            print(f"[提示] {exc}", file=stdout)
            continue
        try:
            reply = send(wx, endpoint, xml, openid)
        except ChatError as exc:
            failures += 1
            print(f"[错误] {exc}", file=stdout)
            continue
        print(f"机器人：{reply}" if reply else "机器人：（无回复，已收到）", file=stdout, flush=True)
    return 1 if failures else 0
