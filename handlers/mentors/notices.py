"""Who is told what when a mentor is assigned, or a request waits too long (resolved at delivery).

- the mentor: the official-account template message (then a customer-service message) when the
  mentor's own login has bound WeChat; otherwise the WeCom group robot of the mentor's team (its
  ``wecom_webhook_url``), else the global one (``notify.wecom_webhook_url``), naming the mentor and team;
- the user: who will contact them and how (the mentor's name, title and organisation; the mentor
  calls the number the user left; the mentor's own phone is never sent);
- the county administrators (bound WeChat) or the WeCom robot: a request unassigned for N working days.
The user's phone is masked in every message: the mentor sees it on their mentee list after login.
"""
from __future__ import annotations

from typing import Any

from orm_models import Mentor, MentorRequest, StaffAccount
from orm_models.notifications import CUSTOM, TEMPLATE, WECOM
from handlers.notifications.channels import TEAM_ROBOT

from handlers.notifications import compose
from handlers.notifications import fanout
from handlers.notifications.fanout import Obsolete, Recipient, Resolved, Undeliverable, applicant

MENTOR_REMARK = "请在 2 个工作日内与创业者联系；联系电话请登录工作人员后台「导师帮扶」查看，帮扶后请填写帮扶记录。"
USER_REMARK = "导师会通过您留下的手机号与您联系，请留意来电。帮扶结束后可在「我的导师」中评价。"


async def _request(payload: dict[str, Any]) -> MentorRequest:
    req = await MentorRequest.get_or_none(id=payload["request_id"]).prefetch_related("mentor__team", "mentor__account")
    if req is None:
        raise Undeliverable(f"找导师申请不存在（编号 {payload['request_id']}）")
    if req.mentor is None:
        raise Undeliverable(f"找导师申请 {req.id} 没有分配导师")
    return req


def _staff_chain(openid: str, config: Any) -> list[list[str]]:
    return ([[TEMPLATE, openid]] if config.wechat.staff_template_id else []) + [[CUSTOM, openid]]


def mentor_recipients(mentor: Mentor, config: Any) -> list[Recipient]:
    """The mentor's bound WeChat; else their team's WeCom robot; else the global robot."""
    account = mentor.account if mentor.account_id else None
    if account is not None and account.is_active and account.wechat_openid:
        return [Recipient(f"mentor:{mentor.id}", "staff", _staff_chain(account.wechat_openid, config))]
    team = mentor.team if mentor.team_id else None
    if team is not None and team.wecom_webhook_url:
        return [Recipient(f"wecom:team:{team.id}", "staff", [[WECOM, f"{TEAM_ROBOT}{team.id}"]])]
    if config.notify.wecom_webhook_url:
        return [Recipient("wecom", "staff", [[WECOM, "wecom"]])]
    return []


async def mentor_assigned(payload: dict[str, Any], config: Any) -> Resolved:
    req = await _request(payload)
    m = req.mentor
    team = f"（{m.team.name}）" if m.team_id and m.team else ""
    message = compose.message("新的创业导师帮扶任务", [
        ("导师", f"{m.name}{team}"), ("创业者", f"{compose.mask_name(req.name)} {req.phone_masked}"),
        ("县市", req.county), ("需要指导", req.industry), ("具体需求", req.need[:60])], MENTOR_REMARK)
    return message, mentor_recipients(m, config), f"导师{m.name}未绑定微信，所属团队和全局都未配置企业微信群机器人"


async def mentor_assigned_user(payload: dict[str, Any], config: Any) -> Resolved:
    req = await _request(payload)
    m = req.mentor
    who = "，".join(x for x in (m.name, m.title, m.organization) if x)
    message = compose.message("已为您安排创业导师", [
        ("需要指导", req.industry), ("导师", who), ("联系方式", f"导师将致电您留下的手机号 {req.phone_masked}")],
        USER_REMARK)
    return message, await applicant(req.user_id, config), "申请人既未关注公众号，也没有可用的小程序订阅消息"


async def request_unassigned(payload: dict[str, Any], config: Any) -> Resolved:
    req = await MentorRequest.get_or_none(id=payload["request_id"])
    if req is None:
        raise Undeliverable(f"找导师申请不存在（编号 {payload['request_id']}）")
    if req.status != "submitted":
        raise Obsolete("该申请已分配导师或已结束，不再提醒")
    admins = await StaffAccount.filter(role="county", county=req.county, is_active=True,
                                       wechat_openid__isnull=False).order_by("id")
    recipients = [Recipient(f"staff:{s.id}", "staff", _staff_chain(s.wechat_openid, config)) for s in admins]
    if not recipients and config.notify.wecom_webhook_url:
        recipients = [Recipient("wecom", "staff", [[WECOM, "wecom"]])]
    message = compose.message("找导师申请待分配", [
        ("县市", req.county), ("需要指导", req.industry), ("申请编号", str(req.id)),
        ("提交时间", compose.local_time(req.created_at)), ("创业者", compose.mask_name(req.name))],
        f"已超过 {payload.get('days', '')} 个工作日未分配导师，请登录工作人员后台「导师帮扶」分配。")
    return message, recipients, f"{req.county}没有已绑定微信的县市管理员，也未配置企业微信群机器人"


fanout.register("mentor_assigned", mentor_assigned)
fanout.register("mentor_assigned_user", mentor_assigned_user)
fanout.register("mentor_request_unassigned", request_unassigned)
