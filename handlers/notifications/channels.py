"""Sending one notification row on its current channel through the one WeChat client."""
from __future__ import annotations

from typing import Any

from orm_models.notifications import CUSTOM, SUBSCRIBE, TEMPLATE, WECOM, Notification

from handlers.notifications.compose import as_text, subscribe_data, template_data
from handlers.notifications.fanout import ChannelUnavailable

TEAM_ROBOT = "team:"  # a WECOM row's recipient: "wecom" (notify.wecom_webhook_url) or "team:ID" (the team's robot)

# WeChat errcodes after which retrying the same channel is pointless: try the next channel.
PERMANENT_ERRCODES = {
    40003: "openid 无效",
    40036: "模板 ID 无效",
    40037: "模板 ID 无效",
    43004: "用户未关注公众号",
    43101: "用户拒绝接收或未订阅该消息",
    45015: "超过 48 小时客服消息时限",
    45047: "客服消息条数超过上限",
    48001: "接口未授权（公众号无此权限）",
    93000: "企业微信机器人地址无效",
}


async def send(wechat: Any, config: Any, row: Notification) -> None:
    """Send ``row`` once; raises WeChatError / WeChatUnavailable / ChannelUnavailable on failure."""
    msg = row.payload["message"]
    if row.channel == TEMPLATE:
        template_id = template_id_for(config, row.payload.get("audience", "staff"))
        await wechat.send_template(row.recipient, template_id, template_data(msg))
    elif row.channel == SUBSCRIBE:
        if not config.wechat.subscribe_template_id:
            raise ChannelUnavailable("未配置 wechat.subscribe_template_id")
        await wechat.send_subscribe(row.recipient, config.wechat.subscribe_template_id, subscribe_data(msg),
                                    page=msg.get("page"))
    elif row.channel == CUSTOM:
        await wechat.send_custom_text(row.recipient, as_text(msg))
    elif row.channel == WECOM and row.recipient.startswith(TEAM_ROBOT):
        await wechat.wecom_send(as_text(msg), url=await team_webhook(row.recipient))
    elif row.channel == WECOM:
        if not config.notify.wecom_webhook_url:
            raise ChannelUnavailable("未配置 notify.wecom_webhook_url")
        await wechat.wecom_send(as_text(msg))
    else:
        raise ChannelUnavailable(f"未知渠道 {row.channel}")


async def team_webhook(recipient: str) -> str:
    """The robot address of the guidance team a ``team:ID`` recipient names (read at sending time,
    so the address, with its key, is never copied into notification rows)."""
    from orm_models import GuidanceTeam

    team_id = recipient[len(TEAM_ROBOT):]
    team = await GuidanceTeam.get_or_none(id=int(team_id)) if team_id.isdigit() else None
    if team is None or not team.wecom_webhook_url:
        raise ChannelUnavailable(f"指导团队（编号 {team_id}）未配置企业微信群机器人")
    return team.wecom_webhook_url


def template_id_for(config: Any, audience: str) -> str:
    key = "staff_template_id" if audience == "staff" else "applicant_template_id"
    template_id = getattr(config.wechat, key)
    if not template_id:
        raise ChannelUnavailable(f"未配置 wechat.{key}")
    return template_id
