"""Progress against the plan's 2024 targets and the service funnel, overall and per county.

The targets are those of 《楚雄州特色创业平台建设专项行动方案》 (一、主要目标, to the end of 2024).
"Actual" is what this platform records, defined honestly per item in ``definition``: e.g. the
loan item counts people whose pre-application a window approved on this platform, which is not a
bank's disbursement, and jobs are only those staff recorded when approving. The plan does not
split its targets by county, so per-county rows show actual counts only.
Aggregates carry no personal data: every staff role may read them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.functions import Count, Sum

from handlers.clock import clock
from handlers.validation import COUNTIES
from orm_models import (Appointment, Carrier, CarrierApplication, Event, EventRegistration, GuidanceTeam, LoanApplication,
                        Mentor, MentorFollowUp, MentorRequest, QuestionLog, ReviewDecision, TrainingApplication, Window)
from orm_models.handoff import PREFECTURE  # 州级: also teams and mentors registered without a county

SOURCE = "《楚雄州特色创业平台建设专项行动方案》（楚雄州人民政府办公室，2024-07-25）一、主要目标：到2024年末"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    target: int
    target_max: int | None
    unit: str
    definition: str


TARGETS = (
    Target("loan_backed", "创业担保贷款新增扶持创业者", 2000, None, "人",
           "本平台上贷款预申请经窗口审核「通过」的人数（按身份证去重）。预审通过不等于银行已放款，银行放款数据未接入。"),
    Target("jobs", "带动就业", 5000, None, "人",
           "工作人员在审核通过贷款预申请时登记的带动就业人数之和；未登记的申请不计入。"),
    Target("trained", "技能培训、创业培训", 10000, None, "人",
           "本平台培训报名经审核「通过」的人数（按身份证去重）；是否结业未跟踪。"),
    Target("windows", "创业服务窗口", 10, None, "个", "系统中启用的服务窗口数（地址、电话为演示数据的也计入，见 demo_windows）。"),
    Target("guidance_teams", "创新创业指导团队", 10, None, "个", "工作人员在「登记」中录入的指导团队数。"),
    Target("mentors", "创业导师", 200, None, "人", "工作人员在「登记」或师资库导入中录入的创业导师数。"),
    Target("guided", "为中小微企业及优秀创业者提供全方位创业指导", 200, None, "户",
           "找导师申请已分配导师的创业者（按手机号去重）；帮扶记录条数见 mentor_help。"),
    Target("bases", "创业孵化示范基地（园区）", 3, 5, "个", "「登记」中类型为孵化基地的载体数（演示数据不计入）。"),
    Target("towns", "创业小镇", 6, None, "个", "「登记」中类型为创业小镇的载体数（演示数据不计入）。"),
    Target("communities", "创业社区（街区）", 10, None, "个", "「登记」中类型为创业社区的载体数（演示数据不计入）。"),
    Target("villages", "创业村落", 15, None, "个", "「登记」中类型为创业村落的载体数（演示数据不计入）。"),
)
CARRIER_KEYS = {"孵化基地": "bases", "创业小镇": "towns", "创业社区": "communities", "创业村落": "villages"}
# Short names for table headers and chart legends, where the plan's full wording does not fit.
SHORT_LABELS = {
    "loan_backed": "贷款扶持创业者", "jobs": "带动就业", "trained": "培训通过", "windows": "窗口",
    "guidance_teams": "指导团队", "mentors": "导师", "guided": "帮扶创业者", "bases": "孵化基地", "towns": "小镇", "communities": "社区",
    "villages": "村落",
}

FUNNEL = (
    ("questions", "政策咨询（提问）"),
    ("pre_applications", "预申请（贷款+培训）"),
    ("appointments", "窗口预约"),
    ("attended", "到窗口办理（已签到）"),
    ("decisions", "审核决定"),
)


async def _by_county(query: Any, field: str = "county", *, distinct: str | None = None) -> dict[str, int]:
    value = Count(distinct, distinct=True) if distinct else Count("id")
    rows = await query.annotate(n=value).group_by(field).values(field, "n")
    return {(r[field] or PREFECTURE): r["n"] for r in rows}


async def _jobs_by_county() -> dict[str, int]:
    rows = await (ReviewDecision.filter(kind="loan", decision="approved", jobs_created__isnull=False)
                  .annotate(n=Sum("jobs_created")).group_by("county").values("county", "n"))
    return {r["county"]: int(r["n"] or 0) for r in rows}


async def _carriers_by_county() -> dict[str, dict[str, int]]:
    rows = await (Carrier.filter(demo=False).annotate(n=Count("id")).group_by("kind", "county")
                  .values("kind", "county", "n"))
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        key = CARRIER_KEYS.get(r["kind"])
        if key:
            out.setdefault(key, {})[r["county"]] = r["n"]
    return out


async def _actuals_by_county() -> dict[str, dict[str, int]]:
    """target key -> county -> count. Distinct people are counted by ID hash, per county."""
    actual = {
        "loan_backed": await _by_county(LoanApplication.filter(status="approved"), distinct="id_hash"),
        "jobs": await _jobs_by_county(),
        "trained": await _by_county(TrainingApplication.filter(status="approved"), distinct="id_hash"),
        "windows": await _by_county(Window.filter(is_active=True)),
        "guidance_teams": await _by_county(GuidanceTeam.all()),
        "mentors": await _by_county(Mentor.all()),
        "guided": await _by_county(MentorRequest.filter(mentor_id__isnull=False), distinct="phone_hash"),
    }
    carriers = await _carriers_by_county()
    for key in CARRIER_KEYS.values():
        actual[key] = carriers.get(key, {})
    return actual


async def _distinct_total(query: Any, field: str = "id_hash") -> int:
    """People (distinct ID or phone hashes) in ``query``, counted by the database: one row comes back."""
    rows = await query.annotate(n=Count(field, distinct=True)).values("n")
    return int(rows[0]["n"] or 0) if rows else 0


async def _funnel_by_county() -> dict[str, dict[str, int]]:
    loans = await _by_county(LoanApplication.all())
    trainings = await _by_county(TrainingApplication.all())
    appts = await _by_county(Appointment.all(), "window__county")
    attended = await _by_county(Appointment.filter(status="checked_in"), "window__county")
    decisions = await _by_county(ReviewDecision.all())
    steps = {
        "pre_applications": {c: loans.get(c, 0) + trainings.get(c, 0) for c in set(loans) | set(trainings)},
        "appointments": appts, "attended": attended, "decisions": decisions,
    }
    return steps


async def _mentor_help() -> dict[str, int]:
    """Mentor help against the plan (§7: 10 teams, 200 mentors; §5: 200 businesses guided)."""
    return {"requests": await MentorRequest.all().count(),
            "waiting": await MentorRequest.filter(status="submitted").count(),
            "assigned": await MentorRequest.filter(mentor_id__isnull=False).count(),
            "follow_ups": await MentorFollowUp.all().count()}


SETTLING = (("carrier_applications", "入驻申请"), ("carrier_settled", "同意入驻"))


async def _settling_by_county() -> dict[str, dict[str, int]]:
    """Applications to settle in, and those approved, by the carrier's county (no plan target)."""
    return {"carrier_applications": await _by_county(CarrierApplication.all()),
            "carrier_settled": await _by_county(CarrierApplication.filter(status="approved"))}


# Events: the plan sets no number for them (§6 asks windows to host 创业经验交流, 项目成果展示 and 直播),
# so these are counts without a target.
EVENT_COUNTS = (
    ("published", "发布的创业活动", "个", "工作人员发布且未撤下的活动数（含已结束的）。"),
    ("registrations", "活动报名", "人次", "报名中和已签到的报名人次（已取消的不计）。"),
    ("participants", "活动参加", "人次", "在活动现场凭签到码签到的人次。"),
)


async def _events_by_county() -> dict[str, dict[str, int]]:
    return {
        "published": await _by_county(Event.filter(is_active=True)),
        "registrations": await _by_county(EventRegistration.filter(status__in=("registered", "checked_in"))),
        "participants": await _by_county(EventRegistration.filter(status="checked_in")),
    }


def _sum(by_county: dict[str, int]) -> int:
    return sum(by_county.values())


async def progress_stats() -> dict[str, Any]:
    """Targets vs actuals overall and per county, and the service funnel (see the module docstring)."""
    actual = await _actuals_by_county()
    totals = {key: _sum(v) for key, v in actual.items()}
    # A person approved in two counties is one person prefecture-wide.
    totals["loan_backed"] = await _distinct_total(LoanApplication.filter(status="approved"))
    totals["trained"] = await _distinct_total(TrainingApplication.filter(status="approved"))
    totals["guided"] = await _distinct_total(MentorRequest.filter(mentor_id__isnull=False), "phone_hash")
    jobs_reported = await ReviewDecision.filter(kind="loan", decision="approved", jobs_created__isnull=False).count()
    approved_loans = await ReviewDecision.filter(kind="loan", decision="approved").count()
    targets = [{
        "key": t.key, "label": t.label, "target": t.target, "target_max": t.target_max, "unit": t.unit,
        "actual": totals[t.key], "percent": round(100 * totals[t.key] / t.target, 1), "definition": t.definition,
    } for t in TARGETS]
    funnel = await _funnel_by_county()
    settling = await _settling_by_county()
    events = await _events_by_county()
    funnel_totals = {"questions": await QuestionLog.all().count(), **{k: _sum(v) for k, v in funnel.items()}}
    places = list(COUNTIES) + [PREFECTURE]
    counties = [{"county": c, **{t.key: actual[t.key].get(c, 0) for t in TARGETS},
                 "funnel": {k: v.get(c, 0) for k, v in funnel.items()},
                 "carrier_services": {k: v.get(c, 0) for k, v in settling.items()},
                 "events": {k: v.get(c, 0) for k, v in events.items()}} for c in places]
    return {
        "as_of": clock.now(),
        "source": SOURCE,
        "targets": targets,
        "counties": counties,
        "county_note": "方案未按县市分解目标，县市行只显示实际数。「州级」为未指定县市的指导团队和导师。",
        "jobs_coverage": {"approved_loans": approved_loans, "with_jobs_reported": jobs_reported},
        "demo_windows": await Window.filter(is_active=True, is_demo=True).count(),
        "demo_carriers": await Carrier.filter(demo=True).count(),
        "carrier_services": [{"key": k, "label": label, "count": _sum(settling[k])} for k, label in SETTLING],
        "carrier_services_note": "方案对入驻申请未设目标，只显示实际数；按载体所在县市统计。",
        "funnel": [{"key": k, "label": label, "count": funnel_totals[k]} for k, label in FUNNEL],
        "mentor_help": await _mentor_help(),
        "funnel_note": "政策咨询来自公众号和小程序的提问记录，无法按县市区分，只有全州总数。",
        "events": [{"key": k, "label": label, "unit": unit, "count": _sum(events[k]), "definition": definition}
                   for k, label, unit, definition in EVENT_COUNTS],
        "events_note": "方案未对创业活动设定数量目标（见方案第6条：窗口常态化提供创业经验交流、项目成果展示和直播），只显示实际数。",
    }
