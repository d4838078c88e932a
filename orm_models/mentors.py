"""Mentor help (创业导师帮扶): a user's request for a mentor, and the follow-ups (帮扶记录) written on it."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

REQUEST_STATUSES = ("submitted", "assigned", "closed", "cancelled")
FOLLOW_UP_KINDS = ("政策咨询", "现场指导", "项目开发", "技术培训", "其他")


class MentorRequest(Model):
    """An entrepreneur asks for a mentor: submitted, then assigned (to one mentor), then closed.

    The name and phone are personal data: the phone is stored only encrypted, with a lookup hash
    and the masked form lists show (as orm_models/personal.py does for applications).
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="mentor_requests", on_delete=fields.CASCADE)
    county = fields.CharField(max_length=16, db_index=True)
    industry = fields.CharField(max_length=32, description="the area the user needs help in")
    need = fields.CharField(max_length=500)
    name = fields.CharField(max_length=32)
    phone_enc = fields.TextField()
    phone_hash = fields.CharField(max_length=64, db_index=True)
    phone_masked = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    mentor = fields.ForeignKeyField("models.Mentor", related_name="requests", null=True, on_delete=fields.SET_NULL)
    assigned_at = fields.DatetimeField(null=True)
    assigned_by_id = fields.IntField(null=True)
    rating = fields.IntField(null=True, description="1..5, by the user")
    rating_comment = fields.CharField(max_length=200, default="")
    reminded_at = fields.DatetimeField(null=True, description="when the county was reminded it is unassigned")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "mentor_requests"
        indexes = (Index(fields=("user_id",)), Index(fields=("mentor_id",)),)  # listed by their parent


class MentorFollowUp(Model):
    """One 帮扶记录: date, kind, note, written by the mentor or by staff."""

    id = fields.IntField(primary_key=True)
    request = fields.ForeignKeyField("models.MentorRequest", related_name="follow_ups", on_delete=fields.CASCADE)
    date = fields.DateField()
    kind = fields.CharField(max_length=16)
    note = fields.TextField()
    author_role = fields.CharField(max_length=16, description="mentor, county, prefecture or window")
    author_id = fields.IntField(null=True)
    author_name = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "mentor_follow_ups"
        indexes = (Index(fields=("request_id",)),)  # listed by their parent
