"""The carrier directory and applications to settle in (入驻申请), contract §8.

GET /carriers (anyone; nearest first with lat/lng), POST /carrier-applications, GET
/carrier-applications/mine, POST /carrier-applications/{id}/withdraw (a user token).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.carriers.applications import (application_out, apply_to_settle, my_carrier_applications,
                                            withdraw_carrier_application)
from handlers.carriers.directory import list_carriers
from handlers.forms.definitions import CARRIER_FORM
from orm_models.carriers import CARRIER_APPLICATION_STATUSES
from orm_models.registry import CARRIER_INDUSTRIES, CARRIER_KIND_CODES, CARRIER_KINDS

from api.registry import Call, Routes
from api.schemas import NearQuery, Out, Timestamp
from api.windows import County

routes = Routes("创业载体", "孵化基地、创业小镇、创业社区、创业村落的目录（可按距离排序）与入驻申请；"
                        "demo 为 true 的是尚未经运营方核实的演示数据")

KindCode = Literal[tuple(CARRIER_KIND_CODES)]  # type: ignore[valid-type]
Industry = Literal[CARRIER_INDUSTRIES]  # type: ignore[valid-type]
Status = Literal[CARRIER_APPLICATION_STATUSES]  # type: ignore[valid-type]


class CarrierQuery(NearQuery):
    kind: KindCode | None = Field(None, title="载体类型",
                                  description="base 孵化基地 / town 创业小镇 / community 创业社区 / village 创业村落")
    county: County | None = Field(None, title="县市")
    industry: Industry | None = Field(None, title="产业方向")


class Offers(Out):
    space: str = Field(description="场地")
    desks: str = Field(description="工位")
    free_period: str = Field(description="免费期")
    services: str = Field(description="服务")


class CarrierOut(Out):
    id: int
    kind: KindCode  # type: ignore[valid-type]
    kind_label: Literal[CARRIER_KINDS]  # type: ignore[valid-type]
    name: str
    county: County
    industries: list[str]
    address: str
    lat: float | None
    lng: float | None
    offers: Offers
    contact: str
    demo: bool = Field(description="true 表示演示数据（地址、条件待运营方核实），以载体公布为准")
    distance_km: float | None = Field(None, description="直线距离（公里），仅按位置查询时提供")


class CarrierList(Out):
    carriers: list[CarrierOut]


class ApplicationOut(Out):
    id: int
    carrier_id: int
    carrier: str = Field(description="载体名称")
    county: County
    name: str = Field(description="姓名（打码）")
    phone: str = Field(description="手机号（打码）")
    project: str
    team_size: int
    needs: str
    status: Status = Field(description="submitted 已提交，reviewing 审核中，approved 已同意入驻，rejected 未通过，withdrawn 已撤回")
    status_text: str
    decision_note: str | None
    created_at: Timestamp


class ApplicationOne(Out):
    application: ApplicationOut


class ApplicationList(Out):
    applications: list[ApplicationOut] = Field(description="最新的在前")


@routes.get("/carriers", summary="创业载体目录（可按距离排序）", query=CarrierQuery, response=CarrierList)
async def carriers(call: Call) -> dict:
    q = call.query
    found = await list_carriers(kind=q.kind, county=q.county, industry=q.industry, lat=q.lat, lng=q.lng)
    return {"carriers": [c.to_dict() for c in found]}


@routes.post("/carrier-applications", summary="申请入驻创业载体", auth="user", body=CARRIER_FORM,
             response=ApplicationOne, status=201,
             errors={409: "同一账号或手机号已有入驻该载体的未办结申请（duplicate），existing_id 为其编号"},
             description="由载体所在县市的工作人员审核，审核结果通过公众号或小程序通知。")
async def apply(call: Call) -> dict:
    app = await apply_to_settle(call.user.user_id, call.body)
    await app.fetch_related("carrier")
    return {"application": application_out(app)}


@routes.get("/carrier-applications/mine", summary="我的入驻申请", auth="user", response=ApplicationList)
async def mine(call: Call) -> dict:
    return {"applications": [application_out(a) for a in await my_carrier_applications(call.user.user_id)]}


@routes.post("/carrier-applications/{id}/withdraw", summary="撤回入驻申请", auth="user", response=ApplicationOne,
             errors={404: "不是自己的申请或申请不存在（not_found）", 409: "已有审核结论或已撤回，不能撤回（not_allowed）"})
async def withdraw(call: Call) -> dict:
    return {"application": application_out(await withdraw_carrier_application(call.user.user_id, call.path["id"]))}
