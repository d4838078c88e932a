"""The dashboard counts events, sign-ups and check-ins, overall and per county (the plan sets no target)."""
from __future__ import annotations

from handlers.events.signup import cancel_registration, register_for_event
from handlers.users import find_or_create_user
from orm_models import EventRegistration

from tests.support.events import publish_direct, signup
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def test_the_dashboard_counts_events_registrations_and_participants_per_county(client):
    a, b = await publish_direct("楚雄市"), await publish_direct("元谋县")
    await publish_direct("元谋县", is_active=False)  # withdrawn: not counted
    users = [await find_or_create_user("mp", f"stats-{i}") for i in range(4)]
    regs = [await register_for_event(u.id, signup(a.id)) for u in users[:3]]
    await register_for_event(users[3].id, signup(b.id))
    await EventRegistration.filter(id=regs[0].id).update(status="checked_in")
    await cancel_registration(users[2].id, regs[2].id)
    await make_staff("pref", "prefecture")
    body = await (await client.get("/api/v1/staff/stats", headers=await token(client, "pref"))).json()
    assert {e["key"]: e["count"] for e in body["events"]} == {"published": 2, "registrations": 3, "participants": 1}
    rows = {c["county"]: c for c in body["counties"]}
    assert rows["楚雄市"]["events"] == {"published": 1, "registrations": 2, "participants": 1}
    assert rows["元谋县"]["events"] == {"published": 1, "registrations": 1, "participants": 0}
    assert "未对创业活动设定数量目标" in body["events_note"]
