"""Notifications as staff see them: the failed (or any status) list of their scope, and retry by hand.

A notification belongs to the window or county its event is about (a booking's window, an
application's county). Window staff see their window's and their county's applicants' messages,
county administrators their county's, the prefecture all. Recipients' openids are shown masked.
"""
from __future__ import annotations

from typing import Any

from tortoise import connections

from handlers.staff import audit
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.clock import local
from handlers.staff.scope import Scope
from orm_models import Notification, StaffAccount
from orm_models.notifications import FAILED, STATUSES

KIND_LABELS = {
    "appointment_booked": "新预约通知工作人员", "appointment_cancelled": "取消预约通知工作人员",
    "loan_decided": "贷款预申请审核结果", "training_decided": "培训报名审核结果",
    "carrier_decided": "入驻申请审核结果",
    "daily_agenda": "每日预约安排", "appointment_reminder": "预约前一天提醒",
    "mentor_assigned": "导师帮扶任务通知导师", "mentor_assigned_user": "告知创业者导师安排",
    "mentor_request_unassigned": "找导师申请待分配提醒",
    "event_reminder": "活动前一天提醒",
}
STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "cancelled": "已取消"}


def _mask(recipient: str) -> str:
    if len(recipient) <= 8:
        return recipient
    return recipient[:4] + "****" + recipient[-4:]


# Where a notification belongs is read from the payload of the event it came from (its own payload
# for event rows): an application's county for decisions, otherwise the window named in the payload
# or, failing that, the window of the appointment it names. One SELECT works this out for every row
# with joins, and applies the staff member's scope and the paging in the database, so listing costs
# one query however many rows there are. Payload ids are integers (as handlers.notifications.outbox
# writes them); anything else matches no record.
_JSON_INT = {
    "sqlite": "(CASE WHEN json_type({doc}, '$.{key}') = 'integer' THEN json_extract({doc}, '$.{key}') END)",
    "postgres": "(CASE WHEN jsonb_typeof({doc} -> '{key}') = 'number' AND ({doc} ->> '{key}') ~ '^-?[0-9]{{1,18}}$' "
                "THEN ({doc} ->> '{key}')::bigint END)",
}
_PLACES_SQL = """
SELECT {columns}, w.id AS place_window_id, COALESCE(la.county, ta.county, ca.county, w.county) AS place_county
FROM (SELECT n.*, CASE WHEN p.id IS NULL THEN n.payload ELSE p.payload END AS origin
      FROM notifications n LEFT JOIN notifications p ON p.id = n.event_id
      {where}) n
LEFT JOIN loan_applications la ON n.kind = 'loan_decided' AND la.id = {application_id}
LEFT JOIN training_applications ta ON n.kind = 'training_decided' AND ta.id = {application_id}
LEFT JOIN carrier_applications ca ON n.kind = 'carrier_decided' AND ca.id = {application_id}
LEFT JOIN appointments a ON n.kind NOT IN ('loan_decided', 'training_decided', 'carrier_decided') AND {window_id} IS NULL
                         AND a.id = {appointment_id}
LEFT JOIN windows w ON n.kind NOT IN ('loan_decided', 'training_decided', 'carrier_decided') AND w.id = COALESCE({window_id}, a.window_id)
{scope}
ORDER BY n.id DESC
{limit}
"""


async def _placed(scope: Scope, *, status: str | None = None, notification_id: int | None = None, before: int | None = None,
                  limit: int | None = None) -> list[tuple[Notification, int | None, str | None]]:
    """(row, window id, county) of the scope's notifications, newest first, in one query."""
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    values: list[Any] = []

    def param(value: Any) -> str:
        values.append(value)
        return "?" if dialect == "sqlite" else f"${len(values)}"

    where = []
    if status is not None:
        where.append(f"n.status = {param(status)}")
    if notification_id is not None:
        where.append(f"n.id = {param(notification_id)}")
    if before is not None:
        where.append(f"n.id < {param(before)}")
    # At most one of la, ta, ca and w is joined to a row, so "la.county = c OR ta.county = c OR w.county = c"
    # is COALESCE(...) = c; spelled as ORs, PostgreSQL estimates it from column statistics and walks
    # the id index newest first, stopping after ``limit`` rows, instead of joining every row.
    if scope.everything:
        visible = ""
    elif scope.role == "window":
        visible = (f"WHERE (w.id = {param(scope.window_id)} OR la.county = {param(scope.county)} "
                   f"OR ta.county = {param(scope.county)} OR ca.county = {param(scope.county)})")
    else:
        visible = (f"WHERE (la.county = {param(scope.county)} OR ta.county = {param(scope.county)} "
                   f"OR ca.county = {param(scope.county)} OR w.county = {param(scope.county)})")
    json_int = _JSON_INT["sqlite" if dialect == "sqlite" else "postgres"]
    sql = _PLACES_SQL.format(
        columns=", ".join(f'n."{column}"' for column in Notification._meta.db_fields),
        where=("WHERE " + " AND ".join(where)) if where else "", scope=visible,
        limit=f"LIMIT {param(limit)}" if limit is not None else "",
        **{key: json_int.format(doc="n.origin", key=key) for key in ("application_id", "window_id", "appointment_id")})
    rows = await conn.execute_query_dict(sql, values)
    return [(Notification._init_from_db(**r), r["place_window_id"], r["place_county"]) for r in rows]


def _row(n: Notification, window_id: int | None, county: str | None) -> dict[str, Any]:
    return {
        "id": n.id, "kind": n.kind, "kind_label": KIND_LABELS.get(n.kind, n.kind), "channel": n.channel,
        "recipient": _mask(n.recipient), "status": n.status, "status_label": STATUS_LABELS.get(n.status, n.status),
        "attempts": n.attempts, "last_error": n.last_error, "window_id": window_id, "county": county,
        "created_at": local(n.created_at), "updated_at": local(n.updated_at),
        "next_attempt_at": local(n.next_attempt_at),
    }


async def list_notifications(staff: StaffAccount, status: str | None = FAILED, limit: int = 200,
                             before: int | None = None) -> list[dict[str, Any]]:
    """The scope's notifications of ``status`` (failed by default), newest first: at most ``limit``,
    and only those with an id below ``before`` when given (the next page starts below the last id)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput({"status": "状态必须是 " + "、".join(STATUSES)})
    placed = await _placed(Scope.of(staff), status=status, before=before, limit=limit)
    return [_row(n, window_id, county) for n, window_id, county in placed]


async def retry(staff: StaffAccount, notification_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """Queue a failed notification of the scope again (handlers.notifications.outbox.retry_notification)."""
    from handlers.notifications.outbox import retry_notification

    placed = await _placed(Scope.of(staff), notification_id=notification_id)
    if not placed:
        raise NotFound(f"没有找到编号为 {notification_id} 的通知")
    n, window_id, county = placed[0]
    if not await retry_notification(n.id):
        raise NotAllowed("只有发送失败的通知可以重发")
    await audit.record(staff, "notification_retry", "notification", n.id, ip=ip)
    return _row(await Notification.get(id=n.id), window_id, county)
