"""Failed notifications in the console: scoped by county/window, openids masked, retried by hand."""
from __future__ import annotations

from tests.support.staff import build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff/notifications"


async def _failed(kind: str, payload: dict, key: str, recipient: str = "oOPENID1234567890"):
    """A failed per-recipient row and the event it came from, as the outbox leaves them."""
    from datetime import datetime, timezone

    from orm_models import Notification

    now = datetime.now(timezone.utc)
    event = await Notification.create(kind=kind, channel="event", payload=payload, status="sent",
                                      next_attempt_at=now, dedupe_key=f"{key}:event")
    return await Notification.create(
        kind=kind, channel="template", recipient=recipient, status="failed", attempts=6, next_attempt_at=now,
        last_error="errcode 40001", event_id=event.id, dedupe_key=f"{key}:child",
        payload={"message": {}, "chain": [["template", recipient], ["custom", recipient]], "fallbacks": []})


async def _world_with_failures():
    w = await build_world()
    booked_a = await _failed("appointment_booked", {"appointment_id": w.a.appointment.id,
                                                    "window_id": w.a.window.id}, "a-booked")
    decided_b = await _failed("loan_decided", {"application_id": w.b.loan.id, "decision": "approved"}, "b-loan")
    return w, booked_a, decided_b


async def test_staff_see_only_their_scopes_failed_notifications_with_openids_masked(client):
    w, booked_a, decided_b = await _world_with_failures()
    mine = await (await client.get(API, headers=await token(client, "win_a"))).json()
    assert [n["id"] for n in mine["notifications"]] == [booked_a.id]
    row = mine["notifications"][0]
    assert row["recipient"] == "oOPE****7890" and row["county"] == "楚雄市" and row["status_label"] == "发送失败"
    assert row["kind_label"] == "新预约通知工作人员"
    theirs = await (await client.get(API, headers=await token(client, "win_b"))).json()
    assert [n["id"] for n in theirs["notifications"]] == [decided_b.id]
    everything = await (await client.get(API, headers=await token(client, "pref"))).json()
    assert {n["id"] for n in everything["notifications"]} == {booked_a.id, decided_b.id}


async def test_a_failed_notification_is_retried_by_hand_and_audited(client):
    from orm_models import AuditLog, Notification

    w, booked_a, _ = await _world_with_failures()
    heads = await token(client, "county_a")
    resp = await client.post(f"{API}/{booked_a.id}/retry", headers=heads)
    assert resp.status == 200
    assert (await resp.json())["notification"]["status"] == "pending"
    row = await Notification.get(id=booked_a.id)
    assert (row.status, row.attempts, row.channel) == ("pending", 0, "template")
    assert await AuditLog.filter(action="notification_retry", object_id=str(booked_a.id)).count() == 1
    again = await client.post(f"{API}/{booked_a.id}/retry", headers=heads)
    assert again.status == 409 and (await again.json())["error"]["message"] == "只有发送失败的通知可以重发"


async def test_another_countys_notification_cannot_be_retried(client):
    from orm_models import Notification

    _, _, decided_b = await _world_with_failures()
    resp = await client.post(f"{API}/{decided_b.id}/retry", headers=await token(client, "county_a"))
    assert resp.status == 404
    assert (await Notification.get(id=decided_b.id)).status == "failed"


async def test_the_list_can_show_other_statuses(client):
    w, _, _ = await _world_with_failures()
    body = await (await client.get(f"{API}?status=sent", headers=await token(client, "pref"))).json()
    assert body["notifications"] and all(n["status"] == "sent" for n in body["notifications"])
    bad = await client.get(f"{API}?status=lost", headers=await token(client, "pref"))
    assert bad.status == 422
