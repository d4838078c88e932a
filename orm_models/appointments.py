"""Appointments at a service window."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

APPOINTMENT_STATUSES = ("booked", "checked_in", "cancelled", "no_show")


class Appointment(Model):
    """A booked visit. Status: booked then checked_in, cancelled or no_show.

    ``active_key`` is "user:slot" while the booking holds a seat and NULL once cancelled:
    its UNIQUE constraint stops the same user booking the same slot twice.
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="appointments", on_delete=fields.CASCADE)
    window = fields.ForeignKeyField("models.Window", related_name="appointments", on_delete=fields.RESTRICT)
    slot = fields.ForeignKeyField("models.Slot", related_name="appointments", on_delete=fields.RESTRICT)
    start = fields.DatetimeField(db_index=True)
    end = fields.DatetimeField()
    purpose = fields.CharField(max_length=32)
    name = fields.CharField(max_length=32)
    phone_enc = fields.TextField(description="AES-GCM ciphertext, see chuangye/pii.py")
    phone_hash = fields.CharField(max_length=64, db_index=True)
    phone_masked = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="booked", db_index=True)
    code = fields.CharField(max_length=6, unique=True, description="check-in code shown to the visitor")
    active_key = fields.CharField(max_length=40, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "appointments"
        indexes = (Index(fields=("user_id",)), Index(fields=("window_id",)),)  # listed by their parent
