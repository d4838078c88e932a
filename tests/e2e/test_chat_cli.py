"""``chuangye chat`` against a live server on a free port, driven through stdin."""
from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest
import yaml

from handlers import texts
from bot.chat_cli import run_chat
from server.app import create_app
from tests.support.env import SQLITE_ONLY

QUESTION = "我是返乡农民工，想贷款开个药膳馆，能贷多少？"

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


@pytest.fixture
async def server_url(aiohttp_server, config, monkeypatch):
    server = await aiohttp_server(create_app(config, chat_features=False))
    return str(server.make_url("")).rstrip("/")


async def chat(config, url, lines, plaintext=False, openid="chat-user"):
    out = io.StringIO()
    code = await asyncio.to_thread(run_chat, config, url, openid, plaintext,
                                   stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return code, out.getvalue()


async def test_safe_mode_chat_answers_the_newcomers_question(config, server_url):
    code, out = await chat(config, server_url, [QUESTION, "/quit", "这行不会发送"])
    assert code == 0
    assert "安全模式" in out and "30万元" in out and "来源" in out
    assert "这行不会发送" not in out


@SQLITE_ONLY
async def test_plaintext_chat_works_too(config, server_url):
    code, out = await chat(config, server_url, ["你好"], plaintext=True)
    assert code == 0 and "明文模式" in out and texts.HELP.splitlines()[0] in out


@SQLITE_ONLY
async def test_chat_commands_click_subscribe_voice_and_image(config, server_url):
    lines = ["/click POLICY", "/subscribe", "/voice 创业担保贷款最多能贷多少钱", "/image", "/help", "/nonsense"]
    code, out = await chat(config, server_url, lines)
    assert code == 0
    assert texts.POLICY_HINT.splitlines()[0] in out
    assert texts.WELCOME.splitlines()[0] in out
    assert "30万元" in out and texts.IMAGE in out
    assert "/loc 纬度 经度" in out and "不认识的命令 /nonsense" in out


@SQLITE_ONLY
async def test_a_malformed_location_command_explains_its_usage(config, server_url):
    code, out = await chat(config, server_url, ["/loc 北纬"])
    assert code == 0 and "用法：/loc" in out


@SQLITE_ONLY
async def test_chat_with_the_wrong_key_reports_the_refusal(config, make_config, server_url):
    other = make_config(wechat={"official_account": {"token": "not-the-servers-token"}})
    code, out = await chat(other, server_url, ["你好"])
    assert code == 1 and "HTTP 403" in out


@SQLITE_ONLY
async def test_chat_without_a_server_says_so(config):
    code, out = await chat(config, "http://127.0.0.1:9", ["你好"])
    assert code == 1 and "连不上服务" in out


@SQLITE_ONLY
async def test_the_chuangye_chat_command_pipes_through_a_real_server(config, server_url, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(config.model_dump(by_alias=True), allow_unicode=True), encoding="utf-8")
    exe = Path(sys.executable).with_name("chuangye")
    proc = await asyncio.create_subprocess_exec(
        str(exe), "--config", str(cfg), "chat", "--url", server_url, "--openid", "pipe-user",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    out, err = await asyncio.wait_for(proc.communicate(f"{QUESTION}\n/quit\n".encode()), 60)
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "pipe-user" in text and "30万元" in text


async def test_chat_location_command_lists_the_nearest_windows(config, server_url):
    from handlers.appointments.windows import load_windows

    await load_windows()
    code, out = await chat(config, server_url, ["/loc 25.70 101.87 元谋县城"])
    assert code == 0 and "离“元谋县城”最近的创业服务窗口" in out and "1. 元谋县创业服务窗口" in out
