"""CONTRACT §5: staff API lines the staff tests leave open: first check-in by id, the training list's
status filter, and a decision made through the API reaching the applicant on WeChat.
"""
from __future__ import annotations

from typing import Any


from tests.support.outbox import SUBSCRIBE, drain, touser, wechat_client
from tests.support.staff import build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.env import SQLITE_ONLY

API = "/api/v1/staff"
# Backend-independent reads and writes run once, on SQLite; the delivery path runs on both.


@SQLITE_ONLY
async def test_check_in_by_id_answers_200_and_checks_the_visitor_in(client: Any) -> None:
    from orm_models import Appointment

    w = await build_world()
    heads = await token(client, "win_a")
    resp = await client.post(f"{API}/appointments/{w.a.appointment.id}/check-in", headers=heads)
    assert resp.status == 200
    assert (await resp.json())["appointment"]["status"] == "checked_in"
    assert (await Appointment.get(id=w.a.appointment.id)).status == "checked_in"
    day = w.a.appointment.start.date().isoformat()
    agenda = await (await client.get(f"{API}/appointments?date={day}", headers=heads)).json()
    assert [(r["id"], r["status"]) for r in agenda["appointments"]] == [(w.a.appointment.id, "checked_in")]


@SQLITE_ONLY
async def test_the_training_list_is_filtered_by_status(client: Any) -> None:
    from handlers.applications.review import decide_application

    w = await build_world()
    await decide_application(w.staff["prefecture"], "training", w.a.training.id, "approved", "")
    heads = await token(client, "pref")

    async def listed(status: str) -> set[int]:
        resp = await client.get(f"{API}/training-applications?status={status}", headers=heads)
        assert resp.status == 200
        rows = (await resp.json())["applications"]
        assert all(r["status"] == status for r in rows)
        return {r["id"] for r in rows}

    assert await listed("approved") == {w.a.training.id}
    assert await listed("submitted") == {w.b.training.id}
    assert await listed("rejected") == set()
    bad = await client.get(f"{API}/training-applications?status=nonsense", headers=heads)
    assert bad.status == 422 and "status" in (await bad.json())["error"]["fields"]


async def test_a_decision_through_the_api_reaches_the_applicant(client: Any, config: Any, standin: Any,
                                                                store: Any) -> None:
    w = await build_world()
    resp = await client.post(f"{API}/loan-applications/{w.b.loan.id}/decision",
                             json={"decision": "referred", "note": "请带身份证到经办银行"},
                             headers=await token(client, "win_b"))
    assert resp.status == 200 and (await resp.json())["application"]["status"] == "referred"
    async with wechat_client(config, store) as wechat:
        await drain(wechat, config)
    (call,) = standin.calls_to(SUBSCRIBE, ok_only=True)
    assert touser([call]) == [w.b.user.openid] and call.body["template_id"] == "TPL_SUBSCRIBE"
