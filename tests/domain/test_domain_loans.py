"""Loan pre-applications: stored encrypted with their pre-check; withdraw; list."""
from __future__ import annotations

import pytest

from chuangye import pii
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.applications.loans import eligibility_of, my_loan_applications, submit_loan_preapplication, withdraw_loan_application
from orm_models import LoanApplication
from tests.support.builders import LOAN, make_id, make_users

pytestmark = pytest.mark.backend
ID = make_id()


async def test_a_valid_pre_application_is_stored_with_its_pre_check(db):
    (user,) = await make_users(1)
    app, result = await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID})
    assert app.status == "submitted" and app.amount == 200000 and app.product == "创业担保贷款"
    assert result.result == "eligible" and result.notice.startswith("预审结果，不是审批结论")
    stored = await LoanApplication.get(id=app.id)
    assert stored.eligibility == "eligible" and stored.eligibility_reasons == result.reasons
    assert eligibility_of(stored) == result


async def test_id_and_phone_are_only_stored_encrypted(db):
    (user,) = await make_users(1)
    app, _ = await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID})
    row = (await LoanApplication.filter(id=app.id).values())[0]
    assert ID not in str(row) and "13812348000" not in str(row)
    assert pii.decrypt(row["id_enc"]) == ID and row["id_masked"] == f"{ID[:4]}**********{ID[-4:]}"
    assert await LoanApplication.filter(id_hash=pii.lookup_hash("id", ID)).count() == 1


async def test_invalid_input_names_the_fields_and_stores_nothing(db):
    (user,) = await make_users(1)
    with pytest.raises(InvalidInput) as exc:
        await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID[:17] + "0" if ID[17] != "0" else ID[:17] + "1",
                                                   "amount": 400000})
    assert exc.value.fields == {
        "id_number": "身份证号：校验位不正确，请逐位核对后重新填写",
        "amount": "贷款金额：创业担保贷款个人最高 300000 元（30 万元），合伙创业或小微企业请到窗口咨询"}
    assert await LoanApplication.all().count() == 0


async def test_someone_outside_the_groups_is_told_so_but_may_still_pre_apply(db):
    (user,) = await make_users(1)
    app, result = await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID, "category": "其他"})
    assert result.result == "not_eligible" and app.eligibility == "not_eligible"


async def test_withdrawing_is_allowed_before_a_decision_only(db):
    (user,) = await make_users(1)
    app, _ = await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID})
    assert (await withdraw_loan_application(user.id, app.id)).status == "withdrawn"
    with pytest.raises(NotAllowed, match="已撤回，不能撤回"):
        await withdraw_loan_application(user.id, app.id)
    other, _ = await submit_loan_preapplication(user.id, {**LOAN, "id_number": ID})
    await LoanApplication.filter(id=other.id).update(status="approved")
    with pytest.raises(NotAllowed) as exc:
        await withdraw_loan_application(user.id, other.id)
    assert exc.value.message == "该申请已通过，不能撤回"


async def test_someone_elses_application_is_not_found(db):
    a, b = await make_users(2)
    app, _ = await submit_loan_preapplication(a.id, {**LOAN, "id_number": ID})
    with pytest.raises(NotFound):
        await withdraw_loan_application(b.id, app.id)
    assert (await LoanApplication.get(id=app.id)).status == "submitted"


async def test_my_applications_are_mine_newest_first(db):
    a, b = await make_users(2)
    first, _ = await submit_loan_preapplication(a.id, {**LOAN, "id_number": ID})
    second, _ = await submit_loan_preapplication(a.id, {**LOAN, "id_number": ID, "product": "云岭创业贷"})
    await submit_loan_preapplication(b.id, {**LOAN, "id_number": make_id(seq="452")})  # one open each per person
    assert [x.id for x in await my_loan_applications(a.id)] == [second.id, first.id]


async def test_an_unknown_user_is_not_found(db):
    with pytest.raises(NotFound):
        await submit_loan_preapplication(424242, {**LOAN, "id_number": ID})
