"""Loan pre-applications (创业担保贷款 / 云岭创业贷) with their eligibility pre-check."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from chuangye.pii import protect_id, protect_phone
from orm_models import LoanApplication

from handlers.eligibility import Eligibility, evaluate, load_rules
from handlers.errors import DuplicateApplication, NotAllowed, NotFound
from handlers.forms.definitions import LOAN_FORM
from handlers.forms.spec import clean
from handlers.users import get_user
from handlers.validation import id_birth_date, valid_pk
from handlers.clock import TZ

STATUS_ZH = {"submitted": "已提交", "reviewing": "审核中", "approved": "已通过", "rejected": "未通过",
             "referred": "已转银行", "withdrawn": "已撤回"}
OPEN_STATUSES = ("submitted", "reviewing")  # also in migrations/0002_loan_open_unique.py's unique index
MSG_DUPLICATE = ("该身份证号已有一份{product}预申请正在办理（编号 {id}，{status}），同一人同一产品只能有一份未办结的预申请；"
                 "如需修改，请先撤回原申请")


async def _open_application(product: str, id_hash: str) -> LoanApplication | None:
    return await LoanApplication.filter(product=product, id_hash=id_hash, status__in=OPEN_STATUSES).first()


def _duplicate(app: LoanApplication) -> DuplicateApplication:
    return DuplicateApplication(MSG_DUPLICATE.format(product=app.product, id=app.id, status=STATUS_ZH[app.status]),
                                app.id)


async def submit_loan_preapplication(user_id: int, data: dict) -> tuple[LoanApplication, Eligibility]:
    """Validate, pre-check and store a loan pre-application.

    Guarantees: invalid input raises InvalidInput naming every bad field and stores nothing;
    the ID and phone numbers are stored only encrypted (with lookup hash and masked form);
    the eligibility outcome is a pre-check (预审), never an approval, and is stored with its
    reasons; the application starts as "submitted". A person (by ID number) with an open
    application for the product gets DuplicateApplication naming it, however many submissions
    arrive at once (a partial UNIQUE index decides; its violation is turned into the same error).
    """
    form = clean(LOAN_FORM, data)
    user = await get_user(user_id)
    today = datetime.now(TZ).date()
    result = evaluate(form["product"], form["category"], form["amount"], id_birth_date(form["id_number"]), today)
    id_p, phone_p = protect_id(form["id_number"]), protect_phone(form["phone"])
    existing = await _open_application(form["product"], id_p.hash)
    if existing is not None:
        raise _duplicate(existing)
    try:
        app = await _create(user.id, form, id_p, phone_p, result)
    except IntegrityError:  # a simultaneous submission won (its transaction has committed by now)
        existing = await _open_application(form["product"], id_p.hash)
        if existing is None:
            raise
        raise _duplicate(existing) from None
    return app, result


async def _create(user_id: int, form: dict, id_p: Any, phone_p: Any, result: Eligibility) -> LoanApplication:
    # A transaction of its own, or a savepoint inside the Idempotency-Key wrapper's: a unique
    # violation rolls back only this insert, so the caller can still look up the winner.
    async with in_transaction() as conn:
        return await LoanApplication.create(
            user_id=user_id, product=form["product"], category=form["category"], county=form["county"],
            name=form["name"], id_enc=id_p.enc, id_hash=id_p.hash, id_masked=id_p.masked, phone_enc=phone_p.enc,
            phone_hash=phone_p.hash, phone_masked=phone_p.masked, business_type=form["business_type"],
            amount=form["amount"], purpose=form["purpose"], status="submitted", eligibility=result.result,
            eligibility_reasons=result.reasons, using_db=conn)


def eligibility_of(app: LoanApplication) -> Eligibility:
    """The stored pre-check of an application, with the same labels and notice as at submission."""
    rules = load_rules()
    return Eligibility(app.eligibility, list(app.eligibility_reasons), rules["labels"][app.eligibility], rules["notice"])


async def withdraw_loan_application(user_id: int, app_id: int) -> LoanApplication:
    """Withdraw the user's own application before any decision (someone else's is NotFound)."""
    now = datetime.now(TZ)
    if not (valid_pk(user_id) and valid_pk(app_id)):
        raise NotFound("没有找到该申请")
    changed = await LoanApplication.filter(id=app_id, user_id=user_id, status__in=OPEN_STATUSES) \
        .update(status="withdrawn", updated_at=now)
    app = await LoanApplication.get_or_none(id=app_id, user_id=user_id)
    if app is None:
        raise NotFound("没有找到该申请")
    if not changed:
        raise NotAllowed(f"该申请{STATUS_ZH.get(app.status, app.status)}，不能撤回")
    return app


async def my_loan_applications(user_id: int) -> list[LoanApplication]:
    """The user's loan pre-applications, newest first."""
    return await LoanApplication.filter(user_id=user_id).order_by("-created_at", "-id")
