"""POST /loan-applications (with the eligibility pre-check), GET mine, POST withdraw."""
from __future__ import annotations

from typing import Any

from api.idempotency import HEADER
from chuangye import pii
from handlers.errors import InvalidInput
from handlers.forms.definitions import LOAN_FORM
from handlers.forms.spec import clean
from orm_models import LoanApplication

from tests.support.api import API, error_of, login
from tests.support.env import SQLITE_ONLY
from tests.support.builders import LOAN, make_id

LOAN_KEYS = {"id", "product", "category", "county", "business_type", "amount", "purpose", "name", "id_masked",
             "phone_masked", "status", "status_text", "eligibility", "decision_note", "created_at"}


def application(**changes: Any) -> dict[str, Any]:
    return {**LOAN, "id_number": make_id(), **changes}


async def submit(client: Any, headers: dict[str, str], **changes: Any) -> Any:
    return await client.post(f"{API}/loan-applications", json=application(**changes), headers=headers)


async def test_a_pre_application_is_stored_encrypted_and_answered_with_its_pre_check(client: Any, standin: Any) -> None:
    headers, uid = await login(client)
    resp = await submit(client, headers)
    app = (await resp.json())["application"]
    assert resp.status == 201 and set(app) == LOAN_KEYS
    assert app["status"] == "submitted" and app["amount"] == 200000 and app["created_at"].endswith("+08:00")
    assert app["id_masked"].startswith("5323") and "*" in app["id_masked"] and app["phone_masked"] == "138****8000"
    check = app["eligibility"]
    assert set(check) == {"eligible", "result", "label", "reasons", "notice"}
    assert check["result"] in ("eligible", "needs_review", "not_eligible") and check["reasons"]
    assert check["eligible"] is (check["result"] == "eligible")
    assert "不是审批结论" in check["notice"] and all("依据" in r for r in check["reasons"])
    row = await LoanApplication.get(id=app["id"])
    assert row.user_id == uid and make_id() not in row.id_enc and pii.decrypt(row.id_enc) == make_id()
    mine = (await (await client.get(f"{API}/loan-applications/mine", headers=headers)).json())["applications"]
    assert mine == [app]


@SQLITE_ONLY
async def test_invalid_fields_are_422_with_the_forms_own_messages_and_nothing_stored(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    bad = application(id_number="532301199003074512", phone="1381234", county="昆明市", amount=900000)
    err = await error_of(await client.post(f"{API}/loan-applications", json=bad, headers=headers), 422)
    try:
        clean(LOAN_FORM, bad)
    except InvalidInput as exc:
        expected = exc.fields
    assert err["fields"] == expected and set(expected) == {"id_number", "phone", "county", "amount"}
    assert err["fields"]["amount"].startswith("贷款金额：创业担保贷款个人最高 300000 元")
    assert await LoanApplication.all().count() == 0


@SQLITE_ONLY
async def test_a_pre_application_needs_a_token(client: Any, standin: Any) -> None:
    await error_of(await client.post(f"{API}/loan-applications", json=application()), 401)
    await error_of(await client.get(f"{API}/loan-applications/mine"), 401)
    assert await LoanApplication.all().count() == 0


async def test_a_retry_with_the_same_idempotency_key_stores_one_application(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    keyed = {**headers, HEADER: "loan-1"}
    first, retry = await submit(client, keyed), await submit(client, keyed)
    assert first.status == retry.status == 201 and await first.json() == await retry.json()
    assert await LoanApplication.all().count() == 1


async def test_withdrawing_once_works_twice_is_409_and_others_get_404(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    app_id = (await (await submit(client, headers)).json())["application"]["id"]
    other, _ = await login(client, "mallory")
    err = await error_of(await client.post(f"{API}/loan-applications/{app_id}/withdraw", headers=other), 404)
    assert err["message"] == "没有找到该申请"
    resp = await client.post(f"{API}/loan-applications/{app_id}/withdraw", headers=headers)
    body = (await resp.json())["application"]
    assert resp.status == 200 and body["status"] == "withdrawn" and body["status_text"] == "已撤回"
    err = await error_of(await client.post(f"{API}/loan-applications/{app_id}/withdraw", headers=headers), 409)
    assert err == {"code": "not_allowed", "message": "该申请已撤回，不能撤回", "fields": {}}
