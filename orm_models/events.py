"""Entrepreneurship events (创业大赛, 沙龙, 路演, 直播, 培训宣讲) and sign-ups for them."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

EVENT_KINDS = ("创业大赛", "沙龙·经验交流", "项目路演·成果展示", "直播", "培训宣讲")
REGISTRATION_STATUSES = ("registered", "checked_in", "cancelled")


class Event(Model):
    """An event staff published for one county. ``registered`` only moves by conditional UPDATE."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=16, description="one of EVENT_KINDS")
    description = fields.TextField(default="")
    start = fields.DatetimeField(db_index=True)
    end = fields.DatetimeField()
    county = fields.CharField(max_length=16, db_index=True)
    place = fields.CharField(max_length=200, default="")
    online_url = fields.CharField(max_length=500, default="", description="live-stream link, for 直播 and online events")
    capacity = fields.IntField()
    registered = fields.IntField(default=0, description="seats taken, moved only by conditional UPDATE")
    signup_deadline = fields.DatetimeField(null=True)
    is_demo = fields.BooleanField(default=False, description="演示数据: not confirmed by an operator")
    is_active = fields.BooleanField(default=True, description="false once staff withdraw the event")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "events"


class EventRegistration(Model):
    """A sign-up. Status: registered then checked_in, or cancelled.

    ``active_key`` is "user:event" while the sign-up holds a seat and NULL once cancelled:
    its UNIQUE constraint stops the same user taking two seats of one event.
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="event_registrations", on_delete=fields.CASCADE)
    event = fields.ForeignKeyField("models.Event", related_name="registrations", on_delete=fields.RESTRICT)
    county = fields.CharField(max_length=16, db_index=True, description="the event's county, for scoping")
    name = fields.CharField(max_length=32)
    phone_enc = fields.TextField(description="AES-GCM ciphertext, see chuangye/pii.py")
    phone_hash = fields.CharField(max_length=64, db_index=True)
    phone_masked = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="registered", db_index=True)
    code = fields.CharField(max_length=6, unique=True, description="check-in code shown at the event")
    active_key = fields.CharField(max_length=40, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event_registrations"
        indexes = (Index(fields=("user_id",)), Index(fields=("event_id",)),)  # listed by their parent
