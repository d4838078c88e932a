"""Applications to settle in a carrier (入驻申请): project, team size and needs, reviewed by the carrier's county."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model

CARRIER_APPLICATION_STATUSES = ("submitted", "reviewing", "approved", "rejected", "withdrawn")


class CarrierApplication(Model):
    """An entrepreneur's application to settle in a carrier (孵化基地, 创业小镇, 创业社区 or 创业村落).

    Status: submitted then reviewing, then approved or rejected, or withdrawn by the applicant
    before a decision (the loan pre-application's machine without "referred"). ``county`` is the
    carrier's: its county's staff review it. Name and phone are stored only encrypted, with a
    masked form for lists and the phone's keyed hash. One open application per carrier per account
    and per phone: ``open_user_key`` / ``open_phone_key`` are set while open and cleared when the
    application closes, and are UNIQUE, so the database refuses a second one however they race.
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="carrier_applications", on_delete=fields.CASCADE)
    carrier = fields.ForeignKeyField("models.Carrier", related_name="applications", on_delete=fields.RESTRICT)
    county = fields.CharField(max_length=16, db_index=True, description="the carrier's county")
    name_enc = fields.TextField()
    name_masked = fields.CharField(max_length=40)
    phone_enc = fields.TextField()
    phone_hash = fields.CharField(max_length=64, db_index=True)
    phone_masked = fields.CharField(max_length=16)
    project = fields.CharField(max_length=200)
    team_size = fields.IntField()
    needs = fields.CharField(max_length=500)
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    open_user_key = fields.CharField(max_length=40, null=True, unique=True, description="carrier:user while open")
    open_phone_key = fields.CharField(max_length=80, null=True, unique=True, description="carrier:phone hash while open")
    decision_note = fields.TextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "carrier_applications"
        indexes = (Index(fields=("user_id",)), Index(fields=("carrier_id",)),)  # listed by their parent
