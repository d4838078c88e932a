"""GET /staff/meta: the names and lists the server owns, loaded once by the console at start-up."""
from __future__ import annotations

from pydantic import Field

from handlers.meta import staff_meta

from api.registry import Call, Routes
from api.schemas import Out

routes = Routes("工作人员·名称与列表", "县市、角色、各类记录的状态名称、审核结论、载体类型和方案目标；"
                                     "与公众号、小程序、导出使用同一套名称，控制台不另存副本")

Names = dict[str, str]


class CarrierKindOut(Out):
    kind: str = Field(description="载体类型（登记时的 kind）")
    target: str = Field(description="对应的方案目标 key（见 targets）")
    code: str = Field(description="GET /carriers 的 kind 取值：base / town / community / village")


class PlanTargetOut(Out):
    key: str
    label: str = Field(description="方案中的指标名称")
    short_label: str = Field(description="表头、图例用的简称")
    target: int = Field(description="目标值（下限）")
    target_max: int | None = Field(description="目标上限（如孵化基地 3—5 个的 5）")
    unit: str


class MetaOut(Out):
    counties: list[str] = Field(description="楚雄州十个县市，按行政区划顺序")
    prefecture: str = Field(description="未指定县市（州级）时显示的名称")
    roles: Names = Field(description="角色 → 中文名称")
    faq_roles: list[str] = Field(description="可以编写、停用常见问题的角色")
    kb_roles: list[str] = Field(description="可以导入、修改、发布、停用知识库文档的角色（县市管理员只能改本县市的）")
    kb_confidence: list[str] = Field(description="导入文档时可选的可信度")
    statuses: dict[str, Names] = Field(
        description="记录类型（appointment、loan、training、carrier、handoff、notification、mentor_request、event_registration、kb_document）→ 状态 → 中文名称；"
                    "与各接口的 status_label、status_text 相同")
    open_statuses: dict[str, list[str]] = Field(description="申请类型（loan、training、carrier）→ 待审核的状态")
    decisions: dict[str, Names] = Field(description="申请类型 → 可选的审核结论 → 中文名称")
    eligibility: Names = Field(description="贷款预审结果 → 中文名称（预审不是审批结论）")
    channels: Names = Field(description="通知渠道 → 中文名称")
    notification_kinds: Names = Field(description="通知类型 → 中文名称")
    handoff_reasons: Names = Field(description="转人工原因 → 中文名称")
    handoff_senders: Names = Field(description="人工服务对话中的发言方 → 中文名称")
    carrier_kinds: list[CarrierKindOut]
    carrier_industries: list[str] = Field(description="创业载体的产业方向（方案中的「X+创业」模式）")
    carrier_offers: Names = Field(description="入驻条件的项目 → 中文名称（场地、工位、免费期、服务）")
    exports: Names = Field(description="可导出的台账 → 名称")
    event_kinds: list[str] = Field(description="创业活动的类型")
    targets: list[PlanTargetOut] = Field(description="《楚雄州特色创业平台建设专项行动方案》2024 年目标")
    mentor_areas: list[str] = Field(description="创业导师的擅长领域（方案的「X+创业」模式和电商、财务、营销等）")
    follow_up_kinds: list[str] = Field(description="帮扶记录的方式")


@routes.get("/staff/meta", summary="控制台用的名称与列表（县市、状态名称、角色、方案目标等）", auth="staff",
            response=MetaOut)
async def staff_meta_endpoint(call: Call) -> dict:
    return staff_meta()
