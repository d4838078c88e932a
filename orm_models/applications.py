"""Loan pre-applications (创业担保贷款 or 云岭创业贷)."""
from tortoise import fields
from tortoise.indexes import Index

from orm_models.model import Model
from orm_models.personal import ApplicantIdentity

LOAN_STATUSES = ("submitted", "reviewing", "approved", "rejected", "referred", "withdrawn")


class LoanApplication(ApplicantIdentity, Model):
    """A loan pre-application with its eligibility pre-check (预审, never an approval).

    Status: submitted then reviewing, then approved, rejected or referred (to the bank),
    or withdrawn by the applicant before a decision. ID and phone are stored encrypted,
    with a keyed hash for lookups and a masked form for lists. One open (submitted or reviewing)
    application per product per ``id_hash``: a partial UNIQUE index made by raw SQL in
    migrations/0002_loan_open_unique.py (keep it when regenerating migrations).
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="loan_applications", on_delete=fields.CASCADE)
    product = fields.CharField(max_length=16)
    category = fields.CharField(max_length=32)
    county = fields.CharField(max_length=16, db_index=True)
    name = fields.CharField(max_length=32)
    business_type = fields.CharField(max_length=64)
    amount = fields.BigIntField(description="whole yuan")
    purpose = fields.CharField(max_length=200)
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    eligibility = fields.CharField(max_length=16, description="eligible, needs_review or not_eligible")
    eligibility_reasons = fields.JSONField(default=list)
    decision_note = fields.TextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "loan_applications"
        indexes = (Index(fields=("user_id",)),)  # listed by their parent
