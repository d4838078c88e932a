"""Staff accounts, their sessions, one-time WeChat binding codes and the append-only audit log."""
from __future__ import annotations

from typing import Any

from tortoise import fields

from orm_models.model import Model

ROLES = ("window", "county", "prefecture", "mentor")  # mentor: sees only their own mentees


class StaffAccount(Model):
    """A member of staff: a window's staff, a county administrator or the prefecture administrator."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=16, description="window, county or prefecture")
    window = fields.ForeignKeyField(
        "models.Window", related_name="staff", null=True, on_delete=fields.SET_NULL,
        description="the service window of a window role",
    )
    county = fields.CharField(max_length=16, null=True, db_index=True)
    wechat_openid = fields.CharField(max_length=64, null=True, unique=True)
    is_active = fields.BooleanField(default=True)
    is_demo = fields.BooleanField(default=False, description="created by seed-demo with the documented demo password")
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_accounts"


class StaffSession(Model):
    """A login session. Only a hash of the bearer token is stored. Logout sets revoked_at."""

    id = fields.IntField(primary_key=True)
    staff = fields.ForeignKeyField("models.StaffAccount", related_name="sessions", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "staff_sessions"


class BindCode(Model):
    """A one-time six-digit code a staff member sends to the official account to bind their openid."""

    id = fields.IntField(primary_key=True)
    staff = fields.ForeignKeyField("models.StaffAccount", related_name="bind_codes", on_delete=fields.CASCADE)
    code = fields.CharField(max_length=6, db_index=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_bind_codes"


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or remove an audit row or a recorded decision."""


class _AppendOnly(Model):
    """Rows are inserted once. save() on an existing row and delete() refuse."""

    class Meta:
        abstract = True

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AuditLogImmutable("审计记录不可修改")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AuditLogImmutable("审计记录不可删除")


class AuditLog(_AppendOnly):
    """Who viewed, exported or decided what, and when. Rows are written once and never changed."""

    id = fields.BigIntField(primary_key=True)
    staff_id = fields.IntField(null=True, db_index=True, description="null for the system")
    username = fields.CharField(max_length=64, default="")
    action = fields.CharField(max_length=32, db_index=True)
    object_type = fields.CharField(max_length=32, default="")
    object_id = fields.CharField(max_length=64, null=True)
    ip = fields.CharField(max_length=64, null=True)
    detail = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_logs"


class ReviewDecision(_AppendOnly):
    """The history of decisions on applications: who decided what, with which note, and for
    approved loans the number of jobs the staff member recorded (带动就业人数, for the dashboard).
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, description="loan or training")
    application_id = fields.IntField(db_index=True)
    decision = fields.CharField(max_length=16)
    note = fields.TextField(default="")
    jobs_created = fields.IntField(null=True, description="jobs reported when a loan is approved")
    county = fields.CharField(max_length=16, db_index=True)
    staff_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "review_decisions"
        unique_together = (("kind", "application_id"),)
