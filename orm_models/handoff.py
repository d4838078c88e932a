"""Human handoff (人工服务) sessions with their transcript, and the FAQ entries staff write."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

HANDOFF_STATUSES = ("waiting", "active", "closed")
PREFECTURE = "州级"


class HandoffSession(Model):
    """A user waiting for or talking to staff. At most one open (waiting or active) session per openid."""

    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, db_index=True)
    open_openid = fields.CharField(
        max_length=64, null=True, unique=True, description="the openid while open, null once closed (one open session each)"
    )
    county = fields.CharField(max_length=16, db_index=True, description="the county whose staff answer, or 州级")
    status = fields.CharField(max_length=16, default="waiting", db_index=True, description="waiting, active or closed")
    reason = fields.CharField(max_length=16, description="asked, menu or unconfident")
    draft = fields.JSONField(null=True, description="the chat flow state the user had when handed off")
    staff_id = fields.IntField(null=True, description="who picked the session up")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    picked_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by_id = fields.IntField(null=True)
    timeout_notified_at = fields.DatetimeField(null=True, description="when the overdue notice was claimed for sending")
    timeout_delivered = fields.BooleanField(default=False, description="the overdue notice reached the user")
    quiet_notice_sent = fields.BooleanField(default=False, description="the user was told once that staff will answer")

    class Meta:
        table = "handoff_sessions"


class HandoffMessage(Model):
    """One line of a handoff transcript: what the user, the bot or staff said."""

    id = fields.IntField(primary_key=True)
    session = fields.ForeignKeyField("models.HandoffSession", related_name="messages", on_delete=fields.CASCADE)
    sender = fields.CharField(max_length=8, description="user, bot, staff or system")
    text = fields.TextField()
    staff_id = fields.IntField(null=True)
    before_handoff = fields.BooleanField(default=False, description="copied from the conversation before the handoff")
    delivered = fields.BooleanField(null=True, description="staff replies only, whether WeChat accepted it")
    error = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "handoff_messages"
        indexes = (Index(fields=("session_id",)),)  # listed by their parent


class FaqEntry(Model):
    """A question and answer written by staff, fed to the knowledge base as an extra passage."""

    id = fields.IntField(primary_key=True)
    question = fields.CharField(max_length=200)
    answer = fields.TextField()
    source = fields.CharField(max_length=200, default="")
    active = fields.BooleanField(default=True, db_index=True)
    created_by_id = fields.IntField(null=True)
    from_question_id = fields.IntField(null=True, description="the QuestionLog row it was written from")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "faq_entries"
