"""The menu file and ``chuangye menu push`` against the stand-in."""
from __future__ import annotations

import asyncio
import json

import pytest

from handlers import texts
from bot.menu import DEFAULT_MENU, MenuError, check_menu, load_menu, menu_push_cli
from tests.support.env import SQLITE_ONLY

MENU_CREATE = "/cgi-bin/menu/create"

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


def _leaves(menu):
    for top in menu["button"]:
        yield from top.get("sub_button", [top])


def test_the_shipped_menu_follows_wechats_rules():
    check_menu(load_menu())


def test_every_click_key_in_the_menu_has_an_answer():
    known = set(texts.MENU_COMMANDS) | set(texts.MENU_TEXTS)
    keys = {b["key"] for b in _leaves(load_menu()) if b["type"] == "click"}
    assert keys <= known
    assert {"BOOK", "LOAN", "TRAINING", "MY_APPOINTMENTS", "MY_APPLICATIONS", "HUMAN"} <= keys


@pytest.mark.parametrize("menu,message", [
    ({"button": []}, "1 到 3 个一级菜单"),
    ({"button": [{"type": "click", "name": "a", "key": "A"}] * 4}, "1 到 3 个一级菜单"),
    ({"button": [{"name": "办事", "sub_button": [{"type": "click", "name": "a", "key": "A"}] * 6}]}, "1 到 5 个二级菜单"),
    ({"button": [{"type": "click", "name": "创业服务窗口预约", "key": "A"}]}, "太长"),
    ({"button": [{"type": "click", "name": "预约"}]}, "缺少 key"),
    ({"button": [{"type": "view", "name": "官网", "url": "ftp://x"}]}, "url"),
    ({"button": [{"type": "teleport", "name": "传送"}]}, "type 无效"),
    ({"button": [{"type": "click", "key": "A"}]}, "缺少 name"),
])
def test_a_menu_breaking_a_rule_is_refused_with_the_reason(menu, message):
    with pytest.raises(MenuError, match=message):
        check_menu(menu)


async def test_menu_push_creates_the_shipped_menu(config, standin, capsys):
    assert await asyncio.to_thread(menu_push_cli, config, None) == 0
    calls = standin.calls_to(MENU_CREATE, ok_only=True)
    assert [c.body for c in calls] == [json.loads(DEFAULT_MENU.read_text(encoding="utf-8"))]
    assert "菜单已创建" in capsys.readouterr().out


@SQLITE_ONLY
async def test_menu_push_reports_a_refusal_and_fails(config, standin, capsys):
    standin.fail(MENU_CREATE, times=1, errcode=40018)
    assert await asyncio.to_thread(menu_push_cli, config, None) == 1
    assert "errcode 40018" in capsys.readouterr().err


@SQLITE_ONLY
async def test_menu_push_refuses_a_bad_file_without_calling_wechat(config, standin, tmp_path, capsys):
    bad = tmp_path / "menu.json"
    bad.write_text('{"button": [{"type": "click", "name": "预约"}]}', encoding="utf-8")
    assert await asyncio.to_thread(menu_push_cli, config, str(bad)) == 1
    assert "缺少 key" in capsys.readouterr().err and standin.calls_to(MENU_CREATE) == []
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert await asyncio.to_thread(menu_push_cli, config, str(tmp_path / "broken.json")) == 1
    assert await asyncio.to_thread(menu_push_cli, config, str(tmp_path / "missing.json")) == 1
