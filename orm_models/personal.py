"""How an applicant's resident ID and phone are stored, the same on every form's record."""
from tortoise import fields


class ApplicantIdentity:
    """Model mixin: ciphertext (AES-GCM, chuangye/pii.py), a keyed hash for lookups and
    uniqueness, and the masked form that lists show. The plaintext is never a column."""

    id_enc = fields.TextField()
    id_hash = fields.CharField(max_length=64, db_index=True)
    id_masked = fields.CharField(max_length=20)
    phone_enc = fields.TextField()
    phone_hash = fields.CharField(max_length=64, db_index=True)
    phone_masked = fields.CharField(max_length=16)
