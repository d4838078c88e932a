"""Registries staff maintain so the progress dashboard counts real things: carriers, mentors, teams."""
from tortoise import fields

from orm_models.model import Model

CARRIER_KINDS = ("孵化基地", "创业小镇", "创业社区", "创业村落")
# The contract's codes (GET /carriers?kind=) for the kinds above, one to one.
CARRIER_KIND_CODES = {"base": "孵化基地", "town": "创业小镇", "community": "创业社区", "village": "创业村落"}
# The plan's 「X+创业」 modes (楚雄州特色创业平台建设专项行动方案 §2, the 5+6 industries) and two general ones.
CARRIER_INDUSTRIES = ("中彝医药", "健康服务业", "健康产品", "康养文旅", "绿色食品", "高原特色农业", "绿色能源", "先进制造",
                      "电子商务", "综合")
CARRIER_OFFERS = {"space": "场地", "desks": "工位", "free_period": "免费期", "services": "服务"}


class Carrier(Model):
    """A recognised startup carrier: 创业孵化示范基地(园区), 创业小镇, 创业社区(街区) or 创业村落."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, db_index=True, description="孵化基地, 创业小镇, 创业社区 or 创业村落")
    name = fields.CharField(max_length=100)
    county = fields.CharField(max_length=16, db_index=True)
    address = fields.CharField(max_length=200, default="")
    recognized_on = fields.DateField(null=True, description="date of recognition, when known")
    note = fields.TextField(default="")
    industries = fields.JSONField(default=list, description="the plan's industries it is built around")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    offers = fields.JSONField(default=dict, description="场地, 工位, 免费期, 服务: what a settler gets (text each)")
    contact = fields.CharField(max_length=100, default="", description="a public contact (office phone or desk)")
    demo = fields.BooleanField(default=False, description="demo data operators have not confirmed (演示数据)")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_carriers"
        unique_together = (("kind", "name"),)


class GuidanceTeam(Model):
    """An 创新创业指导团队 at prefecture (county empty) or county level."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    county = fields.CharField(max_length=16, null=True, db_index=True, description="empty for a prefecture team")
    leader = fields.CharField(max_length=64, default="")
    note = fields.TextField(default="")
    wecom_webhook_url = fields.CharField(
        max_length=500, null=True,
        description="WeCom group robot of the team, tried for its mentors before notify.wecom_webhook_url")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_guidance_teams"


class Mentor(Model):
    """A selected 创业导师, optionally a member of a guidance team.

    ``expertise`` holds the areas joined by 、 (see handlers/mentors/profiles.py AREAS);
    ``counties`` the counties served (empty: the whole prefecture). The phone is stored only
    encrypted and is never in a public answer. ``account`` is the mentor's own login (role
    mentor), through which they bind WeChat and see only their own mentees.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    county = fields.CharField(max_length=16, null=True, db_index=True, description="empty for the prefecture pool")
    expertise = fields.CharField(max_length=200, default="")
    organization = fields.CharField(max_length=100, default="")
    team = fields.ForeignKeyField(
        "models.GuidanceTeam", related_name="mentors", null=True, on_delete=fields.SET_NULL
    )
    note = fields.TextField(default="")
    title = fields.CharField(max_length=64, default="", description="职称或身份, e.g. 高级经济师")
    counties = fields.JSONField(default=list, description="counties served, empty = the whole prefecture")
    phone_enc = fields.TextField(null=True, description="AES-GCM ciphertext, never public")
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    phone_masked = fields.CharField(max_length=16, null=True)
    capacity = fields.IntField(default=5, description="people guided at once")
    demo = fields.BooleanField(default=False, description="演示数据, not confirmed by operators")
    account = fields.ForeignKeyField("models.StaffAccount", related_name="mentor_profiles", null=True,
                                     on_delete=fields.SET_NULL, description="own login of the mentor (role mentor)")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_mentors"
