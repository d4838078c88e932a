"""The audit trail of personal data: every view, export and decision leaves one row.

Rows are only ever inserted (``orm_models.staff.AuditLog`` refuses save() on an existing row and
delete()); no use case or endpoint changes or removes them. ``record`` takes the caller's
transaction so a decision and its audit row commit together.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from orm_models import AuditLog, StaffAccount

# action -> Chinese label shown in the console
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "view_list": "查看列表",
    "view_detail": "查看详情（含完整个人信息）",
    "view_detail_masked": "查看详情",
    "export": "导出",
    "decision": "审核决定",
    "check_in": "签到",
    "no_show": "标记未到场",
    "notification_retry": "重发通知",
    "registry_change": "登记信息变更",
    "bind_wechat": "生成微信绑定码",
    "unlock_account": "解锁账号",
    "create_account": "新建账号",
    "kb_import": "导入知识库文档",
    "kb_segment_edit": "修改知识库段落",
    "kb_document_edit": "修改知识库文档信息",
    "kb_publish": "发布知识库文档",
    "kb_disable": "停用知识库文档",
    "kb_restore": "恢复知识库文档的旧版本",
    "kb_synonym_add": "新增同义词",
    "kb_synonym_edit": "修改同义词",
    "kb_synonym_deactivate": "停用同义词",
}


async def record(
    staff: StaffAccount | None,
    action: str,
    object_type: str = "",
    object_id: Any = None,
    *,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditLog:
    """Append one audit row (in ``using_db``'s transaction when given)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return await AuditLog.create(
        staff_id=staff.id if staff else None,
        username=staff.username if staff else "",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=ip,
        detail=detail or {},
        using_db=using_db,
    )


def _row(log: AuditLog) -> dict[str, Any]:
    return {
        "id": log.id,
        "staff_id": log.staff_id,
        "username": log.username,
        "action": log.action,
        "action_label": ACTIONS.get(log.action, log.action),
        "object_type": log.object_type,
        "object_id": log.object_id,
        "ip": log.ip,
        "detail": log.detail,
        "at": log.created_at,
    }


async def list_audit(
    *, staff_id: int | None = None, action: str | None = None, since: datetime | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Newest first, with the total matching count for paging."""
    query = AuditLog.all()
    if staff_id is not None:
        query = query.filter(staff_id=staff_id)
    if action:
        query = query.filter(action=action)
    if since is not None:
        query = query.filter(created_at__gte=since)
    total = await query.count()
    rows = await query.order_by("-id").offset(offset).limit(limit)
    return total, [_row(r) for r in rows]
