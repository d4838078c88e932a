"""The window desk: the day's agenda, check-in by id and by code, no-show, with audit rows."""
from __future__ import annotations

from datetime import timedelta

from tests.support.staff import build_world, clock, token  # noqa: F401  (clock is a fixture)
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff"


async def test_the_agenda_lists_the_windows_appointments_of_the_day_with_phones_masked(client):
    w = await build_world()
    day = w.a.appointment.start.date().isoformat()
    resp = await client.get(f"{API}/appointments?date={day}", headers=await token(client, "win_a"))
    assert resp.status == 200
    body = await resp.json()
    assert body["date"] == day
    [row] = body["appointments"]
    assert row["id"] == w.a.appointment.id and row["window_id"] == w.a.window.id
    assert row["phone"] == w.a.phone[:3] + "****" + w.a.phone[-4:]
    assert row["start"].endswith("+08:00") and row["status"] == "booked" and row["status_label"] == "已预约"
    assert "code" not in row


async def test_the_agenda_defaults_to_today_and_rejects_a_malformed_date(client):
    await build_world()
    heads = await token(client, "win_a")
    today = await (await client.get(f"{API}/appointments", headers=heads)).json()
    assert today["appointments"] == []  # bookings are in the future
    bad = await client.get(f"{API}/appointments?date=2025-13-45", headers=heads)
    assert bad.status == 422 and "date" in (await bad.json())["error"]["fields"]


async def test_check_in_by_code_is_case_insensitive_audited_and_repeatable(client):
    from orm_models import Appointment, AuditLog

    w = await build_world()
    heads = await token(client, "win_a")
    resp = await client.post(f"{API}/check-in", json={"code": w.a.appointment.code.lower()}, headers=heads)
    assert resp.status == 200
    body = (await resp.json())["appointment"]
    assert body["status"] == "checked_in" and body["checked_in_at"].endswith("+08:00")
    assert (await Appointment.get(id=w.a.appointment.id)).status == "checked_in"
    again = await client.post(f"{API}/appointments/{w.a.appointment.id}/check-in", headers=heads)
    assert again.status == 200
    assert await AuditLog.filter(action="check_in").count() == 1


async def test_an_unknown_code_and_another_windows_code_are_both_not_found(client):
    w = await build_world()
    heads = await token(client, "win_a")
    for code in ("ZZZZZZ", w.b.appointment.code):
        resp = await client.post(f"{API}/check-in", json={"code": code}, headers=heads)
        assert resp.status == 404
        assert "请核对签到码" in (await resp.json())["error"]["message"]


async def test_a_cancelled_appointment_cannot_be_checked_in(client):
    from handlers.appointments.booking import cancel_appointment

    w = await build_world()
    await cancel_appointment(w.a.user.id, w.a.appointment.id)
    resp = await client.post(f"{API}/appointments/{w.a.appointment.id}/check-in", headers=await token(client, "win_a"))
    assert resp.status == 409
    assert (await resp.json())["error"]["message"] == "该预约当前状态为「已取消」，不能签到"


async def test_no_show_only_once_the_appointment_has_begun_and_a_late_visitor_can_still_check_in(client, clock):
    from orm_models import Appointment

    w = await build_world()
    heads = await token(client, "win_a")
    url = f"{API}/appointments/{w.a.appointment.id}/no-show"
    early = await client.post(url, headers=heads)
    assert early.status == 409 and "还没到" in (await early.json())["error"]["message"]
    clock.freeze(w.a.appointment.start + timedelta(minutes=31))
    heads = await token(client, "win_a")  # the first session has expired by then
    late = await client.post(url, headers=heads)
    assert late.status == 200 and (await late.json())["appointment"]["status"] == "no_show"
    checked = await client.post(f"{API}/check-in", json={"code": w.a.appointment.code}, headers=heads)
    assert checked.status == 200
    assert (await Appointment.get(id=w.a.appointment.id)).status == "checked_in"


async def test_a_county_administrator_sees_all_windows_of_the_county(client):
    from handlers.appointments.booking import book_appointment
    from handlers.users import find_or_create_user
    from tests.support.builders import free_slot_start

    w = await build_world()
    other = await find_or_create_user("mp", "openid-another")
    start = await free_slot_start(w.a.window.id)
    await book_appointment(other.id, w.a.window.id, start, "创业培训", "赵六", "13900001111")
    day = start.date().isoformat()
    body = await (await client.get(f"{API}/appointments?date={day}", headers=await token(client, "county_a"))).json()
    assert {r["county"] for r in body["appointments"]} == {"楚雄市"}
    assert len(body["appointments"]) == 2
    filtered = await (await client.get(f"{API}/appointments?date={day}&status=checked_in",
                                       headers=await token(client, "pref"))).json()
    assert filtered["appointments"] == []


async def test_a_malformed_check_in_code_is_explained(client):
    await build_world()
    heads = await token(client, "win_a")
    for code in ("12345", "Ÿ»MEÁ·", "ABC 12"):
        resp = await client.post(f"{API}/check-in", json={"code": code}, headers=heads)
        assert resp.status == 422
        assert (await resp.json())["error"]["fields"] == {"code": "签到码是 6 位字母或数字，请核对后重新输入"}
