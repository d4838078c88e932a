"""Applications to settle in a carrier (入驻申请): submit, list one's own, withdraw.

Guarantees of ``apply_to_settle``: invalid input raises InvalidInput naming every bad field and
stores nothing; the name and phone are stored only encrypted (masked forms for lists); an open
application (submitted or reviewing) to the same carrier from the same account or phone is refused
with DuplicateApplication naming it, however many submissions arrive at once (UNIQUE open keys:
the database decides, its refusal becomes the same error); the application starts as "submitted"
and belongs to the carrier's county, whose staff review it.
"""
from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from chuangye import pii
from handlers.carriers.directory import get_carrier
from handlers.clock import clock
from handlers.errors import DuplicateApplication, InvalidInput, NotAllowed, NotFound
from handlers.forms.definitions import CARRIER_FORM
from handlers.forms.spec import clean
from handlers.users import get_user
from handlers.validation import valid_pk
from orm_models import CarrierApplication

STATUS_ZH = {"submitted": "已提交", "reviewing": "审核中", "approved": "已同意入驻", "rejected": "未通过",
             "withdrawn": "已撤回"}
OPEN_STATUSES = ("submitted", "reviewing")
MSG_DUPLICATE = "您已有一份入驻「{carrier}」的申请正在办理（编号 {id}，{status}），请勿重复提交；如需修改，请先撤回原申请"
CLOSED_KEYS = {"open_user_key": None, "open_phone_key": None}  # written with every closing status


def open_keys(carrier_id: int, user_id: int, phone_hash: str) -> dict[str, str]:
    return {"open_user_key": f"{carrier_id}:{user_id}", "open_phone_key": f"{carrier_id}:{phone_hash}"}


async def _open_one(carrier_id: int, user_id: int, phone_hash: str) -> CarrierApplication | None:
    keys = open_keys(carrier_id, user_id, phone_hash)
    return (await CarrierApplication.filter(open_user_key=keys["open_user_key"]).first()
            or await CarrierApplication.filter(open_phone_key=keys["open_phone_key"]).first())


def _duplicate(app: CarrierApplication, carrier_name: str) -> DuplicateApplication:
    return DuplicateApplication(MSG_DUPLICATE.format(carrier=carrier_name, id=app.id, status=STATUS_ZH[app.status]),
                                app.id)


async def apply_to_settle(user_id: int, data: dict) -> CarrierApplication:
    """Validate and store an application to settle in a carrier (see the module docstring)."""
    form = clean(CARRIER_FORM, data)
    try:
        carrier = await get_carrier(form["carrier_id"])
    except NotFound:
        raise InvalidInput({"carrier_id": "创业载体：没有找到该创业载体，请重新选择"}) from None
    user = await get_user(user_id)
    phone = pii.protect_phone(form["phone"])
    existing = await _open_one(carrier.id, user.id, phone.hash)
    if existing is not None:
        raise _duplicate(existing, carrier.name)
    try:
        async with in_transaction() as conn:  # a savepoint inside the Idempotency-Key wrapper's transaction
            app = await CarrierApplication.create(
                user_id=user.id, carrier_id=carrier.id, county=carrier.county, name_enc=pii.encrypt(form["name"]),
                name_masked=_mask_name(form["name"]),
                phone_enc=phone.enc, phone_hash=phone.hash, phone_masked=phone.masked, project=form["project"],
                team_size=form["team_size"], needs=form["needs"], status="submitted",
                **open_keys(carrier.id, user.id, phone.hash), using_db=conn)
    except IntegrityError:  # a simultaneous submission won
        existing = await _open_one(carrier.id, user.id, phone.hash)
        if existing is None:
            raise
        raise _duplicate(existing, carrier.name) from None
    return app


def _mask_name(name: str) -> str:
    """王小花 -> 王**: enough to recognise in a list, not to identify."""
    return name[0] + "*" * max(1, len(name) - 1)


async def withdraw_carrier_application(user_id: int, app_id: int) -> CarrierApplication:
    """Withdraw the user's own open application (someone else's is NotFound)."""
    if not (valid_pk(user_id) and valid_pk(app_id)):
        raise NotFound("没有找到该入驻申请")
    now = clock.now()
    changed = await CarrierApplication.filter(id=app_id, user_id=user_id, status__in=OPEN_STATUSES).update(
        status="withdrawn", updated_at=now, **CLOSED_KEYS)
    app = await CarrierApplication.get_or_none(id=app_id, user_id=user_id).prefetch_related("carrier")
    if app is None:
        raise NotFound("没有找到该入驻申请")
    if not changed:
        raise NotAllowed(f"该入驻申请{STATUS_ZH.get(app.status, app.status)}，不能撤回")
    return app


async def my_carrier_applications(user_id: int) -> list[CarrierApplication]:
    """The user's applications to settle in, newest first, with their carriers."""
    return await CarrierApplication.filter(user_id=user_id).prefetch_related("carrier").order_by("-created_at", "-id")


def application_out(app: CarrierApplication) -> dict[str, Any]:
    """What the applicant sees of their application (masked name and phone)."""
    return {"id": app.id, "carrier_id": app.carrier_id, "carrier": app.carrier.name, "county": app.county,
            "name": app.name_masked, "phone": app.phone_masked, "project": app.project, "team_size": app.team_size,
            "needs": app.needs, "status": app.status, "status_text": STATUS_ZH.get(app.status, app.status),
            "decision_note": app.decision_note, "created_at": app.created_at}
