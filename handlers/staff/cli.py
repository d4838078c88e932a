"""`chuangye staff add`: create a staff account from the command line.

The password is read from standard input (never from an argument, so it stays out of shell
history and process lists). Every problem is printed in Chinese, naming the field, and nothing
is stored.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from chuangye.config import Config

FIELD_FLAGS = {"username": "--username", "role": "--role", "window": "--window", "county": "--county", "mentor": "--mentor",
               "password": "密码（标准输入）"}


def _read_password(stream: TextIO) -> str:
    line = stream.readline()
    return line.rstrip("\r\n")


async def _add(config: Config, args: argparse.Namespace, password: str) -> str:
    from chuangye.db import close_db, init_db

    from handlers.staff.auth import ROLE_NAMES
    from handlers.staff.accounts import create_staff

    await init_db(config)
    try:
        staff = await create_staff(
            args.username, args.role, password, window_id=args.window, county=args.county,
            display_name=getattr(args, "display_name", None) or "", mentor_id=getattr(args, "mentor", None),
        )
        where = staff.county or "全州"
        if staff.role == "mentor":
            return (f"已创建创业导师账号 {staff.username}（导师 {staff.display_name}，导师编号 {args.mentor}，账号编号 {staff.id}）；"
                    "导师登录工作人员后台后，可在「绑定微信」获取绑定码，向公众号发送「绑定 绑定码」以接收帮扶任务通知")
        return f"已创建工作人员账号 {staff.username}（{ROLE_NAMES[staff.role]}，{where}，编号 {staff.id}）"
    finally:
        await close_db()


def staff_add_cli(config: Config, args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Returns 0 on success, 2 on invalid input (each problem printed on its own line)."""
    from handlers.errors import DomainError, InvalidInput

    if not getattr(args, "password_stdin", False):
        print("请使用 --password-stdin 从标准输入提供密码", file=sys.stderr)
        return 2
    password = _read_password(stdin or sys.stdin)
    try:
        message = asyncio.run(_add(config, args, password))
    except InvalidInput as exc:
        for field, reason in exc.fields.items():
            print(f"{FIELD_FLAGS.get(field, field)}：{reason}", file=sys.stderr)
        return 2
    except DomainError as exc:  # a mentor who already has a login
        print(f"--mentor：{exc.message}", file=sys.stderr)
        return 2
    print(message)
    return 0
