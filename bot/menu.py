"""The official-account menu: ``bot/menu.json``, checked against WeChat's limits, and
``chuangye menu push`` which creates it through ``/cgi-bin/menu/create``."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp

from chuangye.config import Config
from chuangye.store import make_store
from chuangye.wechat_api import WeChatAPI, WeChatError, WeChatUnavailable

DEFAULT_MENU = Path(__file__).with_name("menu.json")
KEYED = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin",
         "location_select"}


class MenuError(ValueError):
    """The menu file breaks one of WeChat's rules; the message says where, in Chinese."""


def load_menu(file: str | Path | None = None) -> dict[str, Any]:
    path = Path(file) if file else DEFAULT_MENU
    try:
        menu = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MenuError(f"无法读取菜单文件 {path}：{exc.strerror}") from None
    except ValueError as exc:
        raise MenuError(f"菜单文件 {path} 不是有效的 JSON：{exc}") from None
    check_menu(menu)
    return menu


def check_menu(menu: Any) -> None:
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise MenuError("菜单 button 必须是 1 到 3 个一级菜单")
    for i, top in enumerate(buttons, 1):
        where = f"第 {i} 个一级菜单"
        _check_name(top, where, 16)
        subs = top.get("sub_button")
        if subs is None:
            _check_action(top, where)
            continue
        if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            raise MenuError(f"{where}的 sub_button 必须是 1 到 5 个二级菜单")
        for j, sub in enumerate(subs, 1):
            _check_name(sub, f"{where}的第 {j} 个子菜单", 60)
            _check_action(sub, f"{where}的第 {j} 个子菜单")


def _check_name(button: Any, where: str, max_bytes: int) -> None:
    name = button.get("name") if isinstance(button, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}缺少 name")
    if len(name.encode("utf-8")) > max_bytes:
        raise MenuError(f"{where}的 name“{name}”太长（最多 {max_bytes} 字节）")


def _check_action(button: dict[str, Any], where: str) -> None:
    kind = button.get("type")
    if kind in KEYED and not button.get("key"):
        raise MenuError(f"{where}（{kind}）缺少 key")
    elif kind == "view" and not str(button.get("url", "")).startswith(("http://", "https://")):
        raise MenuError(f"{where}（view）的 url 必须以 http:// 或 https:// 开头")
    elif kind == "miniprogram" and not (button.get("appid") and button.get("pagepath") and button.get("url")):
        raise MenuError(f"{where}（miniprogram）需要 appid、pagepath 和 url")
    elif kind not in KEYED | {"view", "miniprogram", "media_id", "article_id", "article_view_limited"}:
        raise MenuError(f"{where}的 type 无效：{kind!r}")


async def push_menu(config: Config, menu: dict[str, Any]) -> dict[str, Any]:
    store = make_store(config.redis.url, config.redis.namespace)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15), trust_env=False) as http:
            return await WeChatAPI(config, http, store).create_menu(menu)
    finally:
        await store.close()


def menu_push_cli(config: Config, file: str | None) -> int:
    """``chuangye menu push``: 0 when WeChat accepted the menu, 1 otherwise (reason on stderr)."""
    try:
        menu = load_menu(file)
        asyncio.run(push_menu(config, menu))
    except MenuError as exc:
        print(f"菜单有误：{exc}", file=sys.stderr)
        return 1
    except WeChatError as exc:
        print(f"微信拒绝了菜单：errcode {exc.errcode} {exc.errmsg}", file=sys.stderr)
        return 1
    except WeChatUnavailable as exc:
        print(f"无法连接微信接口（{config.wechat.api_base_url}）：{exc}", file=sys.stderr)
        return 1
    print(f"菜单已创建：{len(menu['button'])} 个一级菜单")
    return 0
