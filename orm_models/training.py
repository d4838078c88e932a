"""Training courses from the plan, their sessions per county, and applications."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model
from orm_models.personal import ApplicantIdentity

TRAINING_STATUSES = ("submitted", "approved", "rejected", "withdrawn")


class TrainingCourse(Model):
    """A course (民族药膳, 养老护理, 创业培训 and so on), loaded from handlers/data/courses.yaml."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=32, unique=True)
    title = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16, description="技能培训 or 创业培训")
    description = fields.TextField(default="")
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "training_courses"


class TrainingSession(Model):
    """One run of a course in a county. ``enrolled`` only moves by conditional UPDATE."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True, description="stable key for idempotent seeding")
    course = fields.ForeignKeyField("models.TrainingCourse", related_name="sessions", on_delete=fields.CASCADE)
    county = fields.CharField(max_length=16, db_index=True)
    start = fields.DatetimeField()
    end = fields.DatetimeField(null=True)
    location = fields.CharField(max_length=255, default="")
    capacity = fields.IntField()
    enrolled = fields.IntField(default=0)
    is_demo = fields.BooleanField(default=False)

    class Meta:
        table = "training_sessions"


class TrainingApplication(ApplicantIdentity, Model):
    """A sign-up for a session. Status: submitted then approved or rejected, or withdrawn.

    A submitted or approved application holds a seat. ``active_key`` ("user:session")
    is UNIQUE while it does, so the same user cannot take two seats of one session.
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="training_applications", on_delete=fields.CASCADE)
    session = fields.ForeignKeyField("models.TrainingSession", related_name="applications", on_delete=fields.RESTRICT)
    county = fields.CharField(max_length=16, db_index=True)
    category = fields.CharField(max_length=32)
    name = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    active_key = fields.CharField(max_length=40, null=True, unique=True)
    decision_note = fields.TextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "training_applications"
        indexes = (Index(fields=("user_id",)), Index(fields=("session_id",)),)  # listed by their parent
