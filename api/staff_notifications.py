"""GET /staff/notifications?status=failed and POST /staff/notifications/{id}/retry."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.notifications.staff_view import list_notifications, retry
from orm_models.notifications import STATUSES

from api.registry import Call, Routes
from api.schemas import DbId, In, Out, Timestamp
from api.staff import client_ip

routes = Routes("工作人员·通知", "本人权限范围内的通知发送情况；发送失败的可手动重发")

Status = Literal[STATUSES]  # type: ignore[valid-type]


class NotificationQuery(In):
    status: Status = Field("failed", title="状态", description="默认 failed（发送失败）")
    limit: int = Field(200, ge=1, le=500, title="条数")
    before: DbId | None = Field(None, title="翻页", description="只列编号小于此值的通知（下一页传上一页最后一条的 id）")


class NotificationRow(Out):
    id: int
    kind: str
    kind_label: str
    channel: str
    recipient: str = Field(description="接收方（openid 已脱敏）")
    status: Status
    status_label: str
    attempts: int
    last_error: str | None
    window_id: int | None
    county: str | None
    created_at: Timestamp
    updated_at: Timestamp
    next_attempt_at: Timestamp


class NotificationList(Out):
    notifications: list[NotificationRow]


class NotificationOut(Out):
    notification: NotificationRow


@routes.get("/staff/notifications", summary="通知列表（默认发送失败的）", auth="staff", query=NotificationQuery,
            response=NotificationList)
async def staff_notifications(call: Call) -> dict:
    return {"notifications": await list_notifications(call.staff, call.query.status, call.query.limit,
                                                   call.query.before)}


@routes.post("/staff/notifications/{id}/retry", summary="重发失败的通知", auth="staff", response=NotificationOut,
             idempotent=False, errors={409: "该通知不是发送失败状态（not_allowed）"})
async def staff_notification_retry(call: Call) -> dict:
    return {"notification": await retry(call.staff, call.path["id"], ip=client_ip(call))}
