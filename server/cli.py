"""The ``chuangye`` command. Config is loaded and validated here, once, and passed on."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Callable

from chuangye.config import Config, ConfigError, default_config_path, load_config

log = logging.getLogger("server.cli")


def _load(args: argparse.Namespace) -> Config:
    path = args.config or default_config_path()
    return load_config(path)


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from aiohttp import web

    from server.app import create_app

    host = args.host or config.server.host
    port = args.port or config.server.port
    if config.dev_values and host not in ("127.0.0.1", "localhost", "::1"):
        key = config.dev_values[0]
        print(f"配置错误 {key}：示例配置中的开发值不能用于对外服务，请设置自己的 {key.rsplit('.', 1)[-1]}", file=sys.stderr)
        return 2
    if config.uses_dev_keys:
        log.warning("using the development keys from config.example.yaml: for local trials only")
    web.run_app(create_app(config, freeze_gc=True), host=host, port=port, access_log=None,
                print=lambda s: print(s, file=sys.stderr))
    return 0


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    from chuangye.db import migrate

    asyncio.run(migrate(config))
    print("数据库迁移完成")
    return 0


def cmd_seed_demo(args: argparse.Namespace, config: Config) -> int:
    from handlers.demo import seed_demo_cli

    return seed_demo_cli(config, if_empty=args.if_empty)


def cmd_staff_add(args: argparse.Namespace, config: Config) -> int:
    from handlers.staff.cli import staff_add_cli

    return staff_add_cli(config, args)


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    from bot.chat_cli import run_chat

    return run_chat(config, url=args.url, openid=args.openid, plaintext=args.plaintext)


def cmd_kb_search(args: argparse.Namespace, config: Config) -> int:
    from knowledge.cli import kb_search_cli

    return kb_search_cli(config, args.query, top=args.top, as_json=args.json)


def cmd_kb_import(args: argparse.Namespace, config: Config) -> int:
    from handlers.knowledge_ops.cli import kb_import_cli

    return kb_import_cli(config, args.paths, publish=args.publish, confidence=args.confidence, county=args.county)


def cmd_menu_push(args: argparse.Namespace, config: Config) -> int:
    from bot.menu import menu_push_cli

    return menu_push_cli(config, args.file)


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    import handlers.mentors  # noqa: F401  (registers mentor notices and reminders with the worker)
    from handlers.notifications.worker import worker_cli

    return worker_cli(config, once=args.once)


def cmd_standin(args: argparse.Namespace, config: Config | None) -> int:
    from chuangye.standin import run_standin

    return run_standin(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chuangye", description="创业幸福地服务平台")
    p.add_argument("--config", help="配置文件路径（默认 config.yaml，没有则用 config.example.yaml；也可用环境变量 CHUANGYE_CONFIG）")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="运行 Web 服务（公众号回调、小程序 API、工作人员后台）")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="执行数据库迁移").set_defaults(func=cmd_migrate)
    sd = sub.add_parser("seed-demo", help="载入演示数据（可重复执行）")
    sd.add_argument("--if-empty", action="store_true", help="只在数据库为空（全新安装）时载入")
    sd.set_defaults(func=cmd_seed_demo)

    staff = sub.add_parser("staff", help="工作人员账号").add_subparsers(dest="staff_cmd", required=True)
    sa = staff.add_parser("add", help="新建工作人员账号")
    sa.add_argument("--username", required=True)
    sa.add_argument("--role", required=True, choices=["window", "county", "prefecture", "mentor"])
    sa.add_argument("--window", type=int, help="窗口编号（role=window 时必填）")
    sa.add_argument("--county", help="县市名称（role=county 时必填）")
    sa.add_argument("--mentor", type=int, help="导师编号（role=mentor 时必填：导师只看到自己帮扶的人）")
    sa.add_argument("--display-name")
    sa.add_argument("--password-stdin", action="store_true", required=True, help="从标准输入读取密码")
    sa.set_defaults(func=cmd_staff_add)

    c = sub.add_parser("chat", help="终端聊天：模拟微信服务器与本服务对话")
    c.add_argument("--url", help="服务地址，默认 http://{server.host}:{server.port}")
    c.add_argument("--openid", default=None, help="模拟的用户 openid")
    c.add_argument("--plaintext", action="store_true", help="即使配置了 EncodingAESKey 也用明文模式")
    c.set_defaults(func=cmd_chat)

    kb = sub.add_parser("kb", help="知识库").add_subparsers(dest="kb_cmd", required=True)
    ks = kb.add_parser("search", help="检索知识库")
    ks.add_argument("query")
    ks.add_argument("--top", type=int, default=5)
    ks.add_argument("--json", action="store_true")
    ks.set_defaults(func=cmd_kb_search)
    ki = kb.add_parser("import", help="导入文档到知识库（默认为草稿）")
    ki.add_argument("paths", nargs="+", metavar="PATH", help=".docx .pdf .md .txt .html .xlsx .csv 文件")
    ki.add_argument("--publish", action="store_true", help="导入后直接发布")
    ki.add_argument("--confidence", choices=["已确认", "未确认"], default="已确认", help="可信度（默认 已确认）")
    ki.add_argument("--county", default=None, help="适用县市（默认全州）")
    ki.set_defaults(func=cmd_kb_import)

    menu = sub.add_parser("menu", help="公众号菜单").add_subparsers(dest="menu_cmd", required=True)
    mp = menu.add_parser("push", help="通过微信接口创建公众号菜单")
    mp.add_argument("--file", default=None, help="菜单定义文件，默认 bot/menu.json")
    mp.set_defaults(func=cmd_menu_push)

    w = sub.add_parser("worker", help="投递通知队列（多进程部署时单独运行）")
    w.add_argument("--once", action="store_true", help="处理完当前到期的通知后退出")
    w.set_defaults(func=cmd_worker)

    st = sub.add_parser("standin", help="运行微信接口替身（本地演示用，记录调用）")
    st.add_argument("--host", default="127.0.0.1")
    st.add_argument("--port", type=int, default=8081)
    st.set_defaults(func=cmd_standin, no_config=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[..., int] = args.func
    if getattr(args, "no_config", False):
        return func(args, None)
    try:
        config = _load(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from chuangye.log import setup_logging

    setup_logging(config.logging.level, config.logging.json_format)
    return func(args, config) or 0


if __name__ == "__main__":
    sys.exit(main())
