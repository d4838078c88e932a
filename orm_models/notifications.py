"""The notification outbox: rows written in the caller's transaction, delivered by a loop."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

# Row states. "sending" means claimed by a worker whose lease (claimed_until) has not run out.
PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
# Channels. "event" is the outbox entry itself: delivering it means resolving its recipients
# into one row per recipient, each with its own chain of fallback channels.
EVENT, TEMPLATE, SUBSCRIBE, CUSTOM, WECOM = "event", "template", "subscribe", "custom", "wecom"
CHANNELS = (EVENT, TEMPLATE, SUBSCRIBE, CUSTOM, WECOM)


class Notification(Model):
    """One message to one recipient (or one event awaiting fan-out), retried until sent or failed."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32, description="event name, e.g. appointment_booked, daily_agenda")
    channel = fields.CharField(max_length=16, description="event, template, subscribe, custom or wecom")
    recipient = fields.CharField(max_length=128, default="", description="openid, wecom, or empty for events")
    payload = fields.JSONField(default=dict)
    status = fields.CharField(max_length=16, default=PENDING, db_index=True)
    attempts = fields.IntField(default=0, description="tries on the current channel")
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    claimed_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    dedupe_key = fields.CharField(max_length=191, unique=True, description="the same event enqueued twice sends once")
    event_id = fields.IntField(null=True, db_index=True, description="the event row this message came from")
    request_id = fields.CharField(max_length=64, null=True, description="the request that enqueued it (logs)")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notifications"


class NotificationAttempt(Model):
    """Every send result, kept for the console: channel, recipient, errcode and message."""

    id = fields.IntField(primary_key=True)
    notification = fields.ForeignKeyField("models.Notification", related_name="attempt_log", on_delete=fields.CASCADE)
    channel = fields.CharField(max_length=16)
    recipient = fields.CharField(max_length=128, default="")
    ok = fields.BooleanField()
    errcode = fields.IntField(null=True)
    errmsg = fields.TextField(null=True)
    worker = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "notification_attempts"
        indexes = (Index(fields=("notification_id",)),)  # listed by their parent
