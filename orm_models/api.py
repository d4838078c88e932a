"""Records kept by the HTTP API itself."""
from tortoise import fields

from orm_models.model import Model


class IdempotencyRecord(Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to its retries.

    One row per (scope, key): the UNIQUE constraint lets exactly one of several concurrent
    duplicates run. ``state`` is pending while that request runs and done once its answer
    is stored, in the same transaction as the records the request created.
    """

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=32, description="who sent it, e.g. user:42 or staff:3")
    key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64, description="SHA-256 of method, path and cleaned body")
    state = fields.CharField(max_length=8, default="pending", description="pending or done")
    status = fields.IntField(null=True)
    response = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    started_at = fields.DatetimeField(description="when the running attempt started")
    attempt = fields.IntField(default=1, description="bumped when a stale attempt is taken over")

    class Meta:
        table = "idempotency_records"
        unique_together = (("scope", "key"),)
