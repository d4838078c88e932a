"""Every role against every staff endpoint, as one table.

Callers: nobody (no token), a mini-program user, a window's staff in county A and in county B, county
A's administrator, the prefecture administrator and a mentor's own login (role mentor, the mentor of
one request in county A). Records live in county A (楚雄市) and B (元谋县).
Someone else's record is always 404 (never 403, so ids reveal nothing); role limits are 403.
A mentor is an outsider to every record but their own mentees': unless a row says otherwise, the
mentor gets what window B's staff get (another county's records 404, administrators' work 403).
"""
from __future__ import annotations

from typing import Any, Callable

from tests.support.builders import make_id
from tests.support.events import event_body
from tests.support.staff import COUNTY_A, World, build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

ROLES = ("anon", "user", "window_a", "window_b", "county_a", "prefecture", "mentor")
HAN = {"window_a": "甲", "window_b": "乙", "county_a": "丙", "prefecture": "丁"}  # names are people's names
STAFF = ROLES[2:]


def everyone(status: int) -> dict[str, int]:
    """anon and user 401, every staff role ``status``."""
    return {"anon": 401, "user": 401, **{r: status for r in STAFF}}


def by_role(mentor: int | None = None, **statuses: int) -> dict[str, int]:
    return {"anon": 401, "user": 401, **statuses, "mentor": statuses["window_b"] if mentor is None else mentor}


# (method, path template, body or body factory, expected status per role)
Row = tuple[str, str, Any, dict[str, int]]


def table(w: World, ids: dict[str, int]) -> list[Row]:
    a, b = w.a, w.b
    in_a = by_role(window_a=200, window_b=404, county_a=200, prefecture=200)
    in_b = by_role(window_a=404, window_b=200, county_a=404, prefecture=200, mentor=404)
    decided_a = by_role(window_a=409, window_b=404, county_a=409, prefecture=409)
    writers = by_role(window_a=403, window_b=403, county_a=201, prefecture=201)
    changers = by_role(window_a=403, window_b=403, county_a=200, prefecture=200)
    deleters = by_role(window_a=403, window_b=403, county_a=200, prefecture=404, mentor=404)  # gone by then
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
        ("GET", "/staff/export/mentor-requests.xlsx", None, everyone(200)),
        ("GET", "/staff/export/carrier-applications.xlsx", None, everyone(200)),
        ("GET", "/staff/carrier-applications", None, everyone(200)),
        ("GET", f"/staff/carrier-applications/{ids['settle_a']}", None, in_a),
        ("GET", f"/staff/carrier-applications/{ids['settle_b']}", None, in_b),
        ("POST", f"/staff/carrier-applications/{ids['decided_settle_a']}/decision",
         {"decision": "approved", "note": ""}, decided_a),
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
        ("POST", "/staff/mentors", lambda role: {"name": "导师" + HAN.get(role, "戊"), "county": COUNTY_A}, writers),
        ("POST", "/staff/mentors/import", {"file": "bm90IGFuIHhsc3g="},
         by_role(window_a=403, window_b=403, county_a=422, prefecture=422)),
        ("GET", "/staff/mentor-requests", None, everyone(200)),
        ("GET", f"/staff/mentor-requests/{ids['mentor_request_a']}", None, in_a),
        ("GET", f"/staff/mentor-requests/{ids['mentor_assigned_a']}", None, {**in_a, "mentor": 200}),
        ("POST", f"/staff/mentor-requests/{ids['mentor_request_a']}/assign", {},
         by_role(window_a=403, window_b=403, county_a=200, prefecture=409)),
        ("POST", f"/staff/mentor-requests/{ids['mentor_assigned_a']}/follow-ups",
         {"kind": "其他", "note": "电话回访了一次", "date": "2025-03-03"},
         by_role(window_a=201, window_b=404, county_a=201, prefecture=201, mentor=201)),
        ("PUT", f"/staff/carriers/{ids['carrier_a']}",
         {"kind": "创业小镇", "name": "彝人古镇创业小镇", "county": COUNTY_A, "note": "改过"}, changers),
        ("PUT", f"/staff/guidance-teams/{ids['team_a']}", {"name": "楚雄市创业指导一队", "county": COUNTY_A},
         changers),
        ("PUT", f"/staff/mentors/{ids['mentor_a']}", {"name": "导师甲", "county": COUNTY_A, "expertise": ["电商"]},
         changers),
        # County A's administrator opens the login first, so the prefecture administrator finds one (409).
        ("POST", f"/staff/mentors/{ids['mentor_a']}/account",
         lambda role: {"username": f"acct_{role}", "password": "correct-horse-battery"},
         by_role(window_a=403, window_b=403, county_a=201, prefecture=409)),
        # Roles are tried in ROLES order: county A's administrator deletes first, so the prefecture
        # administrator then finds the entry gone.
        ("DELETE", f"/staff/mentors/{ids['mentor_a']}", None, deleters),
        ("DELETE", f"/staff/carriers/{ids['carrier_a']}", None, deleters),
        ("DELETE", f"/staff/guidance-teams/{ids['team_a']}", None, deleters),
        # Knowledge: every staff role reads and hit-tests; county A's administrator changes county A's
        # documents, the prefecture administrator every one (including prefecture-wide ones).
        ("GET", "/staff/kb/documents", None, everyone(200)),
        ("GET", f"/staff/kb/documents/{ids['kb_doc_a']}/segments", None, everyone(200)),
        ("GET", f"/staff/kb/documents/{ids['kb_doc_a']}/revisions", None, everyone(200)),
        ("POST", "/staff/kb/hit-test", {"question": "创业担保贷款能贷多少"}, everyone(200)),
        ("POST", "/staff/kb/documents", None, by_role(window_a=403, window_b=403, county_a=422, prefecture=422)),
        ("PATCH", f"/staff/kb/segments/{ids['kb_segment_a']}", {"text": "楚雄市的补充说明（测试）"}, changers),
        ("PATCH", f"/staff/kb/segments/{ids['kb_segment_prefecture']}", {"enabled": True},
         by_role(window_a=403, window_b=403, county_a=403, prefecture=200)),
        ("POST", f"/staff/kb/documents/{ids['kb_doc_a']}/publish", None, changers),
        ("POST", f"/staff/kb/documents/{ids['kb_doc_a']}/restore", {"version": 1}, changers),
        ("PATCH", f"/staff/kb/documents/{ids['kb_doc_a']}", {"doc_number": "楚人社发〔2026〕9号（测试）"}, changers),
        ("PATCH", f"/staff/kb/documents/{ids['kb_doc_prefecture']}", {"needs_check": False},
         by_role(window_a=403, window_b=403, county_a=403, prefecture=200)),
        ("POST", f"/staff/kb/documents/{ids['kb_doc_prefecture']}/disable", None,
         by_role(window_a=403, window_b=403, county_a=403, prefecture=200)),
        ("GET", "/staff/kb/synonyms", None, everyone(200)),
        ("POST", "/staff/kb/synonyms", lambda role: {"canonical": "退役军人", "variants": ["老兵" + HAN.get(role, "戊")]},
         writers),
        ("PATCH", f"/staff/kb/synonyms/{ids['kb_synonym']}", {"variants": ["当过兵的人", "老兵"]}, changers),
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
    from handlers.knowledge_ops.documents import import_document
    from orm_models import KbDocument, KbSegment

    kb_a = (await import_document(w.staff["county_a"], "a.md", "## 楚雄市补充\n楚雄市的说明。".encode(),
                                  {"confidence": "已确认"})).document
    kb_pref = await KbDocument.filter(county=None).order_by("id").first()
    kb_seg_a = await KbSegment.filter(document_id=kb_a.id).first()
    kb_seg_pref = await KbSegment.filter(document_id=kb_pref.id).first()
    from handlers.knowledge_ops import synonyms

    kb_synonym = await synonyms.add(None, {"canonical": "退役军人", "variants": ["当过兵的人"]})
    from handlers.carriers.applications import apply_to_settle

    settle = {"name": "王小花", "phone": a.phone, "project": "彝绣文创", "team_size": 2, "needs": "一个工位"}
    base_a = await Carrier.create(kind="孵化基地", name="楚雄市某基地", county=COUNTY_A)
    base_b = await Carrier.create(kind="孵化基地", name="元谋县某基地", county="元谋县")
    settle_a = await apply_to_settle(a.user.id, {**settle, "carrier_id": base_a.id})
    settle_b = await apply_to_settle(w.b.user.id, {**settle, "carrier_id": base_b.id, "phone": w.b.phone})
    decided_settle = await apply_to_settle(second.id, {**settle, "carrier_id": base_a.id, "phone": "13900001111"})
    from handlers.carriers.review import decide_carrier_application

    await decide_carrier_application(pref, decided_settle.id, "approved")
    from handlers.events.signup import register_for_event
    from tests.support.events import publish_direct, signup

    event = await publish_direct(COUNTY_A)
    reg = await register_for_event(a.user.id, signup(event.id))
    withdrawn = await publish_direct(COUNTY_A)
    requests = await _mentor_requests(w, a, pref)
    return {**requests, "decided_loan_a": decided_loan.id, "decided_training_a": other.id, "future_a": future.id,
            "sent_note_a": sent.id, "carrier_a": carrier.id, "mentor_a": mentor.id, "team_a": team.id,
            "kb_doc_a": kb_a.id, "kb_segment_a": kb_seg_a.id, "kb_doc_prefecture": kb_pref.id,
            "kb_segment_prefecture": kb_seg_pref.id, "kb_synonym": kb_synonym.id,
            "settle_a": settle_a.id, "settle_b": settle_b.id, "decided_settle_a": decided_settle.id,
            "event_a": event.id, "event_w": withdrawn.id, "reg_a": reg.id, "reg_a_code": reg.code}


async def _mentor_requests(w: World, a: Any, pref: Any) -> dict[str, int]:
    from handlers.mentors.requests import assign_mentor, submit_request
    from handlers.users import find_or_create_user
    from orm_models import Mentor, MentorRequest

    await Mentor.create(name="导师乙", county=COUNTY_A, expertise="电商、营销", counties=[COUNTY_A], capacity=5)
    form = {"county": COUNTY_A, "industry": "电商", "need": "想学网店推广", "name": "李小梅", "phone": a.phone}
    waiting = await submit_request(a.user.id, form)
    third = await find_or_create_user("mp", "openid-mentor-seeker")
    assigned = await submit_request(third.id, form)
    await assign_mentor(pref, assigned.id)
    from handlers.staff.accounts import create_staff

    mentor_id = (await MentorRequest.get(id=assigned.id)).mentor_id
    w.staff["mentor"] = await create_staff("mentor_login", "mentor", "correct-horse-battery", mentor_id=mentor_id)
    return {"mentor_request_a": waiting.id, "mentor_assigned_a": assigned.id}


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
                                    "carrier_a", "mentor_a", "team_a", "kb_doc_a", "kb_segment_a",
                                    "kb_doc_prefecture", "kb_segment_prefecture", "kb_synonym", "mentor_request_a",
                                    "mentor_assigned_a", "settle_a", "settle_b", "decided_settle_a", "event_a", "event_w",
                                    "reg_a", "reg_a_code")})
    import re

    covered = {(m, re.sub(r"/\d+", "/{id}", p).replace("/appointments.xlsx", "/{kind}.xlsx")
                .replace("/loan-applications.xlsx", "/{kind}.xlsx").replace("/training-applications.xlsx", "/{kind}.xlsx")
                .replace("/mentor-requests.xlsx", "/{kind}.xlsx").replace("/carrier-applications.xlsx", "/{kind}.xlsx")
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
