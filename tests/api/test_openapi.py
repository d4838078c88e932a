"""GET /api/v1/openapi.json: a valid OpenAPI document of every endpoint, from the declarations that validate."""
from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from api.v1 import build_document, collect, create_api_app, endpoints
from handlers.eligibility import categories, products
from handlers.forms.definitions import APPOINTMENT_FORM, APPOINTMENT_PURPOSES, LOAN_FORM, TRAINING_CATEGORIES, TRAINING_FORM
from handlers.forms.spec import json_schema
from handlers.validation import COUNTIES
from orm_models.appointments import APPOINTMENT_STATUSES
from orm_models.applications import LOAN_STATUSES

from tests.support.api import API
from tests.support.env import SQLITE_ONLY

# Contract §4 (mini-program) and §5 (staff): method, path, auth.
CONTRACT = [
    ("post", "/auth/login", "none"), ("post", "/auth/phone", "user"),
    ("get", "/policies/search", "none"), ("post", "/ask", "none"),
    ("get", "/windows", "none"), ("get", "/windows/{id}/slots", "none"),
    ("post", "/appointments", "user"), ("get", "/appointments/mine", "user"),
    ("post", "/appointments/{id}/cancel", "user"),
    ("post", "/loan-applications", "user"), ("get", "/loan-applications/mine", "user"),
    ("post", "/loan-applications/{id}/withdraw", "user"),
    ("get", "/training/courses", "none"), ("post", "/training-applications", "user"),
    ("get", "/training-applications/mine", "user"),
    ("post", "/staff/login", "none"), ("get", "/staff/appointments", "staff"),
    ("post", "/staff/appointments/{id}/check-in", "staff"), ("get", "/staff/loan-applications", "staff"),
    ("get", "/staff/training-applications", "staff"), ("post", "/staff/loan-applications/{id}/decision", "staff"),
    ("get", "/staff/stats", "staff"), ("get", "/staff/export/{kind}.xlsx", "staff"),
]
SECURITY = {"none": None, "user": [{"userToken": []}], "staff": [{"staffToken": []}]}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """The document as the app serves it (``test_the_served_document_is_the_built_one`` ties the two)."""
    tables = collect()
    return json.loads(json.dumps(build_document(endpoints(tables), [(t.tag, t.description) for t in tables])))


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schema(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return resolve(doc, doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])


def ok_schema(doc: dict[str, Any], method: str, path: str, status: str = "200") -> dict[str, Any]:
    return resolve(doc, doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"])


def prop(doc: dict[str, Any], schema: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        schema = resolve(doc, schema)
        schema = schema["items"] if schema.get("type") == "array" else schema
        schema = resolve(doc, schema)["properties"][name]
    schema = resolve(doc, schema)
    return next((resolve(doc, s) for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)


@SQLITE_ONLY
async def test_the_served_document_is_the_built_one(client: Any, doc: dict[str, Any]) -> None:
    resp = await client.get(f"{API}/openapi.json")
    assert resp.status == 200 and resp.content_type == "application/json"
    assert await resp.json() == doc


async def test_the_document_is_built_on_its_first_request_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import api.v1

    builds: list[int] = []
    real = api.v1.build_document

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(api.v1, "build_document", counting)
    app = create_api_app(None)  # type: ignore[arg-type]  (config is read per request)
    assert builds == []  # nothing built at start-up
    first, second = await asyncio.gather(app[api.v1.OPENAPI].get(), app[api.v1.OPENAPI].get())
    assert builds == [1] and first is second and first["openapi"].startswith("3.")


async def test_the_document_is_valid_openapi(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "/api/v1"}]


@pytest.mark.parametrize("method,path,auth", CONTRACT)
async def test_every_contract_endpoint_is_documented_with_its_auth(doc: dict[str, Any], method: str, path: str,
                                                                   auth: str) -> None:
    op = doc["paths"][path][method]
    assert op.get("security") == SECURITY[auth]
    statuses = set(op["responses"])
    assert auth == "none" or "401" in statuses
    for status in statuses - {"200", "201"}:
        content = op["responses"][status].get("content", {})
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


async def test_every_served_route_is_documented_and_nothing_else(doc: dict[str, Any]) -> None:
    app = create_api_app(None)  # type: ignore[arg-type]
    served = {(route.method.lower(), route.resource.canonical) for route in app.router.routes()
              if route.method != "HEAD"}
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented


async def test_posts_that_create_answer_201(doc: dict[str, Any]) -> None:
    for path in ("/appointments", "/loan-applications", "/training-applications"):
        assert "201" in doc["paths"][path]["post"]["responses"]


async def test_form_bodies_are_the_forms_own_json_schema(doc: dict[str, Any]) -> None:
    assert body_schema(doc, "post", "/appointments") == json_schema(APPOINTMENT_FORM)
    assert body_schema(doc, "post", "/loan-applications") == json_schema(LOAN_FORM)
    assert body_schema(doc, "post", "/training-applications") == json_schema(TRAINING_FORM)


async def test_enumerations_are_listed(doc: dict[str, Any]) -> None:
    loan = body_schema(doc, "post", "/loan-applications")["properties"]
    assert loan["county"]["enum"] == list(COUNTIES)
    assert loan["product"]["enum"] == products() and loan["category"]["enum"] == categories()
    assert body_schema(doc, "post", "/appointments")["properties"]["purpose"]["enum"] == list(APPOINTMENT_PURPOSES)
    training = body_schema(doc, "post", "/training-applications")["properties"]
    assert training["category"]["enum"] == list(TRAINING_CATEGORIES)
    windows = ok_schema(doc, "get", "/windows")
    assert prop(doc, windows, "windows", "county")["enum"] == list(COUNTIES)
    mine = ok_schema(doc, "get", "/appointments/mine")
    assert prop(doc, mine, "appointments", "status")["enum"] == list(APPOINTMENT_STATUSES)
    loans = ok_schema(doc, "get", "/loan-applications/mine")
    assert prop(doc, loans, "applications", "status")["enum"] == list(LOAN_STATUSES)
    assert prop(doc, loans, "applications", "eligibility", "eligible")["type"] == "boolean"
    assert prop(doc, loans, "applications", "eligibility", "result")["enum"] == [
        "eligible", "needs_review", "not_eligible"]


async def test_times_are_documented_as_date_time_and_money_as_integer(doc: dict[str, Any]) -> None:
    slots = ok_schema(doc, "get", "/windows/{id}/slots")
    assert prop(doc, slots, "slots", "start")["format"] == "date-time"
    assert "+08:00" in prop(doc, slots, "slots", "start")["examples"][0]
    assert body_schema(doc, "post", "/loan-applications")["properties"]["amount"]["type"] == "integer"


async def test_idempotency_key_is_documented_on_creating_posts(doc: dict[str, Any]) -> None:
    for path in ("/appointments", "/loan-applications", "/training-applications"):
        names = [p["name"] for p in doc["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"]
