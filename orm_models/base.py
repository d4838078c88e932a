"""People who use the service, and the questions they ask."""
from tortoise import fields

from orm_models.model import Model


class User(Model):
    """A WeChat user: one row per (app, openid), unionid links the same person across apps."""

    id = fields.IntField(primary_key=True)
    app = fields.CharField(max_length=16, description="oa = official account, mp = mini-program")
    openid = fields.CharField(max_length=64)
    unionid = fields.CharField(max_length=64, null=True, db_index=True)
    subscribed = fields.BooleanField(default=False)
    county = fields.CharField(max_length=16, null=True)
    phone_enc = fields.TextField(null=True, description="AES-GCM ciphertext of the bound phone, see chuangye/pii.py")
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True, description="keyed hash for lookups")
    phone_masked = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"
        unique_together = (("app", "openid"),)


class QuestionLog(Model):
    """Every policy question asked, by either channel: feeds the funnel and the FAQ backlog."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, description="oa or api")
    openid = fields.CharField(max_length=64, null=True)
    question = fields.TextField()
    confident = fields.BooleanField()
    top_passage = fields.CharField(max_length=128, null=True)
    score = fields.FloatField(default=0)
    handled = fields.BooleanField(default=False, description="turned into an FAQ entry or dismissed")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    segment_id = fields.IntField(null=True, description="the knowledge-base segment a confident answer came from")
    helpful = fields.BooleanField(null=True, description="the asker's feedback: 有用 true, 没用 false, none yet null")
    feedback_comment = fields.CharField(max_length=500, default="")
    feedback_at = fields.DatetimeField(null=True)

    class Meta:
        table = "question_logs"
