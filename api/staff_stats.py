"""GET /staff/stats: progress against the plan's 2024 targets, per county, and the service funnel."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.reporting.stats import progress_stats

from api.registry import Call, Routes
from api.schemas import Out, Timestamp

routes = Routes("工作人员·进度看板", "《楚雄州特色创业平台建设专项行动方案》2024 年目标与本平台实际数；每项实际数的统计口径见 definition")


class TargetOut(Out):
    key: str
    label: str
    target: int = Field(description="目标值（下限）")
    target_max: int | None = Field(description="目标上限（如孵化基地 3—5 个的 5）")
    unit: str
    actual: int
    percent: float = Field(description="实际数占目标值的百分比")
    definition: str = Field(description="实际数的统计口径")


class CountyFunnel(Out):
    pre_applications: int
    appointments: int
    attended: int
    decisions: int


class CountyCarrierServices(Out):
    carrier_applications: int = Field(description="入驻申请数（按载体所在县市）")
    carrier_settled: int = Field(description="同意入驻数")


class CountyEvents(Out):
    published: int
    registrations: int
    participants: int


class EventCount(Out):
    key: Literal["published", "registrations", "participants"]
    label: str
    unit: str
    count: int
    definition: str = Field(description="统计口径")


class CountyOut(Out):
    county: str
    loan_backed: int
    jobs: int
    trained: int
    windows: int
    guidance_teams: int
    mentors: int
    guided: int
    bases: int
    towns: int
    communities: int
    villages: int
    funnel: CountyFunnel
    carrier_services: CountyCarrierServices
    events: CountyEvents = Field(description="本县市的创业活动数、报名人次、签到人次")


class FunnelStep(Out):
    key: str
    label: str
    count: int


class JobsCoverage(Out):
    approved_loans: int = Field(description="审核通过的贷款预申请数")
    with_jobs_reported: int = Field(description="其中登记了带动就业人数的")


class MentorHelp(Out):
    requests: int = Field(description="找导师申请数")
    waiting: int = Field(description="待分配导师的申请数")
    assigned: int = Field(description="已分配导师的申请数")
    follow_ups: int = Field(description="帮扶记录条数")


class StatsOut(Out):
    as_of: Timestamp
    source: str
    targets: list[TargetOut]
    counties: list[CountyOut]
    county_note: str
    jobs_coverage: JobsCoverage
    demo_windows: int = Field(description="地址、电话仍为演示数据的窗口数")
    funnel: list[FunnelStep]
    funnel_note: str
    mentor_help: MentorHelp
    demo_carriers: int = Field(description="仍为演示数据的创业载体数（不计入载体目标）")
    carrier_services: list[FunnelStep] = Field(description="入驻申请与同意入驻（方案未设目标）")
    carrier_services_note: str
    events: list[EventCount] = Field(description="创业活动：发布数、报名人次、签到人次（方案未设目标）")
    events_note: str


@routes.get("/staff/stats", summary="进度看板：目标与实际、分县市、服务漏斗", auth="staff", response=StatsOut)
async def staff_stats(call: Call) -> dict:
    return await progress_stats()
