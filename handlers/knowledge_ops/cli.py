"""`chuangye kb import PATH... [--publish] [--confidence 已确认|未确认] [--county 县市]`.

Each file is imported on its own (one transaction each) as a prefecture-wide document, a draft
unless ``--publish``; one line per file in Chinese. Exit status 1 when any file failed (the
others are still imported), 0 otherwise. Published imports reach running processes within
seconds (handlers/knowledge_ops/sync.py).
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from chuangye.config import Config


async def _import_all(config: Config, paths: list[str], publish: bool, confidence: str, county: str | None,
                      out: TextIO) -> int:
    from chuangye.db import close_db, init_db
    from handlers.errors import DomainError
    from handlers.knowledge_ops import documents, parsers

    failed = 0
    await init_db(config)
    try:
        for name in paths:
            path = Path(name)
            try:
                if not path.is_file():
                    raise DomainError(f"找不到文件 {name}")
                if path.stat().st_size > parsers.MAX_BYTES:
                    raise parsers.FileTooLarge()
                imported = await documents.import_document(
                    None, path.name, path.read_bytes(), {"confidence": confidence, "county": county or ""},
                    publish=publish)
            except DomainError as exc:
                failed += 1
                print(f"失败 {name}：{exc.message}", file=out)
                continue
            d = imported.document
            state = "已发布" if d.status == "published" else "草稿（在后台预览后发布）"
            print(f"已导入 {name}：《{d.title}》，{imported.segments} 段，编号 {d.id}，{state}", file=out)
    finally:
        await close_db()
    return 1 if failed else 0


def kb_import_cli(config: Config, paths: list[str], *, publish: bool = False, confidence: str = "已确认",
                  county: str | None = None, out: TextIO | None = None) -> int:
    return asyncio.run(_import_all(config, paths, publish, confidence, county, out or sys.stdout))
