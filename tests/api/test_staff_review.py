"""Review queues, detail views and decisions: state machine, outbox in the same transaction, audit."""
from __future__ import annotations

import pytest

from tests.support.staff import COUNTY_A, build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff"


async def _decide(client, headers, kind: str, app_id: int, **body):
    return await client.post(f"{API}/{kind}-applications/{app_id}/decision", json=body, headers=headers)


async def test_approving_a_loan_notifies_the_applicant_in_the_same_transaction(client):
    from orm_models import AuditLog, LoanApplication, Notification, ReviewDecision

    w = await build_world()
    heads = await token(client, "county_a")
    resp = await _decide(client, heads, "loan", w.a.loan.id, decision="approved", note="材料齐全", jobs_created=3)
    assert resp.status == 200
    body = (await resp.json())["application"]
    assert body["status"] == "approved" and body["status_label"] == "已通过" and body["decided_at"].endswith("+08:00")
    app = await LoanApplication.get(id=w.a.loan.id)
    assert app.status == "approved" and app.decision_note == "材料齐全"
    note = await Notification.get(kind="loan_decided")
    assert note.payload["application_id"] == app.id and note.payload["decision"] == "approved"
    assert note.payload["user_id"] == w.a.user.id
    decision = await ReviewDecision.get(kind="loan", application_id=app.id)
    assert decision.jobs_created == 3 and decision.staff_id == w.staff["county_a"].id
    assert await AuditLog.filter(action="decision", object_id=str(app.id)).count() == 1


async def test_a_decided_application_cannot_be_decided_again(client):
    w = await build_world()
    heads = await token(client, "win_a")
    assert (await _decide(client, heads, "loan", w.a.loan.id, decision="referred", note="转经办银行")).status == 200
    again = await _decide(client, heads, "loan", w.a.loan.id, decision="approved", note="")
    assert again.status == 409
    assert (await again.json())["error"]["message"] == "该贷款预申请当前状态为「已转银行」，不能再作审核决定"


async def test_a_withdrawn_application_cannot_be_decided(client):
    from handlers.applications.loans import withdraw_loan_application
    from orm_models import Notification

    w = await build_world()
    await withdraw_loan_application(w.a.user.id, w.a.loan.id)
    resp = await _decide(client, await token(client, "county_a"), "loan", w.a.loan.id, decision="approved")
    assert resp.status == 409
    assert "已撤回" in (await resp.json())["error"]["message"]
    assert not await Notification.filter(kind="loan_decided").exists()


@pytest.mark.parametrize("body, field, message", [
    ({"decision": "rejected", "note": ""}, "note", "不通过时请填写原因，申请人会收到这段说明"),
    ({"decision": "maybe"}, "decision", None),
    ({"decision": "referred", "jobs_created": 2}, "jobs_created", "只有通过的贷款预申请才登记带动就业人数"),
    ({"decision": "approved", "jobs_created": -1}, "jobs_created", None),
])
async def test_an_invalid_decision_names_the_field_and_changes_nothing(client, body, field, message):
    from orm_models import AuditLog, LoanApplication, Notification

    w = await build_world()
    resp = await _decide(client, await token(client, "county_a"), "loan", w.a.loan.id, **body)
    assert resp.status == 422
    fields = (await resp.json())["error"]["fields"]
    assert field in fields
    if message:
        assert fields[field] == message
    assert (await LoanApplication.get(id=w.a.loan.id)).status == "submitted"
    assert not await Notification.filter(kind="loan_decided").exists()
    assert not await AuditLog.filter(action="decision").exists()


async def test_training_decisions_are_approved_or_rejected_only(client):
    w = await build_world()
    resp = await _decide(client, await token(client, "county_a"), "training", w.a.training.id, decision="referred")
    assert resp.status == 422
    assert "decision" in (await resp.json())["error"]["fields"]


async def test_rejecting_a_training_application_gives_its_seat_back(client):
    from orm_models import Notification, TrainingApplication, TrainingSession

    w = await build_world()
    before = (await TrainingSession.get(id=w.a.training.session_id)).enrolled
    resp = await _decide(client, await token(client, "county_a"), "training", w.a.training.id,
                         decision="rejected", note="本期名额优先给脱贫劳动力")
    assert resp.status == 200
    assert (await TrainingSession.get(id=w.a.training.session_id)).enrolled == before - 1
    app = await TrainingApplication.get(id=w.a.training.id)
    assert app.status == "rejected" and app.active_key is None
    assert await Notification.filter(kind="training_decided").count() == 1


async def test_approving_a_training_application_keeps_its_seat(client):
    from orm_models import TrainingSession

    w = await build_world()
    before = (await TrainingSession.get(id=w.a.training.session_id)).enrolled
    assert (await _decide(client, await token(client, "win_a"), "training", w.a.training.id,
                          decision="approved")).status == 200
    assert (await TrainingSession.get(id=w.a.training.session_id)).enrolled == before


async def test_when_the_notification_cannot_be_written_the_decision_is_rolled_back(client, monkeypatch):
    import handlers.notifications.outbox
    from orm_models import AuditLog, LoanApplication, ReviewDecision

    w = await build_world()
    heads = await token(client, "county_a")

    async def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(handlers.notifications.outbox, "enqueue_event", broken)
    resp = await _decide(client, heads, "loan", w.a.loan.id, decision="approved", note="")
    assert resp.status == 500
    assert (await LoanApplication.get(id=w.a.loan.id)).status == "submitted"
    assert not await ReviewDecision.exists()
    assert not await AuditLog.filter(action="decision").exists()


async def test_two_staff_deciding_at_once_produce_one_decision(client):
    import asyncio

    from orm_models import Notification, ReviewDecision

    w = await build_world()
    h1, h2 = await token(client, "county_a"), await token(client, "pref")
    results = await asyncio.gather(
        _decide(client, h1, "loan", w.a.loan.id, decision="approved", note=""),
        _decide(client, h2, "loan", w.a.loan.id, decision="rejected", note="不符合条件"),
    )
    assert sorted(r.status for r in results) == [200, 409]
    assert await ReviewDecision.filter(application_id=w.a.loan.id).count() == 1
    assert await Notification.filter(kind="loan_decided").count() == 1


async def test_lists_are_masked_and_filtered_by_status(client):
    w = await build_world()
    heads = await token(client, "pref")
    listing = await (await client.get(f"{API}/loan-applications?status=submitted", headers=heads)).json()
    assert listing["total"] == 2
    for row in listing["applications"]:
        assert row["pii_masked"] is True and "*" in row["id_number"] and "*" in row["phone"]
    assert w.a.id_number not in str(listing)
    bad = await client.get(f"{API}/loan-applications?status=nonsense", headers=heads)
    assert bad.status == 422 and "status" in (await bad.json())["error"]["fields"]


async def test_a_county_administrator_sees_full_personal_data_in_detail_and_it_is_audited(client):
    from orm_models import AuditLog

    w = await build_world()
    resp = await client.get(f"{API}/loan-applications/{w.a.loan.id}", headers=await token(client, "county_a"))
    body = (await resp.json())["application"]
    assert body["id_number"] == w.a.id_number and body["phone"] == w.a.phone and body["pii_masked"] is False
    log = await AuditLog.get(action="view_detail", object_type="loan")
    assert log.object_id == str(w.a.loan.id) and log.username == "county_a" and log.ip


async def test_window_staff_see_detail_masked_and_that_is_audited_too(client):
    from orm_models import AuditLog

    w = await build_world()
    resp = await client.get(f"{API}/training-applications/{w.a.training.id}", headers=await token(client, "win_a"))
    body = (await resp.json())["application"]
    assert body["pii_masked"] is True and body["id_number"] != w.a.id_number and body["id_number"].endswith(w.a.id_number[-4:])
    assert await AuditLog.filter(action="view_detail_masked", object_type="training", username="win_a").count() == 1
    assert not await AuditLog.filter(action="view_detail").exists()


async def test_opening_a_submitted_loan_moves_it_to_reviewing(client):
    w = await build_world()
    heads = await token(client, "win_a")
    body = (await (await client.get(f"{API}/loan-applications/{w.a.loan.id}", headers=heads)).json())["application"]
    assert body["status"] == "reviewing" and body["status_label"] == "审核中"
    assert (await _decide(client, heads, "loan", w.a.loan.id, decision="approved")).status == 200


async def test_the_detail_lists_the_decision_history(client):
    w = await build_world()
    heads = await token(client, "county_a")
    await _decide(client, heads, "loan", w.a.loan.id, decision="rejected", note="经营项目不在支持范围")
    body = (await (await client.get(f"{API}/loan-applications/{w.a.loan.id}", headers=heads)).json())["application"]
    assert [(d["decision"], d["note"]) for d in body["decisions"]] == [("rejected", "经营项目不在支持范围")]
    assert body["county"] == COUNTY_A
