"""Events through HTTP with the production app, on SQLite and PostgreSQL: publish, browse, sign up,
duplicate, full, cancel, check-in, and 30 simultaneous keyed sign-ups for 10 seats."""
from __future__ import annotations

import asyncio
from typing import Any

from api.idempotency import HEADER
from orm_models import AuditLog, Event, EventRegistration
from orm_models.events import EVENT_KINDS

from tests.support.api import error_of, login
from tests.support.env import SQLITE_ONLY
from tests.support.events import API, event_body, publish, signup
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def staff_headers(client: Any, role: str = "county", county: str | None = "元谋县") -> dict[str, str]:
    name = f"{role}_{county or 'all'}"
    await make_staff(name, role, **({"county": county} if role == "county" else {}))
    return await token(client, name)


async def test_a_county_publishes_an_event_that_users_see_in_the_upcoming_list(client: Any) -> None:
    heads = await staff_headers(client)
    event = await publish(client, heads)
    assert event["registered"] == 0 and event["remaining"] == 10 and event["demo"] is False
    body = await (await client.get(f"{API}/events", params={"county": "元谋县"})).json()
    [listed] = body["events"]
    assert set(listed) >= {"id", "title", "kind", "start", "end", "county", "place", "online_url", "capacity",
                           "remaining"}
    assert listed["id"] == event["id"] and listed["start"].endswith("+08:00") and listed["kind"] == "沙龙·经验交流"
    assert (await (await client.get(f"{API}/events", params={"county": "楚雄市"})).json())["events"] == []


async def test_a_county_cannot_publish_for_another_county_and_window_staff_cannot_publish(client: Any) -> None:
    heads = await staff_headers(client)
    resp = await client.post(f"{API}/staff/events", json=event_body("楚雄市"), headers=heads)
    err = await error_of(resp, 403)
    assert err["code"] == "forbidden" and "元谋县" in err["message"]
    assert await Event.all().count() == 0


async def test_publishing_checks_the_fields_and_names_each_in_chinese(client: Any) -> None:
    heads = await staff_headers(client, "prefecture", None)
    body = event_body(kind="茶话会", capacity=0)
    err = await error_of(await client.post(f"{API}/staff/events", json=body, headers=heads), 422)
    assert err["fields"]["kind"].startswith("活动类型：应为以下之一")
    assert err["fields"]["capacity"] == "人数上限：不能小于 1"
    good = event_body()
    bad_times = {**good, "end": good["start"], "place": ""}
    err = await error_of(await client.post(f"{API}/staff/events", json=bad_times, headers=heads), 422)
    assert err["fields"] == {"end": "结束时间：应晚于开始时间", "place": "活动地点：请填写活动地点或直播链接（至少一项）"}


async def test_a_user_signs_up_gets_a_code_and_a_second_time_is_409_duplicate(client: Any) -> None:
    event = await publish(client, await staff_headers(client))
    headers, _ = await login(client)
    resp = await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=headers)
    assert resp.status == 201, await resp.text()
    reg = (await resp.json())["registration"]
    assert len(reg["code"]) == 6 and reg["status"] == "registered" and reg["phone_masked"] == "138****8000"
    again = await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=headers)
    err = await error_of(again, 409)
    assert err["code"] == "duplicate" and "已报名该活动" in err["message"]
    mine = (await (await client.get(f"{API}/event-registrations/mine", headers=headers)).json())["registrations"]
    assert [r["id"] for r in mine] == [reg["id"]]
    stored = await EventRegistration.get(id=reg["id"])
    assert "13812348000" not in stored.phone_enc and stored.phone_masked == "138****8000"


async def test_a_full_event_is_409_event_full_and_cancelling_frees_the_seat(client: Any) -> None:
    event = await publish(client, await staff_headers(client), capacity=1)
    first, _ = await login(client, "first")
    second, _ = await login(client, "second")
    resp = await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=first)
    reg_id = (await resp.json())["registration"]["id"]
    err = await error_of(await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=second), 409)
    assert err == {"code": "event_full", "message": "该活动名额已满，请关注其他活动", "fields": {}}
    other = await client.post(f"{API}/event-registrations/{reg_id}/cancel", headers=second)
    assert (await error_of(other, 404))["code"] == "not_found"
    cancel = await client.post(f"{API}/event-registrations/{reg_id}/cancel", headers=first)
    assert cancel.status == 200 and (await cancel.json())["registration"]["status"] == "cancelled"
    again = await client.post(f"{API}/event-registrations/{reg_id}/cancel", headers=first)
    assert (await error_of(again, 409))["code"] == "not_allowed"
    assert (await Event.get(id=event["id"])).registered == 0
    assert (await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=second)).status == 201
    # the first user may sign up again after cancelling
    err = await error_of(await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=first), 409)
    assert err["code"] == "event_full"


async def test_sign_up_fields_are_checked_with_chinese_reasons(client: Any) -> None:
    headers, _ = await login(client)
    resp = await client.post(f"{API}/event-registrations", json={"event_id": 999, "name": "李", "phone": "123"},
                             headers=headers)
    err = await error_of(resp, 422)
    assert err["fields"]["phone"].startswith("手机号：") and err["fields"]["name"].startswith("姓名：")
    resp = await client.post(f"{API}/event-registrations", json=signup(999), headers=headers)
    assert (await error_of(resp, 422))["fields"] == {"event_id": "活动：没有找到该活动，请重新选择"}


async def test_thirty_simultaneous_keyed_sign_ups_for_ten_seats_give_exactly_ten(client: Any) -> None:
    event = await publish(client, await staff_headers(client), capacity=10)
    users = [(await login(client, f"crowd{i}"))[0] for i in range(30)]
    answers = await asyncio.gather(*(
        client.post(f"{API}/event-registrations", json=signup(event["id"], phone=f"1381234{i:04d}"),
                    headers={**h, HEADER: f"crowd-{i}"})
        for i, h in enumerate(users)))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] * 10 + [409] * 20, statuses
    assert {(await r.json())["error"]["code"] for r in answers if r.status == 409} == {"event_full"}
    assert await EventRegistration.filter(event_id=event["id"], status="registered").count() == 10
    assert (await Event.get(id=event["id"])).registered == 10
    # a retry of a successful request with its key replays the answer and takes no second seat
    winner = next(i for i, r in enumerate(answers) if r.status == 201)
    replay = await client.post(f"{API}/event-registrations", json=signup(event["id"], phone=f"1381234{winner:04d}"),
                               headers={**users[winner], HEADER: f"crowd-{winner}"})
    assert replay.status == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert (await Event.get(id=event["id"])).registered == 10


async def test_staff_see_sign_ups_masked_view_one_in_full_audited_and_check_in_by_code(client: Any) -> None:
    heads = await staff_headers(client)
    event = await publish(client, heads)
    headers, _ = await login(client)
    reg = (await (await client.post(f"{API}/event-registrations", json=signup(event["id"]), headers=headers)).json())[
        "registration"]
    rows = (await (await client.get(f"{API}/staff/events/{event['id']}/registrations", headers=heads)).json())[
        "registrations"]
    assert [(r["id"], r["phone"], r["pii_masked"]) for r in rows] == [(reg["id"], "138****8000", True)]
    assert "code" not in rows[0]
    detail = (await (await client.get(f"{API}/staff/event-registrations/{reg['id']}", headers=heads)).json())[
        "registration"]
    assert detail["phone"] == "13812348000" and detail["pii_masked"] is False
    assert await AuditLog.filter(action="view_detail", object_type="event_registration").count() == 1
    other = await staff_headers(client, "county", "楚雄市")
    assert (await client.get(f"{API}/staff/event-registrations/{reg['id']}", headers=other)).status == 404
    assert (await client.post(f"{API}/staff/event-check-in", json={"code": reg["code"]}, headers=other)).status == 404
    done = await client.post(f"{API}/staff/event-check-in", json={"code": reg["code"].lower()}, headers=heads)
    assert done.status == 200, await done.text()
    assert (await done.json())["registration"]["status"] == "checked_in"
    again = await client.post(f"{API}/staff/event-check-in", json={"code": reg["code"]}, headers=heads)
    assert again.status == 200
    assert await AuditLog.filter(action="check_in", object_type="event_registration").count() == 1
    cancel = await client.post(f"{API}/event-registrations/{reg['id']}/cancel", headers=headers)
    assert (await error_of(cancel, 409))["code"] == "not_allowed"


@SQLITE_ONLY
async def test_the_document_lists_event_kinds_counties_and_the_idempotency_key(client: Any) -> None:
    doc = await (await client.get(f"{API}/openapi.json")).json()

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    params = {p["name"]: p for p in doc["paths"]["/events"]["get"]["parameters"]}
    assert set(params) == {"county", "from"} and "元谋县" in resolve(params["county"]["schema"])["enum"]
    body = resolve(doc["paths"]["/staff/events"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert resolve(body["properties"]["kind"])["enum"] == list(EVENT_KINDS)
    register = doc["paths"]["/event-registrations"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in register.get("parameters", [])}
    assert {"201", "409", "422"} <= set(register["responses"])


async def test_sign_up_after_the_deadline_is_422_naming_the_event(client: Any) -> None:
    from datetime import datetime, timedelta

    from handlers.clock import TZ
    from tests.support.events import publish_direct

    event = await publish_direct(signup_deadline=datetime.now(TZ) - timedelta(hours=1))
    headers, _ = await login(client)
    resp = await client.post(f"{API}/event-registrations", json=signup(event.id), headers=headers)
    assert (await error_of(resp, 422))["fields"] == {"event_id": "活动：报名已截止"}
    assert await EventRegistration.all().count() == 0
