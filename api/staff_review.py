"""Review queues and decisions: /staff/loan-applications and /staff/training-applications.

Lists are masked. Detail views show the full ID and phone number to county and prefecture
administrators only; every list, detail and decision is audited (handlers/applications/review.py).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from handlers.staff import audit
from handlers.applications.review import application_detail, decide_application, list_applications
from handlers.staff.scope import Scope
from orm_models.applications import LOAN_STATUSES
from orm_models.training import TRAINING_STATUSES

from api.registry import Call, Routes
from api.schemas import In, Out, Timestamp
from api.staff import client_ip

routes = Routes("工作人员·审核", "贷款预申请和培训报名的审核队列、详情与审核决定；决定后自动通知申请人")

LoanStatus = Literal[LOAN_STATUSES]  # type: ignore[valid-type]
TrainingStatus = Literal[TRAINING_STATUSES]  # type: ignore[valid-type]
DECIDE_ERRORS = {409: "申请已有结论或已撤回（not_allowed）"}


class LoanQuery(In):
    status: LoanStatus | None = Field(None, title="状态")
    limit: int = Field(200, ge=1, le=1000, title="条数")
    offset: int = Field(0, ge=0, le=1_000_000, title="起始位置")


class TrainingQuery(LoanQuery):
    status: TrainingStatus | None = Field(None, title="状态")  # type: ignore[assignment]


class DecisionRow(Out):
    decision: str
    note: str
    jobs_created: int | None
    staff_id: int | None
    at: Timestamp


class _Application(Out):
    id: int
    county: str
    category: str
    name: str
    id_number: str = Field(description="身份证号：列表中脱敏；详情中县市、州级管理员可见完整号码")
    phone: str = Field(description="手机号：规则同身份证号")
    pii_masked: bool
    status_label: str
    decision_note: str | None
    decided_at: Timestamp | None
    created_at: Timestamp


class LoanRow(_Application):
    status: LoanStatus
    product: str
    business_type: str
    amount: int = Field(description="申请金额（元）")
    purpose: str
    eligibility: str = Field(description="预审结果（不是审批结论）")
    eligibility_reasons: list[Any]


class TrainingRow(_Application):
    status: TrainingStatus
    session_id: int
    course: str
    session_start: Timestamp
    session_county: str
    location: str


class LoanDetail(LoanRow):
    decisions: list[DecisionRow]


class TrainingDetail(TrainingRow):
    decisions: list[DecisionRow]


class LoanList(Out):
    total: int
    applications: list[LoanRow]


class TrainingList(Out):
    total: int
    applications: list[TrainingRow]


class LoanOut(Out):
    application: LoanDetail | LoanRow


class TrainingOut(Out):
    application: TrainingDetail | TrainingRow


class LoanDecisionIn(In):
    decision: Literal["approved", "rejected", "referred"] = Field(
        ..., title="审核结论", description="approved 通过 / rejected 不通过 / referred 转银行")
    note: str = Field("", title="审核意见", max_length=500, description="不通过时必填，申请人会收到")
    jobs_created: int | None = Field(None, title="带动就业人数", ge=0, le=10000,
                                     description="通过时可登记，用于进度看板的「带动就业」")


class TrainingDecisionIn(In):
    decision: Literal["approved", "rejected"] = Field(..., title="审核结论", description="approved 通过 / rejected 不通过")
    note: str = Field("", title="审核意见", max_length=500, description="不通过时必填，申请人会收到")


async def _list(call: Call, kind: str) -> dict:
    q = call.query
    total, rows = await list_applications(Scope.of(call.staff), kind, status=q.status, limit=q.limit, offset=q.offset)
    await audit.record(call.staff, "view_list", kind, None, ip=client_ip(call),
                       detail={"status": q.status, "rows": len(rows)})
    return {"total": total, "applications": rows}


@routes.get("/staff/loan-applications", summary="贷款预申请列表（脱敏）", auth="staff", query=LoanQuery, response=LoanList)
async def staff_loan_list(call: Call) -> dict:
    return await _list(call, "loan")


@routes.get("/staff/training-applications", summary="培训报名列表（脱敏）", auth="staff", query=TrainingQuery,
            response=TrainingList)
async def staff_training_list(call: Call) -> dict:
    return await _list(call, "training")


@routes.get("/staff/loan-applications/{id}", summary="贷款预申请详情（查看记入审计日志）", auth="staff",
            response=LoanOut)
async def staff_loan_detail(call: Call) -> dict:
    return {"application": await application_detail(call.staff, "loan", call.path["id"], ip=client_ip(call))}


@routes.get("/staff/training-applications/{id}", summary="培训报名详情（查看记入审计日志）", auth="staff",
            response=TrainingOut)
async def staff_training_detail(call: Call) -> dict:
    return {"application": await application_detail(call.staff, "training", call.path["id"], ip=client_ip(call))}


@routes.post("/staff/loan-applications/{id}/decision", summary="贷款预申请审核决定（通知申请人）", auth="staff",
             body=LoanDecisionIn, response=LoanOut, idempotent=False, errors=DECIDE_ERRORS)
async def staff_loan_decision(call: Call) -> dict:
    b = call.body
    app = await decide_application(call.staff, "loan", call.path["id"], b.decision, b.note,
                                   jobs_created=b.jobs_created, ip=client_ip(call))
    return {"application": app}


@routes.post("/staff/training-applications/{id}/decision", summary="培训报名审核决定（通知申请人）", auth="staff",
             body=TrainingDecisionIn, response=TrainingOut, idempotent=False, errors=DECIDE_ERRORS)
async def staff_training_decision(call: Call) -> dict:
    b = call.body
    app = await decide_application(call.staff, "training", call.path["id"], b.decision, b.note, ip=client_ip(call))
    return {"application": app}
