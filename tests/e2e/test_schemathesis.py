"""Property-based fuzz of the whole API from its own OpenAPI document (schemathesis), in-process.

The app (and the WeChat stand-in) run in the test's event loop; schemathesis, which is
synchronous, drives them over HTTP from a worker thread. Every operation gets generated
requests with valid user and staff tokens: no answer may be a 5xx, and every answer must
match the document (status, content type, body schema).
CHUANGYE_FUZZ_EXAMPLES raises the number of examples per operation for a deeper local run.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from handlers.staff.auth import login as staff_login
from handlers.staff.accounts import create_staff

from tests.support.api import API, login, seed_windows_and_courses

EXAMPLES = int(os.environ.get("CHUANGYE_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Logging out would end the staff session the other operations use.
SKIP = {("POST", "/staff/logout")}


def auth_headers(op: Any, tokens: dict[str, str]) -> dict[str, str]:
    for requirement in op.definition.raw.get("security", []):
        for scheme in requirement:
            return {"Authorization": f"Bearer {tokens[scheme]}"}
    return {}


def fuzz_operation(op: Any, base_url: str, tokens: dict[str, str], session: requests.Session) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(headers=auth_headers(op, tokens)))
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, timeout=20)
        case.validate_response(response, checks=CHECKS)

    check()


def describe(exc: BaseException) -> str:
    text = str(exc)
    for sub in getattr(exc, "exceptions", ()):
        text += f"\n  - {type(sub).__name__}: {str(sub)[:300]}"
    return text[:2000]


def fuzz(document: dict[str, Any], base_url: str, tokens: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Fuzz every operation; (operations fuzzed, failures by operation) so one run shows them all."""
    schema = schemathesis.openapi.from_dict(document)
    done, failures = [], {}
    with requests.Session() as session:
        for result in schema.get_all_operations():
            op = result.ok()
            name = f"{op.method.upper()} {op.path}"
            if (op.method.upper(), op.path) in SKIP:
                continue
            try:
                fuzz_operation(op, base_url, tokens, session)
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
                failures[name] = describe(exc)
            done.append(name)
    return done, failures


async def tokens_for(client: Any, config: Any) -> dict[str, str]:
    user_headers, _ = await login(client, "fuzzer")
    await create_staff("fuzz-admin", "prefecture", "fuzz-password-123")
    staff = await staff_login("fuzz-admin", "fuzz-password-123", ttl_seconds=3600)
    return {"userToken": user_headers["Authorization"].split(" ", 1)[1], "staffToken": staff.token}


@pytest.mark.timeout(240)
async def test_the_api_answers_every_generated_request_within_its_document(client: Any, config: Any,
                                                                           standin: Any) -> None:
    await seed_windows_and_courses()
    tokens = await tokens_for(client, config)
    document = await (await client.get(f"{API}/openapi.json")).json()
    base_url = str(client.make_url(API))
    done, failures = await asyncio.to_thread(fuzz, document, base_url, tokens)
    assert len(done) == sum(len(ops) for ops in document["paths"].values()) - len(SKIP)
    assert not failures, "\n\n".join(f"{name}\n{text}" for name, text in failures.items())
