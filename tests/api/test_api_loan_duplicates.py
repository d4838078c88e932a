"""One open loan pre-application per product per person (ID number): 409 duplicate naming it.

Also closes a lost reply: a loan POST sent again without an Idempotency-Key files nothing new.
On SQLite and PostgreSQL, through HTTP.
"""
from __future__ import annotations

import asyncio
from typing import Any

from api.idempotency import HEADER
from orm_models import LoanApplication

from tests.support.api import API, error_of, login
from tests.support.builders import LOAN, make_id

ID_NUMBER = make_id()


def application(**changes: Any) -> dict[str, Any]:
    return {**LOAN, "id_number": ID_NUMBER, **changes}


async def submit(client: Any, headers: dict[str, str], **changes: Any) -> Any:
    return await client.post(f"{API}/loan-applications", json=application(**changes), headers=headers)


def duplicate_message(app_id: int, status: str = "已提交") -> str:
    return (f"该身份证号已有一份创业担保贷款预申请正在办理（编号 {app_id}，{status}），同一人同一产品只能有一份未办结的预申请；"
            "如需修改，请先撤回原申请")


async def test_a_second_open_pre_application_for_the_same_product_is_409_duplicate_naming_the_first(
        client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    first = (await (await submit(client, headers)).json())["application"]["id"]
    err = await error_of(await submit(client, headers, amount=100000, purpose="另一份用途"), 409, extra=("existing_id",))
    assert err == {"code": "duplicate", "message": duplicate_message(first), "fields": {}, "existing_id": first}
    assert await LoanApplication.all().count() == 1


async def test_the_same_id_number_from_another_account_is_refused_too(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    other, _ = await login(client, "relative")
    first = (await (await submit(client, headers)).json())["application"]["id"]
    await LoanApplication.filter(id=first).update(status="reviewing")
    err = await error_of(await submit(client, other, id_number=ID_NUMBER.lower()), 409, extra=("existing_id",))
    assert err["existing_id"] == first and err["message"] == duplicate_message(first, "审核中")
    assert await LoanApplication.all().count() == 1


async def test_another_product_another_person_or_a_closed_application_does_not_block(
        client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    first = (await (await submit(client, headers)).json())["application"]["id"]
    assert (await submit(client, headers, product="云岭创业贷")).status == 201
    assert (await submit(client, headers, id_number=make_id(seq="452"))).status == 201
    assert (await client.post(f"{API}/loan-applications/{first}/withdraw", headers=headers)).status == 200
    second = await submit(client, headers)
    assert second.status == 201
    await LoanApplication.filter(id=(await second.json())["application"]["id"]).update(status="rejected")
    assert (await submit(client, headers)).status == 201
    assert await LoanApplication.filter(product="创业担保贷款", id_hash__isnull=False).count() == 4


async def test_simultaneous_identical_posts_without_a_key_store_one_and_refuse_the_rest(
        client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    answers = await asyncio.gather(*(submit(client, headers) for _ in range(4)))
    assert sorted(r.status for r in answers) == [201, 409, 409, 409]
    (stored,) = await LoanApplication.all()
    for refused in [r for r in answers if r.status == 409]:
        err = await error_of(refused, 409, extra=("existing_id",))
        assert err["code"] == "duplicate" and err["existing_id"] == stored.id


async def test_simultaneous_posts_with_different_keys_store_one_and_refuse_the_rest(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    answers = await asyncio.gather(*(submit(client, {**headers, HEADER: f"loan-{i}"}) for i in range(4)))
    assert sorted(r.status for r in answers) == [201, 409, 409, 409]
    (stored,) = await LoanApplication.all()
    assert {(await r.json())["error"]["existing_id"] for r in answers if r.status == 409} == {stored.id}


async def test_a_loan_post_replayed_without_a_key_after_a_lost_reply_is_409_naming_the_first(
        client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    lost = await submit(client, headers)  # stored; pretend its answer never reached the phone
    first = (await lost.json())["application"]["id"]
    replay = await submit(client, headers)
    err = await error_of(replay, 409, extra=("existing_id",))
    assert err["code"] == "duplicate" and err["existing_id"] == first and f"编号 {first}" in err["message"]
    mine = (await (await client.get(f"{API}/loan-applications/mine", headers=headers)).json())["applications"]
    assert [a["id"] for a in mine] == [first]
