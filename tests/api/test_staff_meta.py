"""GET /staff/meta: the server's own names and lists, served once to the console.

The console keeps no copy of counties, roles or status names; this endpoint is where it reads
them, so every table must be exactly the one the handlers use (chat, mini-program API, exports).
"""
from __future__ import annotations

from tests.support.api import login
from tests.support.staff import build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

META = "/api/v1/staff/meta"


async def test_every_staff_role_reads_the_same_meta_and_users_may_not(client):
    w = await build_world()
    bodies = []
    for staff in w.staff.values():
        resp = await client.get(META, headers=await token(client, staff.username))
        assert resp.status == 200, await resp.text()
        bodies.append(await resp.json())
    assert all(b == bodies[0] for b in bodies)
    user_headers, _ = await login(client, "meta-visitor")
    assert (await client.get(META, headers=user_headers)).status == 401
    assert (await client.get(META)).status == 401


async def test_meta_lists_the_ten_counties_and_the_status_names_exactly_as_handlers_define_them(client):
    from handlers.applications.loans import STATUS_ZH as LOAN_ZH
    from handlers.applications.review import DECISIONS, LOAN_LABELS, TRAINING_LABELS
    from handlers.applications.training import STATUS_ZH as TRAINING_ZH
    from handlers.appointments.booking import STATUS_ZH as APPOINTMENT_ZH
    from handlers.appointments.desk import STATUS_LABELS as DESK_LABELS
    from handlers.events.signup import STATUS_ZH as EVENT_ZH
    from handlers.handoff.sessions import STATUS_ZH as HANDOFF_ZH
    from handlers.mentors.requests import STATUS_ZH as MENTOR_ZH
    from handlers.knowledge_ops.documents import STATUS_ZH as KB_ZH
    from handlers.notifications.staff_view import STATUS_LABELS as NOTIFICATION_ZH
    from handlers.reporting.export import STATUSES as EXPORT_STATUSES
    from handlers.reporting.stats import TARGETS
    from handlers.staff.auth import ROLE_NAMES
    from handlers.validation import COUNTIES

    w = await build_world()
    body = await (await client.get(META, headers=await token(client, w.staff["window_a"].username))).json()
    assert body["counties"] == ["楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县"]
    assert body["counties"] == list(COUNTIES)
    from handlers.carriers.applications import STATUS_ZH as CARRIER_ZH

    assert body["statuses"] == {"appointment": APPOINTMENT_ZH, "loan": LOAN_ZH, "training": TRAINING_ZH,
                                "carrier": CARRIER_ZH, "handoff": HANDOFF_ZH, "notification": NOTIFICATION_ZH,
                                "mentor_request": MENTOR_ZH, "event_registration": EVENT_ZH, "kb_document": KB_ZH}
    assert body["kb_roles"] == ["county", "prefecture"] and body["kb_confidence"] == ["已确认", "未确认"]
    # Staff, applicants and exports share one table per record kind.
    assert DESK_LABELS is APPOINTMENT_ZH and LOAN_LABELS is LOAN_ZH and TRAINING_LABELS is TRAINING_ZH
    assert EXPORT_STATUSES == {"appointments": APPOINTMENT_ZH, "loan-applications": LOAN_ZH,
                               "training-applications": TRAINING_ZH, "mentor-requests": MENTOR_ZH,
                               "carrier-applications": CARRIER_ZH, "event-registrations": EVENT_ZH}
    assert body["roles"] == ROLE_NAMES
    assert body["faq_roles"] == ["county", "prefecture"]
    assert {k: list(v) for k, v in body["decisions"].items()} == {**{k: list(v) for k, v in DECISIONS.items()},
                                                                  "carrier": ["approved", "rejected"]}
    assert [c["kind"] for c in body["carrier_kinds"]] == ["孵化基地", "创业小镇", "创业社区", "创业村落"]
    assert [(t["key"], t["target"], t["target_max"]) for t in body["targets"]] == [
        (t.key, t.target, t.target_max) for t in TARGETS]


async def test_staff_and_the_applicant_read_one_name_for_an_approved_training_application(client, config):
    from api.auth import issue_user_token
    from handlers.applications.review import decide_application

    w = await build_world()
    await decide_application(w.staff["prefecture"], "training", w.a.training.id, "approved", "")
    staff_view = await (await client.get(f"/api/v1/staff/training-applications/{w.a.training.id}",
                                         headers=await token(client, w.staff["window_a"].username))).json()
    user = {"Authorization": f"Bearer {issue_user_token(config.security.secret_key, w.a.user.id)}"}
    mine = await (await client.get("/api/v1/training-applications/mine", headers=user)).json()
    applicant_view = next(a for a in mine["applications"] if a["id"] == w.a.training.id)
    assert staff_view["application"]["status_label"] == applicant_view["status_text"] == "已通过"


async def test_the_meta_endpoint_is_in_the_openapi_document_with_its_schema(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    op = doc["paths"]["/staff/meta"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    ref = schema["$ref"].rsplit("/", 1)[-1]
    assert {"counties", "statuses", "roles", "faq_roles", "carrier_kinds", "targets"} <= set(
        doc["components"]["schemas"][ref]["properties"])
