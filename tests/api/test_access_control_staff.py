"""Every role against every staff endpoint, as one table.

Callers: nobody (no token), a mini-program user, a window's staff in county A and in county B, county
A's administrator and the prefecture administrator. Records live in county A (楚雄市) and B (元谋县).
Someone else's record is always 404 (never 403, so ids reveal nothing); role limits are 403.
"""
from __future__ import annotations

from typing import Any, Callable

from tests.support.builders import make_id
from tests.support.events import event_body
from tests.support.staff import COUNTY_A, World, build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

ROLES = ("anon", "user", "window_a", "window_b", "county_a", "prefecture")
STAFF = ROLES[2:]


def everyone(status: int) -> dict[str, int]:
    """anon and user 401, every staff role ``status``."""
    return {"anon": 401, "user": 401, **{r: status for r in STAFF}}


def by_role(**statuses: int) -> dict[str, int]:
    return {"anon": 401, "user": 401, **statuses}


# (method, path template, body or body factory, expected status per role)
Row = tuple[str, str, Any, dict[str, int]]


def table(w: World, ids: dict[str, int]) -> list[Row]:
    a, b = w.a, w.b
    in_a = by_role(window_a=200, window_b=404, county_a=200, prefecture=200)
    in_b = by_role(window_a=404, window_b=200, county_a=404, prefecture=200)
    decided_a = by_role(window_a=409, window_b=404, county_a=409, prefecture=409)
    writers = by_role(window_a=403, window_b=403, county_a=201, prefecture=201)
    changers = by_role(window_a=403, window_b=403, county_a=200, prefecture=200)
    deleters = by_role(window_a=403, window_b=403, county_a=200, prefecture=404)
    return [
        ("GET", "/staff/me", None, everyone(200)),
        ("GET", "/staff/meta", None, everyone(200)),
        ("GET", "/staff/bind-code", None, everyone(200)),
        ("GET", "/staff/appointments", None, everyone(200)),
        ("POST", f"/staff/appointments/{a.appointment.id}/check-in", None, in_a),
        ("POST", f"/staff/appointments/{b.appointment.id}/check-in", None, in_b),
        ("POST", "/staff/check-in", {"code": a.appointment.code}, in_a),
        ("POST", f"/staff/appointments/{ids['future_a']}/no-show", None,
         by_role(window_a=409, window_b=404, county_a=409, prefecture=409)),
        ("GET", "/staff/loan-applications", None, everyone(200)),
        ("GET", "/staff/training-applications", None, everyone(200)),
        ("GET", f"/staff/loan-applications/{a.loan.id}", None, in_a),
        ("GET", f"/staff/loan-applications/{b.loan.id}", None, in_b),
        ("GET", f"/staff/training-applications/{a.training.id}", None, in_a),
        ("GET", f"/staff/training-applications/{b.training.id}", None, in_b),
        ("POST", f"/staff/loan-applications/{ids['decided_loan_a']}/decision",
         {"decision": "approved", "note": ""}, decided_a),
        ("POST", f"/staff/training-applications/{ids['decided_training_a']}/decision",
         {"decision": "approved", "note": ""}, decided_a),
        ("GET", "/staff/export/appointments.xlsx", None, everyone(200)),
        ("GET", "/staff/export/loan-applications.xlsx", None, everyone(200)),
        ("GET", "/staff/export/training-applications.xlsx", None, everyone(200)),
        ("GET", "/staff/stats", None, everyone(200)),
        ("GET", "/staff/audit", None, by_role(window_a=403, window_b=403, county_a=403, prefecture=200)),
        ("GET", "/staff/accounts/locked", None, by_role(window_a=403, window_b=403, county_a=200, prefecture=200)),
        ("POST", f"/staff/accounts/{w.staff['window_b'].id}/unlock", None,
         by_role(window_a=403, window_b=403, county_a=404, prefecture=200)),
        ("GET", "/staff/notifications", None, everyone(200)),
        ("POST", f"/staff/notifications/{ids['sent_note_a']}/retry", None,
         by_role(window_a=409, window_b=404, county_a=409, prefecture=409)),
        ("GET", "/staff/carriers", None, everyone(200)),
        ("GET", "/staff/guidance-teams", None, everyone(200)),
        ("GET", "/staff/mentors", None, everyone(200)),
        ("POST", "/staff/carriers", lambda role: {"kind": "创业村落", "name": f"{role}登记的村落", "county": COUNTY_A},
         writers),
        ("POST", "/staff/guidance-teams", lambda role: {"name": f"{role}的指导团队", "county": COUNTY_A}, writers),
        ("POST", "/staff/mentors", lambda role: {"name": f"导师{role}", "county": COUNTY_A}, writers),
        ("PUT", f"/staff/carriers/{ids['carrier_a']}",
         {"kind": "创业小镇", "name": "彝人古镇创业小镇", "county": COUNTY_A, "note": "改过"}, changers),
        ("PUT", f"/staff/guidance-teams/{ids['team_a']}", {"name": "楚雄市创业指导一队", "county": COUNTY_A},
         changers),
        ("PUT", f"/staff/mentors/{ids['mentor_a']}", {"name": "导师甲", "county": COUNTY_A, "expertise": "彝绣"},
         changers),
        # Roles are tried in ROLES order: county A's administrator deletes first, so the prefecture
        # administrator then finds the entry gone.
        ("DELETE", f"/staff/mentors/{ids['mentor_a']}", None, deleters),
        ("DELETE", f"/staff/carriers/{ids['carrier_a']}", None, deleters),
        ("DELETE", f"/staff/guidance-teams/{ids['team_a']}", None, deleters),
        ("GET", "/staff/events", None, everyone(200)),
        ("POST", "/staff/events", lambda role: event_body(COUNTY_A, title=f"{role}发布的活动"), writers),
        ("PUT", f"/staff/events/{ids['event_a']}", event_body(COUNTY_A), changers),
        ("POST", f"/staff/events/{ids['event_w']}/withdraw", None, changers),
        ("GET", f"/staff/events/{ids['event_a']}/registrations", None, in_a),
        ("GET", f"/staff/event-registrations/{ids['reg_a']}", None, in_a),
        ("POST", f"/staff/event-registrations/{ids['reg_a']}/check-in", None, in_a),
        ("POST", "/staff/event-check-in", {"code": str(ids["reg_a_code"])}, in_a),
        ("GET", "/staff/export/event-registrations.xlsx", None, everyone(200)),
    ]


async def _fixtures(w: World) -> dict[str, int]:
    """Records whose outcome does not depend on the order roles are tried in."""
    from handlers.appointments.booking import book_appointment
    from handlers.applications.review import decide_application
    from orm_models import Carrier, GuidanceTeam, Mentor, Notification
    from tests.support.builders import free_slot_start
    from tests.support.staff import loan, training

    a = w.a
    pref = w.staff["prefecture"]
    decided_loan = await loan(a.user.id, COUNTY_A, make_id(seq="778"), a.phone)  # a.loan is a.id_number's open one
    await decide_application(pref, "loan", decided_loan.id, "approved", "")
    from handlers.users import find_or_create_user

    second = await find_or_create_user("mp", "openid-second-visitor")
    other = await training(second.id, COUNTY_A, a.id_number, a.phone, name="李玉兰")
    await decide_application(pref, "training", other.id, "approved", "")
    future = await book_appointment(second.id, a.window.id, await free_slot_start(a.window.id), "创业培训", "王小明", a.phone)
    sent = await Notification.create(kind="loan_decided", channel="event", recipient="", status="sent",
                                      payload={"application_id": a.loan.id, "decision": "approved"},
                                      next_attempt_at=future.start, dedupe_key="test:sent")
    carrier = await Carrier.create(kind="创业小镇", name="彝人古镇", county=COUNTY_A)
    mentor = await Mentor.create(name="导师甲", county=COUNTY_A)
    team = await GuidanceTeam.create(name="楚雄市创业指导队", county=COUNTY_A)
    from handlers.events.signup import register_for_event
    from tests.support.events import publish_direct, signup

    event = await publish_direct(COUNTY_A)
    reg = await register_for_event(a.user.id, signup(event.id))
    withdrawn = await publish_direct(COUNTY_A)
    return {"event_a": event.id, "event_w": withdrawn.id, "reg_a": reg.id, "reg_a_code": reg.code,
            "decided_loan_a": decided_loan.id, "decided_training_a": other.id, "future_a": future.id,
            "sent_note_a": sent.id, "carrier_a": carrier.id, "mentor_a": mentor.id, "team_a": team.id}


async def _headers(client: Any, config: Any, w: World) -> dict[str, dict[str, str]]:
    from api.auth import issue_user_token

    heads = {"anon": {}, "user": {"Authorization": f"Bearer {issue_user_token(config.security.secret_key, w.a.user.id)}"}}
    for role, staff in w.staff.items():
        heads[role] = await token(client, staff.username)
    return heads


async def test_every_role_against_every_staff_endpoint(client, config):
    w = await build_world()
    ids = await _fixtures(w)
    heads = await _headers(client, config, w)
    rows = table(w, ids)
    failures: list[str] = []
    for method, path, body, expected in rows:
        assert set(expected) == set(ROLES), path
        for role in ROLES:
            payload = body(role) if isinstance(body, Callable) else body
            resp = await client.request(method, "/api/v1" + path, json=payload, headers=heads[role])
            if resp.status != expected[role]:
                failures.append(f"{method} {path} as {role}: {resp.status} (expected {expected[role]}) "
                                f"{(await resp.text())[:160]}")
    assert not failures, "\n".join(failures)


async def test_the_table_covers_every_declared_staff_endpoint(client, config):
    """A new staff endpoint without a row here fails this test (logout is covered in test_staff_auth)."""
    from api.v1 import collect, endpoints

    w = await build_world()
    rows = table(w, {k: 1 for k in ("decided_loan_a", "decided_training_a", "future_a", "sent_note_a",
                                    "carrier_a", "mentor_a", "team_a", "event_a", "event_w", "reg_a",
                                    "reg_a_code")})
    import re

    covered = {(m, re.sub(r"/\d+", "/{id}", p).replace("/appointments.xlsx", "/{kind}.xlsx")
                .replace("/loan-applications.xlsx", "/{kind}.xlsx").replace("/training-applications.xlsx", "/{kind}.xlsx")
                .replace("/event-registrations.xlsx", "/{kind}.xlsx"))
               for m, p, _, _ in rows}
    declared = {(ep.method, ep.path) for ep in endpoints(collect()) if ep.auth == "staff"
                and ep.path.startswith("/staff/") and ep.handler.__module__.startswith("api.staff")
                and ep.handler.__module__ != "api.staff_handoff"}
    missing = declared - covered - {("POST", "/staff/logout")}
    assert not missing, f"staff endpoints without an access-control row: {sorted(missing)}"


async def test_a_window_never_sees_another_countys_records_in_lists(client):
    w = await build_world()
    heads = await token(client, w.staff["window_b"].username)
    loans = await (await client.get("/api/v1/staff/loan-applications", headers=heads)).json()
    trainings = await (await client.get("/api/v1/staff/training-applications", headers=heads)).json()
    day = w.a.appointment.start.date().isoformat()
    appts = await (await client.get(f"/api/v1/staff/appointments?date={day}", headers=heads)).json()
    assert {x["county"] for x in loans["applications"]} == {"元谋县"}
    assert {x["county"] for x in trainings["applications"]} == {"元谋县"}
    assert w.a.appointment.id not in {x["id"] for x in appts["appointments"]}
    assert all(x["county"] == "元谋县" for x in appts["appointments"])
