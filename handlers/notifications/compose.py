"""Notification texts, and how one message is rendered for each channel.

A message is a JSON-safe dict ``{"title", "fields": [[label, value], ...], "remark", "page"}``
composed once when an event is resolved and stored on the row, then rendered for whichever
channel the row is on (a fallback may change the channel, never the content).

Templates the operator picks in the WeChat back office must match these layouts:
- official-account template (staff_template_id, applicant_template_id): ``first``, ``keyword1`` ...
  ``keywordN`` (N = number of fields, at most 5), ``remark``;
- mini-program subscribe template (subscribe_template_id): ``thing1`` 事项, ``thing2`` 内容,
  ``thing3`` 备注 (WeChat limits ``thing`` values to 20 characters, longer values are cut).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from handlers.clock import TZ

THING_MAX = 20
AGENDA_SHOWN = 5

LOAN_RESULTS = {"approved": "预申请初审通过", "rejected": "预申请未通过", "referred": "已转交经办银行"}
TRAINING_RESULTS = {"approved": "报名审核通过", "rejected": "报名未通过"}
LOAN_REMARK = "此为预申请审核结果，贷款能否发放以经办银行审批为准。如有疑问请咨询当地人社部门。"
CARRIER_RESULTS = {"approved": "同意入驻", "rejected": "入驻申请未通过"}
CARRIER_REMARK = "入驻的场地、工位和时间请与载体联系确认。如有疑问请咨询当地人社部门。"
TRAINING_REMARK = "开班时间、地点以培训机构通知为准。如有疑问请咨询当地人社部门。"
STAFF_REMARK = "详情请登录工作人员后台查看。"
CHANNEL_LABELS = {"subscribe": "小程序订阅消息", "template": "公众号模板消息", "custom": "公众号客服消息",
                  "wecom": "企业微信群机器人", "event": "事件"}


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**: enough for staff to recognise a visitor, not enough to identify one."""
    name = (name or "").strip()
    if not name:
        return "（未留姓名）"
    return name[0] + "*" * max(1, len(name) - 1)


def local_time(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def message(title: str, fields: Iterable[tuple[str, str]], remark: str = "", page: str | None = None) -> dict[str, Any]:
    return {"title": title, "fields": [[k, v] for k, v in fields], "remark": remark, "page": page}


# ---------------------------------------------------------------- composing


def appointment_message(kind: str, *, window_name: str, start: datetime, purpose: str, name: str | None) -> dict[str, Any]:
    """To a window's staff (and the WeCom group): a visit was booked or cancelled."""
    title = "新的窗口预约" if kind == "appointment_booked" else "窗口预约已取消"
    return message(title, [("窗口", window_name), ("预约时间", local_time(start)),
                           ("办理事项", purpose or "未填写"), ("预约人", mask_name(name))], STAFF_REMARK)


def decision_message(kind: str, *, subject: str, decision: str, note: str | None) -> dict[str, Any]:
    """To an applicant: the outcome of their loan pre-application or training application."""
    if kind == "loan_decided":
        result, title, remark = LOAN_RESULTS.get(decision, decision), "贷款预申请审核结果", LOAN_REMARK
    elif kind == "carrier_decided":
        result, title, remark = CARRIER_RESULTS.get(decision, decision), "入驻申请审核结果", CARRIER_REMARK
    else:
        result, title, remark = TRAINING_RESULTS.get(decision, decision), "培训报名审核结果", TRAINING_REMARK
    fields = [("申请事项", subject), ("审核结果", result)]
    if note:
        fields.append(("说明", note))
    return message(title, fields, remark)


def agenda_message(*, window_name: str, day: date, starts: list[tuple[datetime, str | None]]) -> dict[str, Any]:
    """To a window's staff at 08:30: how many visits today and the first few (names masked)."""
    shown = [f"{s.astimezone(TZ):%H:%M} {mask_name(n)}" for s, n in sorted(starts, key=lambda x: x[0])[:AGENDA_SHOWN]]
    more = f" 等{len(starts)}人" if len(starts) > AGENDA_SHOWN else ""
    return message("今日预约安排", [("窗口", window_name), ("日期", day.isoformat()),
                                    ("预约人数", f"{len(starts)}人"), ("最早几位", "，".join(shown) + more)],
                   STAFF_REMARK)


def reminder_message(*, window_name: str, address: str | None, start: datetime, code: str | None) -> dict[str, Any]:
    """To an applicant the day before their visit."""
    fields = [("窗口", window_name), ("预约时间", local_time(start))]
    if address:
        fields.append(("地址", address))
    if code:
        fields.append(("签到码", code))
    return message("明天的窗口预约提醒", fields, "如不能前往，请在「我的预约」中取消，把名额留给别人。")


def event_reminder_message(*, title: str, start: datetime, place: str | None, online_url: str | None,
                           code: str | None) -> dict[str, Any]:
    """To a participant the day before an event they signed up for."""
    fields = [("活动", title), ("开始时间", local_time(start))]
    if place:
        fields.append(("地点", place))
    if online_url:
        fields.append(("直播链接", online_url))
    if code:
        fields.append(("签到码", code))
    return message("明天的创业活动提醒", fields[:5], "如不能参加，请在「我的活动」中取消报名，把名额留给别人。")


# ---------------------------------------------------------------- rendering


def as_text(msg: dict[str, Any]) -> str:
    """Customer-service message or WeCom robot text."""
    lines = [f"【{msg['title']}】", *(f"{k}：{v}" for k, v in msg["fields"])]
    if msg.get("remark"):
        lines.append(msg["remark"])
    return "\n".join(lines)


def template_data(msg: dict[str, Any]) -> dict[str, dict[str, str]]:
    data = {"first": {"value": msg["title"]}}
    for i, (_, value) in enumerate(msg["fields"][:5], start=1):
        data[f"keyword{i}"] = {"value": str(value)}
    data["remark"] = {"value": msg.get("remark", "")}
    return data


def _thing(value: str) -> str:
    return value if len(value) <= THING_MAX else value[: THING_MAX - 1] + "…"


def subscribe_data(msg: dict[str, Any]) -> dict[str, dict[str, str]]:
    fields = msg["fields"]
    summary = "，".join(str(v) for _, v in fields[1:3]) or (str(fields[0][1]) if fields else "")
    return {"thing1": {"value": _thing(msg["title"])}, "thing2": {"value": _thing(summary)},
            "thing3": {"value": _thing(msg.get("remark", "") or "详情请打开小程序查看")}}
