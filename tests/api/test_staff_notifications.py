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


async def _varied_world():
    """Failed rows of every kind for two counties, the same people and records several times over, and
    rows whose window, application or event is gone: (world, {name: row})."""
    from datetime import datetime, timezone

    from orm_models import Notification

    w, booked_a, decided_b = await _world_with_failures()
    rows = {"booked_a": booked_a, "decided_b": decided_b}
    specs = {
        "cancelled_b": ("appointment_cancelled", {"appointment_id": w.b.appointment.id, "window_id": w.b.window.id}),
        "reminder_a": ("appointment_reminder", {"appointment_id": w.a.appointment.id}),
        "reminder_a_again": ("appointment_reminder", {"appointment_id": w.a.appointment.id}),
        "agenda_b": ("daily_agenda", {"window_id": w.b.window.id, "date": "2026-12-01"}),
        "loan_a": ("loan_decided", {"application_id": w.a.loan.id, "decision": "rejected"}),
        "loan_a_again": ("loan_decided", {"application_id": w.a.loan.id, "decision": "approved"}),
        "training_a": ("training_decided", {"application_id": w.a.training.id, "decision": "approved"}),
        "training_b": ("training_decided", {"application_id": w.b.training.id, "decision": "rejected"}),
        "loan_gone": ("loan_decided", {"application_id": 999999, "decision": "approved"}),
        "window_gone": ("appointment_booked", {"appointment_id": w.a.appointment.id, "window_id": 9999}),
        "appointment_gone": ("appointment_reminder", {"appointment_id": 999999}),
    }
    for name, (kind, payload) in specs.items():
        rows[name] = await _failed(kind, payload, name, recipient=f"oRECIPIENT-{name}")
    now = datetime.now(timezone.utc)
    rows["event_agenda_a"] = await Notification.create(  # an event row that failed itself: its own payload counts
        kind="daily_agenda", channel="event", payload={"window_id": w.a.window.id, "date": "2026-12-01"},
        status="failed", next_attempt_at=now, dedupe_key="event-agenda-a")
    rows["orphan"] = await Notification.create(  # its event row is gone
        kind="appointment_booked", channel="wecom", recipient="wecom", payload={"chain": []}, status="failed",
        next_attempt_at=now, event_id=987654, dedupe_key="orphan")
    return w, rows


async def test_every_role_gets_the_same_rows_as_the_per_row_rule_gave_across_kinds_and_counties(client):
    from benchmarks.staff_queries_bench import old_list_notifications
    from handlers.notifications.staff_view import list_notifications

    w, rows = await _varied_world()
    for staff in w.staff.values():
        for status in ("failed", "sent", None):
            assert await list_notifications(staff, status) == await old_list_notifications(staff, status), \
                (staff.username, status)
    ids = {name: r.id for name, r in rows.items()}
    mine = await (await client.get(API, headers=await token(client, "win_a"))).json()
    assert [n["id"] for n in mine["notifications"]] == sorted(
        (ids[k] for k in ("booked_a", "reminder_a", "reminder_a_again", "loan_a", "loan_a_again", "training_a",
                          "event_agenda_a")), reverse=True)
    county = await (await client.get(API, headers=await token(client, "county_a"))).json()
    assert {n["id"] for n in county["notifications"]} == {n["id"] for n in mine["notifications"]}
    everything = await (await client.get(API, headers=await token(client, "pref"))).json()
    assert [n["id"] for n in everything["notifications"]] == sorted(ids.values(), reverse=True)
    places = {n["id"]: (n["window_id"], n["county"]) for n in everything["notifications"]}
    assert places[ids["reminder_a"]] == (w.a.window.id, "楚雄市")
    assert places[ids["training_b"]] == (None, "元谋县")
    assert places[ids["loan_gone"]] == places[ids["window_gone"]] == places[ids["orphan"]] == (None, None)


async def test_listing_fifty_notifications_takes_one_query_like_listing_five(client):
    from handlers.notifications.staff_view import list_notifications
    from tests.support.queries import recorded_queries

    w = await build_world()
    counts = {}
    for i in range(50):
        if i % 2:
            await _failed("loan_decided", {"application_id": w.a.loan.id, "decision": "approved"}, f"row{i}")
        else:
            await _failed("appointment_reminder", {"appointment_id": w.a.appointment.id}, f"row{i}")
        if i + 1 in (5, 50):
            for role in ("window_a", "county_a", "prefecture"):
                with recorded_queries() as queries:
                    listed = await list_notifications(w.staff[role])
                assert len(listed) == i + 1
                counts[role, i + 1] = len(queries)
    assert set(counts.values()) == {1}, counts


async def test_the_next_page_starts_below_the_id_given_as_before(client):
    w = await build_world()
    made = [await _failed("appointment_reminder", {"appointment_id": w.a.appointment.id}, f"p{i}") for i in range(5)]
    heads = await token(client, "win_a")
    first = await (await client.get(f"{API}?limit=2", headers=heads)).json()
    assert [n["id"] for n in first["notifications"]] == [made[4].id, made[3].id]
    second = await (await client.get(f"{API}?limit=2&before={made[3].id}", headers=heads)).json()
    assert [n["id"] for n in second["notifications"]] == [made[2].id, made[1].id]
    last = await (await client.get(f"{API}?limit=2&before={made[1].id}", headers=heads)).json()
    assert [n["id"] for n in last["notifications"]] == [made[0].id]
    bad = await client.get(f"{API}?before=0", headers=heads)
    assert bad.status == 422 and "before" in (await bad.json())["error"]["fields"]


async def test_a_windows_failed_notification_behind_a_thousand_newer_ones_of_other_counties_is_listed(client):
    from datetime import datetime, timezone

    from orm_models import Notification

    w = await build_world()
    mine = await _failed("appointment_reminder", {"appointment_id": w.a.appointment.id}, "old-a")
    now = datetime.now(timezone.utc)
    await Notification.bulk_create([
        Notification(kind="daily_agenda", channel="event", payload={"window_id": w.b.window.id, "date": f"d{i}"},
                     status="failed", next_attempt_at=now, dedupe_key=f"newer-b-{i}") for i in range(1000)])
    body = await (await client.get(API, headers=await token(client, "win_a"))).json()
    assert [n["id"] for n in body["notifications"]] == [mine.id]
