"""CONTRACT §4: the mini-program API lines the endpoint tests leave open, checked against the contract's
exact shapes and statuses (closed days, whole-yuan amounts, course shape, real endpoints' tokens,
the served OpenAPI document's enumerations and error codes).
"""
from __future__ import annotations

import types
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from api import auth
from handlers.validation import COUNTIES
from handlers.clock import TZ
from handlers.appointments.windows import list_slots
from orm_models import Appointment, LoanApplication

from tests.support.api import API, error_of, login, seed_windows_and_courses, window_id
from tests.support.env import SQLITE_ONLY
from tests.support.builders import LOAN, make_id

ERROR_KEYS = {"code", "message", "fields"}


def appointment(wid: int, start: str) -> dict[str, Any]:
    return {"window_id": wid, "start": start, "purpose": "创业担保贷款", "name": "李秀英", "phone": "13812348000"}


@SQLITE_ONLY
async def test_a_slot_on_a_day_the_window_is_closed_is_422_on_start_and_books_nothing(client: Any,
                                                                                     standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    day = datetime.now(TZ).date() + timedelta(days=1)
    while await list_slots(wid, day):  # the next day without opening hours (a weekend at the latest)
        day += timedelta(days=1)
    assert (await (await client.get(f"{API}/windows/{wid}/slots", params={"date": day.isoformat()})).json()
            )["slots"] == []
    start = datetime.combine(day, time(9, 0), TZ).isoformat()
    err = await error_of(await client.post(f"{API}/appointments", json=appointment(wid, start), headers=headers), 422)
    assert list(err["fields"]) == ["start"] and err["fields"]["start"].startswith("预约时段")
    assert await Appointment.all().count() == 0


@SQLITE_ONLY
async def test_the_contracts_example_amount_in_whole_yuan_is_accepted_and_answered_as_an_integer(
        client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    resp = await client.post(f"{API}/loan-applications", json={**LOAN, "id_number": make_id(), "amount": 300000},
                             headers=headers)
    assert resp.status == 201, await resp.text()
    app = (await resp.json())["application"]
    assert {"id", "status", "eligibility"} <= set(app) and {"eligible", "reasons"} <= set(app["eligibility"])
    assert type(app["amount"]) is int and app["amount"] == 300000
    assert isinstance(app["id"], int) and app["status"] == "submitted"
    assert isinstance(app["eligibility"]["reasons"], list) and app["eligibility"]["reasons"]


@SQLITE_ONLY
@pytest.mark.parametrize("amount", [300000.5, 0.5, -1])
async def test_an_amount_that_is_not_whole_positive_yuan_is_422_naming_amount(client: Any, standin: Any,
                                                                               amount: float) -> None:
    headers, _ = await login(client)
    body = {**LOAN, "id_number": make_id(), "amount": amount}
    err = await error_of(await client.post(f"{API}/loan-applications", json=body, headers=headers), 422)
    assert list(err["fields"]) == ["amount"] and err["fields"]["amount"].startswith("贷款金额")
    assert await LoanApplication.all().count() == 0


@SQLITE_ONLY
async def test_eligibility_eligible_is_a_yes_or_no(client: Any, standin: Any) -> None:
    headers, _ = await login(client)
    resp = await client.post(f"{API}/loan-applications", json={**LOAN, "id_number": make_id()}, headers=headers)
    assert resp.status == 201
    assert isinstance((await resp.json())["application"]["eligibility"]["eligible"], bool)


@SQLITE_ONLY
async def test_courses_have_the_contracts_shape(client: Any) -> None:
    await seed_windows_and_courses()
    resp = await client.get(f"{API}/training/courses")
    courses = (await resp.json())["courses"]
    assert resp.status == 200 and courses
    for course in courses:
        assert {"id", "title", "sessions"} <= set(course) and isinstance(course["id"], int) and course["title"]
        for s in course["sessions"]:
            assert {"id", "start", "county", "capacity", "remaining"} <= set(s)
            assert isinstance(s["id"], int) and s["county"] in COUNTIES and s["start"].endswith("+08:00")
            assert type(s["capacity"]) is int and type(s["remaining"]) is int and 0 <= s["remaining"] <= s["capacity"]


@SQLITE_ONLY
async def test_ask_answers_exactly_answer_sources_and_confident(client: Any) -> None:
    resp = await client.post(f"{API}/ask", json={"question": "创业担保贷款最多能贷多少？"})
    body = await resp.json()
    assert resp.status == 200 and {"answer", "sources", "confident"} <= set(body)
    assert isinstance(body["answer"], str) and body["answer"] and isinstance(body["confident"], bool)
    assert body["sources"] and all({"id", "title", "source"} <= set(s) for s in body["sources"])


@SQLITE_ONLY
async def test_missing_forged_and_expired_user_tokens_are_401_on_the_contracts_user_endpoints(
        client: Any, standin: Any, config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    headers, _ = await login(client)
    endpoints = [("GET", "/appointments/mine"), ("GET", "/loan-applications/mine"),
                 ("GET", "/training-applications/mine"), ("POST", "/auth/phone")]
    forged = {"Authorization": "Bearer " + auth.issue_user_token("another-secret-0123456789abcdef", 1)}
    for method, path in endpoints:
        assert (await client.request(method, f"{API}{path}", json={}, headers=headers)).status in (200, 422)
        for bad in ({}, forged, {"Authorization": headers["Authorization"] + "x"}):
            err = await error_of(await client.request(method, f"{API}{path}", json={}, headers=bad), 401)
            assert set(err) == ERROR_KEYS
    later = datetime.now().timestamp() + config.security.token_ttl_seconds + 5
    monkeypatch.setattr("itsdangerous.timed.time", types.SimpleNamespace(time=lambda: later))
    for method, path in endpoints:
        err = await error_of(await client.request(method, f"{API}{path}", json={}, headers=headers), 401)
        assert err["code"] == "token_expired"


# ------------------------------------------------------------------ the served OpenAPI document


@pytest.fixture
async def served(client: Any) -> dict[str, Any]:
    resp = await client.get(f"{API}/openapi.json")
    assert resp.status == 200
    return await resp.json()


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def param(doc: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    return resolve(doc, next(p for p in doc["paths"][path][method]["parameters"] if p["name"] == name)["schema"])


@SQLITE_ONLY
async def test_the_served_document_lists_the_staff_enumerations(served: dict[str, Any]) -> None:
    decision = resolve(served, served["paths"]["/staff/loan-applications/{id}/decision"]["post"]["requestBody"]
                       ["content"]["application/json"]["schema"])
    assert decision["properties"]["decision"]["enum"] == ["approved", "rejected", "referred"]
    assert param(served, "/staff/export/{kind}.xlsx", "get", "kind")["enum"] == [
        "appointments", "loan-applications", "training-applications", "mentor-requests", "carrier-applications",
        "event-registrations"]
    for path in ("/staff/loan-applications", "/staff/training-applications", "/staff/appointments",
                 "/staff/carrier-applications"):
        assert param(served, path, "get", "status")["enum"]
    assert param(served, "/carriers", "get", "kind")["enum"] == ["base", "town", "community", "village"]
    assert param(served, "/staff/appointments", "get", "date")["format"] == "date"
    assert param(served, "/windows/{id}/slots", "get", "date")["format"] == "date"
    assert {"lat", "lng"} <= {p["name"] for p in served["paths"]["/windows"]["get"]["parameters"]}
    assert {"q", "top"} <= {p["name"] for p in served["paths"]["/policies/search"]["get"]["parameters"]}


@SQLITE_ONLY
@pytest.mark.parametrize("path, method, status, codes", [
    ("/appointments", "post", "409", ["slot_full", "duplicate"]),
    ("/appointments", "post", "422", []),
    ("/training-applications", "post", "409", ["session_full"]),
    ("/loan-applications", "post", "422", []),
    ("/auth/login", "post", "401", []),
    ("/appointments/{id}/cancel", "post", "404", []),
    ("/staff/login", "post", "401", []),
])
async def test_the_served_document_names_the_contracts_error_statuses_and_codes(
        served: dict[str, Any], path: str, method: str, status: str, codes: list[str]) -> None:
    answer = served["paths"][path][method]["responses"][status]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert all(code in answer["description"] for code in codes)
    detail = resolve(served, served["components"]["schemas"]["ErrorBody"]["properties"]["error"])
    assert ERROR_KEYS <= set(detail["properties"])
