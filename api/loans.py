"""Loan pre-applications: submit with an eligibility pre-check (预审, never an approval), list, withdraw."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from handlers.eligibility import Eligibility, categories, products
from handlers.forms.definitions import LOAN_FORM
from handlers.applications.loans import (STATUS_ZH, eligibility_of, my_loan_applications, submit_loan_preapplication,
                            withdraw_loan_application)
from orm_models.applications import LOAN_STATUSES

from api.registry import Call, Routes
from api.schemas import Out, Timestamp
from api.windows import County

routes = Routes("贷款预申请", "创业担保贷款、云岭创业贷的预申请与资格预审（预审不是审批结论）")


class EligibilityOut(Out):
    eligible: bool = Field(description="预审是否初步符合条件（needs_review、not_eligible 时为 false）；预审不是审批结论")
    result: Literal["eligible", "needs_review", "not_eligible"] = Field(
        description="预审结果：eligible 初步符合，needs_review 需人工审核，not_eligible 初步不符合")
    label: str = Field(description="预审结果的中文说明")
    reasons: list[str] = Field(description="理由，注明政策依据")
    notice: str = Field(description="提示：预审结果不是审批结论")


class LoanOut(Out):
    id: int
    product: Literal[tuple(products())]  # type: ignore[valid-type]
    category: Literal[tuple(categories())]  # type: ignore[valid-type]
    county: County
    business_type: str
    amount: int = Field(description="申请金额，单位元")
    purpose: str
    name: str
    id_masked: str = Field(description="身份证号（打码）")
    phone_masked: str = Field(description="手机号（打码）")
    status: Literal[LOAN_STATUSES] = Field(  # type: ignore[valid-type]
        description="submitted 已提交，reviewing 审核中，approved 已通过，rejected 未通过，referred 已转银行，withdrawn 已撤回")
    status_text: str
    eligibility: EligibilityOut
    decision_note: str | None = None
    created_at: Timestamp


class LoanOne(Out):
    application: LoanOut


class LoanList(Out):
    applications: list[LoanOut] = Field(description="最新的在前")


def loan_out(app: Any, eligibility: Eligibility | None = None) -> dict[str, Any]:
    fields = ("id", "product", "category", "county", "business_type", "amount", "purpose", "name", "id_masked",
              "phone_masked", "status", "decision_note", "created_at")
    out = {name: getattr(app, name) for name in fields}
    out["status_text"] = STATUS_ZH.get(app.status, "")
    out["eligibility"] = (eligibility or eligibility_of(app)).to_dict()
    return out


@routes.post("/loan-applications", summary="贷款预申请", auth="user", body=LOAN_FORM, response=LoanOne, status=201,
             errors={409: "同一身份证号已有该产品未办结（已提交、审核中）的预申请（duplicate），existing_id 为其编号"},
             description="金额 amount 为整数，单位元（例如 300000）。返回的 eligibility 是资格预审，不是审批结论。"
                         "同一身份证号同一产品只能有一份未办结的预申请，因此不带 Idempotency-Key 的重发也不会重复提交。")
async def submit(call: Call) -> dict:
    app, eligibility = await submit_loan_preapplication(call.user.user_id, call.body)
    return {"application": loan_out(app, eligibility)}


@routes.get("/loan-applications/mine", summary="我的贷款预申请", auth="user", response=LoanList)
async def mine(call: Call) -> dict:
    return {"applications": [loan_out(a) for a in await my_loan_applications(call.user.user_id)]}


@routes.post("/loan-applications/{id}/withdraw", summary="撤回贷款预申请", auth="user", response=LoanOne,
             errors={404: "不是自己的申请或申请不存在（not_found）", 409: "已有审核结论或已撤回，不能撤回（not_allowed）"})
async def withdraw(call: Call) -> dict:
    return {"application": loan_out(await withdraw_loan_application(call.user.user_id, call.path["id"]))}
