"""台账 exports to Excel (.xlsx, openpyxl) of the staff member's scope.

Guarantees: only records inside the scope are exported; ID and phone numbers are masked unless
the role may see them in full (county and prefecture administrators, see handlers.staff.scope);
every export writes an audit row naming what was exported, how many rows and whether masked;
text that applicants typed is written as text, never as a formula Excel would evaluate.
"""
from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable


from chuangye import pii
from handlers.staff import audit
from handlers.errors import InvalidInput
from handlers.applications.review import LOAN_LABELS, TRAINING_LABELS
from handlers.carriers.applications import STATUS_ZH as CARRIER_LABELS
from handlers.staff.auth import ROLE_NAMES
from handlers.clock import clock
from handlers.appointments.desk import STATUS_LABELS
from handlers.events.signup import STATUS_ZH as EVENT_LABELS
from handlers.clock import day_bounds, local
from handlers.mentors import requests as mentor_requests
from handlers.staff.scope import Scope
from orm_models import StaffAccount

KINDS = ("appointments", "loan-applications", "training-applications", "mentor-requests", "carrier-applications",
         "event-registrations")
SHEET_TITLES = {"appointments": "预约台账", "loan-applications": "贷款预申请台账", "training-applications": "培训报名台账",
                "mentor-requests": "导师帮扶台账", "carrier-applications": "入驻申请台账", "event-registrations": "活动报名台账"}


def _fmt(dt: datetime | None) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _reveal(full: bool, enc: str, masked: str) -> str:
    return pii.decrypt(enc) if full else masked


async def _appointments(scope: Scope, full: bool, status: str | None, since: date | None, until: date | None):
    query = scope.appointments().select_related("window")
    if status:
        query = query.filter(status=status)
    if since:
        query = query.filter(start__gte=day_bounds(since)[0])
    if until:
        query = query.filter(start__lt=day_bounds(until)[1])
    header = ["编号", "县市", "窗口", "预约时间", "办理事项", "姓名", "手机号", "状态", "签到时间", "预约提交时间"]
    rows = [[a.id, a.window.county, a.window.name, _fmt(a.start), a.purpose, a.name,
             _reveal(full, a.phone_enc, a.phone_masked), STATUS_LABELS.get(a.status, a.status),
             _fmt(a.checked_in_at), _fmt(a.created_at)]
            for a in await query.order_by("start", "id")]
    return header, rows


async def _loans(scope: Scope, full: bool, status: str | None, since: date | None, until: date | None):
    query = _dated(scope.loans(), status, since, until)
    header = ["编号", "县市", "贷款产品", "人员类别", "姓名", "身份证号", "手机号", "经营项目", "申请金额（元）", "用途",
              "预审结果", "状态", "审核意见", "审核时间", "提交时间"]
    rows = [[a.id, a.county, a.product, a.category, a.name, _reveal(full, a.id_enc, a.id_masked),
             _reveal(full, a.phone_enc, a.phone_masked), a.business_type, a.amount, a.purpose, a.eligibility,
             LOAN_LABELS.get(a.status, a.status), a.decision_note or "", _fmt(a.decided_at), _fmt(a.created_at)]
            for a in await query.order_by("id")]
    return header, rows


async def _trainings(scope: Scope, full: bool, status: str | None, since: date | None, until: date | None):
    query = _dated(scope.trainings().select_related("session__course"), status, since, until)
    header = ["编号", "县市", "课程", "开班时间", "人员类别", "姓名", "身份证号", "手机号", "状态", "审核意见", "审核时间",
              "报名时间"]
    rows = [[a.id, a.county, a.session.course.title, _fmt(a.session.start), a.category, a.name,
             _reveal(full, a.id_enc, a.id_masked), _reveal(full, a.phone_enc, a.phone_masked),
             TRAINING_LABELS.get(a.status, a.status), a.decision_note or "", _fmt(a.decided_at), _fmt(a.created_at)]
            for a in await query.order_by("id")]
    return header, rows


async def _mentor_requests(scope: Scope, full: bool, status: str | None, since: date | None, until: date | None):
    query = _dated(mentor_requests.scoped(scope).prefetch_related("mentor", "follow_ups"), status, since, until)
    header = ["编号", "县市", "需要指导的领域", "具体需求", "姓名", "手机号", "状态", "导师", "分配时间", "帮扶记录数",
              "最近帮扶", "评分", "评价", "提交时间"]
    rows = []
    for r in await query.order_by("id"):
        last = max(r.follow_ups, key=lambda f: (f.date, f.id), default=None)
        rows.append([r.id, r.county, r.industry, r.need, r.name, _reveal(full, r.phone_enc, r.phone_masked),
                     mentor_requests.STATUS_ZH.get(r.status, r.status), r.mentor.name if r.mentor else "",
                     _fmt(r.assigned_at), len(r.follow_ups),
                     f"{last.date} {last.kind}：{last.note}" if last else "", r.rating or "", r.rating_comment,
                     _fmt(r.created_at)])
    return header, rows


async def _carriers(scope: Scope, full: bool, status: str | None, since: date | None, until: date | None):
    query = _dated(scope.carrier_applications().select_related("carrier"), status, since, until)
    header = ["编号", "县市", "创业载体", "载体类型", "姓名", "手机号", "创业项目", "团队人数", "入驻需求", "状态",
              "审核意见", "审核时间", "提交时间"]
    rows = [[a.id, a.county, a.carrier.name, a.carrier.kind, _reveal(full, a.name_enc, a.name_masked),
             _reveal(full, a.phone_enc, a.phone_masked), a.project, a.team_size, a.needs,
             CARRIER_LABELS.get(a.status, a.status), a.decision_note or "", _fmt(a.decided_at), _fmt(a.created_at)]
            for a in await query.order_by("id")]
    return header, rows


async def _event_registrations(scope: Scope, full: bool, status: str | None, since: date | None,
                               until: date | None):
    query = _dated(scope.event_registrations().select_related("event"), status, since, until)
    header = ["编号", "县市", "活动", "活动类型", "开始时间", "姓名", "手机号", "状态", "签到时间", "报名时间"]
    rows = [[r.id, r.county, r.event.title, r.event.kind, _fmt(r.event.start), r.name,
             _reveal(full, r.phone_enc, r.phone_masked), EVENT_LABELS.get(r.status, r.status), _fmt(r.checked_in_at),
             _fmt(r.created_at)]
            for r in await query.order_by("id")]
    return header, rows


def _dated(query: Any, status: str | None, since: date | None, until: date | None) -> Any:
    if status:
        query = query.filter(status=status)
    if since:
        query = query.filter(created_at__gte=day_bounds(since)[0])
    if until:
        query = query.filter(created_at__lt=day_bounds(until)[1])
    return query


BUILDERS: dict[str, Callable] = {"appointments": _appointments, "loan-applications": _loans,
                                 "training-applications": _trainings, "mentor-requests": _mentor_requests,
                                 "carrier-applications": _carriers, "event-registrations": _event_registrations}
STATUSES = {"appointments": STATUS_LABELS, "loan-applications": LOAN_LABELS, "training-applications": TRAINING_LABELS,
            "mentor-requests": mentor_requests.STATUS_ZH, "carrier-applications": CARRIER_LABELS,
            "event-registrations": EVENT_LABELS}


def _as_text(sheet: Any, value: Any) -> Any:
    """Typed-in text stays text: openpyxl would store a string starting with "=" as a live formula."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _workbook(kind: str, header: list[str], rows: list[list[Any]], about: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook  # imported when a sheet is made: 0.12 s off every worker's start-up

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(SHEET_TITLES[kind])
    sheet.append(header)
    for r in rows:
        sheet.append([_as_text(sheet, v) for v in r])
    info = wb.create_sheet("说明")
    for pair in about:
        info.append(list(pair))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Export:
    filename: str  # ASCII, for clients that ignore filename*: appointments-20261201-0930.xlsx
    display_name: str  # what staff see when saving: 预约台账-20261201.xlsx
    data: bytes


async def export_xlsx(staff: StaffAccount, kind: str, *, status: str | None = None, since: date | None = None,
                      until: date | None = None, ip: str | None = None) -> Export:
    """The scope's records of ``kind`` as an .xlsx file with its names; audited."""
    if kind not in KINDS:
        raise InvalidInput({"kind": "导出类型必须是 " + "、".join(KINDS)})
    if status and status not in STATUSES[kind]:
        raise InvalidInput({"status": "状态必须是 " + "、".join(STATUSES[kind])})
    scope = Scope.of(staff)
    header, rows = await BUILDERS[kind](scope, scope.full_pii, status, since, until)
    now = clock.now()
    about = [("台账", SHEET_TITLES[kind]), ("导出时间", now.strftime("%Y-%m-%d %H:%M")),
             ("导出人", f"{staff.display_name or staff.username}（{ROLE_NAMES[staff.role]}）"),
             ("范围", staff.county or "全州"), ("记录数", str(len(rows))),
             ("个人信息", "完整（仅限工作使用，注意保密）" if scope.full_pii else "已脱敏")]
    data = await asyncio.to_thread(_workbook, kind, header, rows, about)
    await audit.record(staff, "export", kind, None, ip=ip, detail={
        "rows": len(rows), "masked": not scope.full_pii, "status": status,
        "since": since.isoformat() if since else None, "until": until.isoformat() if until else None})
    return Export(f"{kind}-{now:%Y%m%d-%H%M}.xlsx", f"{SHEET_TITLES[kind]}-{now:%Y%m%d}.xlsx", data)
