"""Review of applications to settle in: /staff/carrier-applications (list, detail, decision).

Scoped by the carrier's county (the prefecture sees all); lists masked; detail views show the full
name and phone to county and prefecture administrators; every list, detail and decision is audited
(handlers/carriers/review.py). A decision notifies the applicant through the outbox.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.carriers.review import carrier_application_detail, decide_carrier_application, list_carrier_applications
from orm_models.carriers import CARRIER_APPLICATION_STATUSES
from orm_models.registry import CARRIER_KIND_CODES

from api.registry import Call, Routes
from api.schemas import In, Out, Timestamp
from api.staff import client_ip

routes = Routes("工作人员·入驻申请", "创业载体入驻申请的审核队列、详情与审核决定；决定后自动通知申请人")

Status = Literal[CARRIER_APPLICATION_STATUSES]  # type: ignore[valid-type]
DECIDE_ERRORS = {409: "申请已有结论或已撤回（not_allowed）"}


class ListQuery(In):
    status: Status | None = Field(None, title="状态")
    limit: int = Field(200, ge=1, le=1000, title="条数")
    offset: int = Field(0, ge=0, le=1_000_000, title="起始位置")


class DecisionRow(Out):
    decision: str
    note: str
    staff_id: int | None
    at: Timestamp


class Row(Out):
    id: int
    carrier_id: int
    carrier: str
    carrier_kind: Literal[tuple(CARRIER_KIND_CODES)]  # type: ignore[valid-type]
    county: str
    name: str = Field(description="姓名：列表中打码；详情中县市、州级管理员可见完整姓名")
    phone: str = Field(description="手机号：规则同姓名")
    pii_masked: bool
    project: str
    team_size: int
    needs: str
    status: Status
    status_label: str
    decision_note: str | None
    decided_at: Timestamp | None
    created_at: Timestamp


class Detail(Row):
    decisions: list[DecisionRow]


class RowList(Out):
    total: int
    applications: list[Row]


class One(Out):
    application: Detail | Row


class DecisionIn(In):
    decision: Literal["approved", "rejected"] = Field(..., title="审核结论", description="approved 同意入驻 / rejected 不通过")
    note: str = Field("", title="审核意见", max_length=500, description="不通过时必填，申请人会收到")


@routes.get("/staff/carrier-applications", summary="入驻申请列表（脱敏）", auth="staff", query=ListQuery,
            response=RowList)
async def staff_carrier_application_list(call: Call) -> dict:
    q = call.query
    total, rows = await list_carrier_applications(call.staff, status=q.status, limit=q.limit, offset=q.offset,
                                                  ip=client_ip(call))
    return {"total": total, "applications": rows}


@routes.get("/staff/carrier-applications/{id}", summary="入驻申请详情（查看记入审计日志）", auth="staff", response=One)
async def staff_carrier_application_detail(call: Call) -> dict:
    return {"application": await carrier_application_detail(call.staff, call.path["id"], ip=client_ip(call))}


@routes.post("/staff/carrier-applications/{id}/decision", summary="入驻申请审核决定（通知申请人）", auth="staff",
             body=DecisionIn, response=One, errors=DECIDE_ERRORS)
async def staff_carrier_application_decision(call: Call) -> dict:
    b = call.body
    return {"application": await decide_carrier_application(call.staff, call.path["id"], b.decision, b.note,
                                                            ip=client_ip(call))}
