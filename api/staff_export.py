"""台账 exports: GET /staff/export/{appointments|loan-applications|training-applications|mentor-requests|carrier-applications}.xlsx."""
from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from pydantic import Field

from handlers.reporting.export import KINDS, export_xlsx

from api.registry import Call, Routes
from api.schemas import DayIn, In
from api.staff import client_ip

routes = Routes("工作人员·导出", "导出本人权限范围内的台账（Excel）；窗口工作人员导出的个人信息已脱敏；每次导出记入审计日志")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportQuery(In):
    status: str | None = Field(None, title="状态", max_length=16, description="只导出该状态的记录（取值同列表接口）")
    since: DayIn | None = Field(None, title="起始日期", description="预约按预约日期，申请按提交日期")
    until: DayIn | None = Field(None, title="截止日期", description="含当天")


@routes.get("/staff/export/{kind}.xlsx", summary="导出台账（Excel）", auth="staff", query=ExportQuery,
            path_params={"kind": {"type": "string", "enum": list(KINDS)}},
            content={XLSX: {"schema": {"type": "string", "format": "binary"}}},
            description="kind：appointments 预约台账、loan-applications 贷款预申请台账、training-applications 培训报名台账、"
                        "mentor-requests 导师帮扶台账、carrier-applications 入驻申请台账、event-registrations 活动报名台账。")
async def staff_export(call: Call) -> web.StreamResponse:
    q = call.query
    kind = call.path["kind"]
    export = await export_xlsx(call.staff, kind, status=q.status, since=q.since, until=q.until, ip=client_ip(call))
    disposition = f"attachment; filename=\"{export.filename}\"; filename*=UTF-8''{quote(export.display_name)}"
    return web.Response(body=export.data, content_type=XLSX, headers={"Content-Disposition": disposition})
