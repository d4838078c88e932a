"""Security review: one client address cannot hammer sign-in or the question endpoint."""
from __future__ import annotations

import pytest

from tests.support.api import flush_question_logs
from tests.support.staff import PASSWORD, make_staff
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1"


@pytest.fixture
def small_limits(monkeypatch):
    from api import ratelimit

    for name in ("staff_staff_login", "policies_ask", "auth_routes_login"):
        monkeypatch.setitem(ratelimit.LIMITS, name, ratelimit.Limit(3, 60))


async def _error(resp, status):
    assert resp.status == status, await resp.text()
    return (await resp.json())["error"]


async def test_a_client_past_the_question_limit_gets_429_in_chinese_and_nothing_is_recorded(client, small_limits):
    from orm_models import QuestionLog

    for _ in range(3):
        assert (await client.post(f"{API}/ask", json={"question": "创业担保贷款能贷多少"})).status == 200
    resp = await client.post(f"{API}/ask", json={"question": "创业担保贷款能贷多少"})
    error = await _error(resp, 429)
    assert error["code"] == "rate_limited" and "操作过于频繁" in error["message"]
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    await flush_question_logs(client)
    assert await QuestionLog.all().count() == 3


async def test_staff_sign_in_is_limited_per_address_across_accounts_before_any_password_check(client, small_limits):
    from orm_models import AuditLog

    for name in ("a1", "a2", "a3", "a4"):
        await make_staff(f"staff_{name}", "prefecture")
    for name in ("a1", "a2", "a3"):  # password spraying: one guess per account
        resp = await client.post(f"{API}/staff/login", json={"username": f"staff_{name}", "password": "guess-123456"})
        assert resp.status == 401
    resp = await client.post(f"{API}/staff/login", json={"username": "staff_a4", "password": PASSWORD})
    assert (await _error(resp, 429))["code"] == "rate_limited"
    assert await AuditLog.filter(action__in=("login", "login_failed")).count() == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_behind_the_local_proxy_each_real_address_has_its_own_budget_and_is_audited(client, small_limits):
    from orm_models import AuditLog

    await make_staff("pref", "prefecture")
    for _ in range(3):
        await client.post(f"{API}/staff/login", json={"username": "pref", "password": "guess-123456"},
                          headers={"X-Real-IP": "203.0.113.7"})
    blocked = await client.post(f"{API}/staff/login", json={"username": "pref", "password": PASSWORD},
                                headers={"X-Real-IP": "203.0.113.7"})
    assert blocked.status == 429
    other = await client.post(f"{API}/staff/login", json={"username": "pref", "password": PASSWORD},
                              headers={"X-Real-IP": "198.51.100.20"})
    assert other.status == 200
    assert (await AuditLog.filter(action="login").first()).ip == "198.51.100.20"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_openapi_document_declares_the_429(client):
    paths = (await (await client.get(f"{API}/openapi.json")).json())["paths"]
    for path in ("/staff/login", "/auth/login", "/ask"):
        assert "429" in paths[path]["post"]["responses"], path
    assert "429" in paths["/policies/search"]["get"]["responses"]
