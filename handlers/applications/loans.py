"""Loan pre-applications (创业担保贷款 / 云岭创业贷) with their eligibility pre-check."""
from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from chuangye.pii import protect_id, protect_phone
from orm_models import LoanApplication

from handlers.eligibility import Eligibility, evaluate, load_rules
from handlers.errors import NotAllowed, NotFound
from handlers.forms.definitions import LOAN_FORM
from handlers.forms.spec import clean
from handlers.users import get_user
from handlers.validation import id_birth_date, valid_pk
from handlers.clock import TZ

STATUS_ZH = {"submitted": "已提交", "reviewing": "审核中", "approved": "已通过", "rejected": "未通过",
             "referred": "已转银行", "withdrawn": "已撤回"}
OPEN_STATUSES = ("submitted", "reviewing")


async def submit_loan_preapplication(user_id: int, data: dict) -> tuple[LoanApplication, Eligibility]:
    """Validate, pre-check and store a loan pre-application.

    Guarantees: invalid input raises InvalidInput naming every bad field and stores nothing;
    the ID and phone numbers are stored only encrypted (with lookup hash and masked form);
    the eligibility outcome is a pre-check (预审), never an approval, and is stored with its
    reasons; the application starts as "submitted".
    """
    form = clean(LOAN_FORM, data)
    user = await get_user(user_id)
    today = datetime.now(TZ).date()
    result = evaluate(form["product"], form["category"], form["amount"], id_birth_date(form["id_number"]), today)
    id_p, phone_p = protect_id(form["id_number"]), protect_phone(form["phone"])
    async with in_transaction() as conn:
        app = await LoanApplication.create(
            user_id=user.id, product=form["product"], category=form["category"], county=form["county"],
            name=form["name"], id_enc=id_p.enc, id_hash=id_p.hash, id_masked=id_p.masked, phone_enc=phone_p.enc,
            phone_hash=phone_p.hash, phone_masked=phone_p.masked, business_type=form["business_type"],
            amount=form["amount"], purpose=form["purpose"], status="submitted", eligibility=result.result,
            eligibility_reasons=result.reasons, using_db=conn)
    return app, result


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
