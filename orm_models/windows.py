"""County service windows (创业服务窗口) and the per-slot seat counters behind bookings."""
from tortoise import fields

from orm_models.model import Model


class Window(Model):
    """One county's 创业服务窗口, loaded from handlers/data/windows.yaml (operator-editable)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=32, unique=True, description="stable key from windows.yaml")
    name = fields.CharField(max_length=64)
    county = fields.CharField(max_length=16, db_index=True)
    address = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=64, default="")
    hours = fields.JSONField(default=dict, description="weekday mon..sun to a list of [start, end] times")
    closed_days = fields.JSONField(default=list, description="extra closed dates YYYY-MM-DD of this window")
    lat = fields.FloatField()
    lng = fields.FloatField()
    coords_approximate = fields.BooleanField(default=True)
    slot_minutes = fields.IntField(default=30)
    slot_capacity = fields.IntField(default=3)
    is_demo = fields.BooleanField(default=True, description="address or phone are demo values to be replaced")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "windows"


class Slot(Model):
    """Seat counter of one bookable time slot, created on first booking.

    ``booked`` only changes through a conditional UPDATE (booked < capacity), so the
    database itself refuses a booking past capacity under any concurrency.
    """

    id = fields.IntField(primary_key=True)
    window = fields.ForeignKeyField("models.Window", related_name="slots", on_delete=fields.CASCADE)
    start = fields.DatetimeField()
    end = fields.DatetimeField()
    capacity = fields.IntField()
    booked = fields.IntField(default=0)

    class Meta:
        table = "slots"
        unique_together = (("window", "start"),)
