"""Importing a 师资库 (.xlsx) into mentor profiles: all rows or none.

The first sheet's first row names the columns (order free): 姓名 (required), 工作单位, 职称, 擅长领域
(several, separated by 、), 服务县市, 所在县市, 所属团队 (a registered team's name), 联系电话,
同时帮扶人数 (default 5), 备注. Every row is validated as a profile entered in the console; one bad
row refuses the whole file, naming each bad row and field, and nothing is stored.
"""
from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

from tortoise.transactions import in_transaction

from handlers.errors import InvalidInput
from handlers.mentors.profiles import clean_profile, may_write
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from orm_models import Mentor, StaffAccount

COLUMNS = {"姓名": "name", "工作单位": "organisation", "单位": "organisation", "职称": "title", "擅长领域": "expertise",
           "服务县市": "counties", "所在县市": "county", "所属团队": "team", "联系电话": "phone", "手机号": "phone",
           "同时帮扶人数": "capacity", "备注": "note"}
MAX_ROWS = 1000


def _rows(data: bytes) -> list[dict[str, Any]]:
    try:
        from openpyxl import load_workbook  # when a sheet is uploaded, not at start-up

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise InvalidInput({"file": "文件：不是有效的 .xlsx 表格，请用 Excel 另存为 .xlsx 后再上传"}) from None
    values = list(sheet.iter_rows(values_only=True))
    if not values:
        raise InvalidInput({"file": "文件：表格是空的"})
    header = [COLUMNS.get(str(h or "").strip()) for h in values[0]]
    if "name" not in header:
        raise InvalidInput({"file": "文件：第一行应为列名，且包含「姓名」列；可用列：" + "、".join(COLUMNS)})
    rows = []
    for cells in values[1:MAX_ROWS + 1]:
        row = {key: cell for key, cell in zip(header, cells) if key and cell not in (None, "")}
        if row:
            rows.append({**row, **({"phone": str(row["phone"])} if "phone" in row else {})})
    return rows


async def import_mentors(staff: StaffAccount, data: bytes, *, demo: bool = False, ip: str | None = None) -> int:
    """Create a profile per row (see the module docstring); returns how many were created."""
    rows = await asyncio.to_thread(_rows, data)
    if not rows:
        raise InvalidInput({"file": "文件：除列名外没有数据行"})
    cleaned, problems = [], []
    for number, row in enumerate(rows, start=2):
        try:
            clean = await clean_profile({**row, "demo": demo})
            may_write(staff, clean["county"])
            cleaned.append(clean)
        except InvalidInput as exc:
            problems.append(f"第 {number} 行 " + "；".join(exc.fields.values()))
        except Forbidden as exc:  # another county's mentor
            problems.append(f"第 {number} 行 {exc}")
    if problems:
        raise InvalidInput({"file": "文件：以下行有问题，整份表格未导入。" + " | ".join(problems[:20])})
    async with in_transaction() as conn:
        for clean in cleaned:
            await Mentor.create(**clean, created_by_id=staff.id, using_db=conn)
        await audit.record(staff, "registry_change", "mentors", None, ip=ip, using_db=conn,
                           detail={"op": "import", "rows": len(cleaned)})
    return len(cleaned)
