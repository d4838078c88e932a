"""`chuangye kb import PATH... [--publish] [--confidence]`: one Chinese line per file, exit 1 if any failed."""
from __future__ import annotations

import io

from server.cli import build_parser
from tests.support.env import query_db
from tests.support.kb_files import TOPIC_FACT, TOPIC_QUESTION, docx_bytes


def test_kb_import_imports_the_good_files_reports_each_and_fails_for_the_bad_one(config, tmp_path):
    from handlers.knowledge_ops.cli import kb_import_cli

    good = tmp_path / "大赛通知.docx"
    good.write_bytes(docx_bytes([("报名时间", "Heading 1"), (TOPIC_FACT, None)], title="彝绣创业大赛通知"))
    sheet = tmp_path / "qa.csv"
    sheet.write_text(f"问题,答案\n{TOPIC_QUESTION},{TOPIC_FACT}\n", encoding="utf-8")
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    args = build_parser().parse_args(["kb", "import", str(good), str(bad), str(sheet), str(tmp_path / "none.md"),
                                      "--publish", "--confidence", "未确认"])
    out = io.StringIO()
    code = kb_import_cli(config, args.paths, publish=args.publish, confidence=args.confidence, county=args.county, out=out)
    lines = out.getvalue().splitlines()
    assert code == 1 and len(lines) == 4
    assert lines[0].startswith(f"已导入 {good}：《彝绣创业大赛通知》，1 段") and lines[0].endswith("已发布")
    assert lines[1] == f"失败 {bad}：文件已损坏，或不是有效的 .docx 文件"
    assert lines[2].startswith(f"已导入 {sheet}")
    assert lines[3] == f"失败 {tmp_path / 'none.md'}：找不到文件 {tmp_path / 'none.md'}"

    async def stored() -> list[tuple[str, str, str, str | None]]:
        from orm_models import KbDocument

        return [(d.filename, d.status, d.confidence, d.county)
                for d in await KbDocument.filter(origin="uploaded").order_by("id")]

    assert query_db(config, stored) == [("大赛通知.docx", "published", "未确认", None), ("qa.csv", "published", "未确认", None)]


def test_kb_import_without_publish_leaves_drafts_and_exits_0(config, tmp_path):
    from handlers.knowledge_ops.cli import kb_import_cli

    path = tmp_path / "a.md"
    path.write_text(f"## 报名时间\n{TOPIC_FACT}\n", encoding="utf-8")
    out = io.StringIO()
    assert kb_import_cli(config, [str(path)], out=out) == 0
    assert out.getvalue().strip().endswith("草稿（在后台预览后发布）")
