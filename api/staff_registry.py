"""Registries: /staff/carriers, /staff/guidance-teams (list, add, change, remove); mentors: api/staff_mentors.py.

Every role may list; county administrators change their county's entries, the prefecture
administrator all of them; window staff get 403 (handlers/staff/registry.py).
"""
from __future__ import annotations

from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

from handlers.staff import registry as reg
from orm_models.registry import CARRIER_INDUSTRIES, CARRIER_KIND_CODES, CARRIER_KINDS

from api.registry import Call, Routes
from api.schemas import Day, DayIn, In, Out, Timestamp
from api.staff import ROLE_ERRORS, client_ip
from api.windows import County

routes = Routes("工作人员·登记", "创业载体（孵化基地、创业小镇、创业社区、创业村落）、指导团队、创业导师的登记；进度看板据此计数")

CarrierKind = Literal[CARRIER_KINDS]  # type: ignore[valid-type]
CarrierKindIn = Literal[(*CARRIER_KINDS, *CARRIER_KIND_CODES)]  # type: ignore[valid-type]
Industry = Literal[CARRIER_INDUSTRIES]  # type: ignore[valid-type]
NAME = Field(..., title="名称", min_length=2, max_length=100)


class RegistryQuery(In):
    county: County | None = Field(None, title="县市")
    kind: CarrierKind | None = Field(None, title="载体类型", description="仅对创业载体有效")


class OffersIn(In):
    space: str = Field("", title="场地", max_length=200)
    desks: str = Field("", title="工位", max_length=200)
    free_period: str = Field("", title="免费期", max_length=200)
    services: str = Field("", title="服务", max_length=200)


class CarrierIn(In):
    kind: CarrierKindIn = Field(..., title="载体类型", description="孵化基地 / 创业小镇 / 创业社区 / 创业村落，"
                                "或 base / town / community / village")
    name: str = NAME
    county: County = Field(..., title="所在县市")
    address: str = Field("", title="地址", max_length=200)
    recognized_on: DayIn | None = Field(None, title="认定日期")
    note: str = Field("", title="备注", max_length=2000)
    industries: list[Industry] = Field(default_factory=list, title="产业方向", max_length=10)
    lat: float | None = Field(None, title="纬度", ge=-90, le=90, description="与经度同时填写，用于按距离排序")
    lng: float | None = Field(None, title="经度", ge=-180, le=180)
    offers: OffersIn = Field(default_factory=OffersIn, title="入驻条件", description="场地、工位、免费期、服务")
    contact: str = Field("", title="联系方式", max_length=100, description="公开的联系电话或服务台")
    demo: bool = Field(False, title="演示数据", description="true 表示尚未经运营方核实，对外显示为演示数据")


class TeamIn(In):
    name: str = NAME
    county: County | None = Field(None, title="所在县市", description="不填为州级团队（仅州级管理员可登记）")
    leader: str = Field("", title="负责人", max_length=64)
    note: str = Field("", title="备注", max_length=2000)
    wecom_webhook_url: str | None = Field(
        None, title="企业微信群机器人地址", max_length=500,
        description="企业微信群机器人的完整 webhook 地址（含 key）；本团队导师未绑定微信时，帮扶任务先发到这里，"
                    "没有则发到全局的 notify.wecom_webhook_url。列表中 key 打码；修改时原样传回打码值表示不变，传空表示删除")


class _Stamped(Out):
    id: int
    created_at: Timestamp
    updated_at: Timestamp


class CarrierRef(Out):
    id: int


class CarrierOut(_Stamped):
    kind: str
    kind_code: str = Field(description="base / town / community / village")
    name: str
    county: str
    address: str
    recognized_on: Day | None
    note: str
    industries: list[str]
    lat: float | None
    lng: float | None
    offers: dict[str, str]
    contact: str
    demo: bool
    carrier: CarrierRef = Field(description="合同 §8：{carrier: {id}}")


class TeamOut(_Stamped):
    name: str
    county: str | None
    leader: str
    note: str
    wecom_webhook_url: str | None = Field(description="企业微信群机器人地址（key 打码）")
    has_wecom_webhook: bool


class CarrierList(Out):
    items: list[CarrierOut]


class TeamList(Out):
    items: list[TeamOut]


class Ok(Out):
    ok: bool


def _declare(kind: str, slug: str, body: type[BaseModel], one: type[Out], many: type[Out]) -> None:
    label = reg.LABELS[kind]
    path, item = f"/staff/{kind}", f"/staff/{kind}/{{id}}"

    def named(fn: Callable, verb: str) -> Callable:
        fn.__name__ = f"staff_{slug}_{verb}"
        return fn

    async def listing(call: Call) -> dict:
        q = call.query
        return {"items": await reg.list_entries(kind, county=q.county, carrier_kind=q.kind)}

    async def create(call: Call) -> dict:
        return await reg.create_entry(call.staff, kind, call.body.model_dump(mode="json"), ip=client_ip(call))

    async def update(call: Call) -> dict:
        # Only what was sent changes (a console or client unaware of newer fields never wipes them).
        data: dict[str, Any] = call.body.model_dump(mode="json", exclude_unset=True)
        return await reg.update_entry(call.staff, kind, call.path["id"], data, ip=client_ip(call))

    async def remove(call: Call) -> dict:
        await reg.delete_entry(call.staff, kind, call.path["id"], ip=client_ip(call))
        return {"ok": True}

    routes.get(path, summary=f"{label}列表", auth="staff", query=RegistryQuery, response=many)(named(listing, "list"))
    routes.post(path, summary=f"登记{label}", auth="staff", body=body, response=one, status=201, idempotent=False,
                errors=ROLE_ERRORS)(named(create, "create"))
    routes.put(item, summary=f"修改{label}", auth="staff", body=body, response=one, errors=ROLE_ERRORS)(
        named(update, "update"))
    routes.delete(item, summary=f"删除{label}", auth="staff", response=Ok,
                  errors={**ROLE_ERRORS, 409: "创业载体已有入驻申请，不能删除（not_allowed）"} if kind == "carriers"
                  else ROLE_ERRORS)(named(remove, "delete"))


_declare("carriers", "carrier", CarrierIn, CarrierOut, CarrierList)
_declare("guidance-teams", "team", TeamIn, TeamOut, TeamList)
# Mentors: api/staff_mentors.py (profiles with areas, counties, encrypted phone, capacity, import).
