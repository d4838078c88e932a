"""User tokens signed with the real secret but carrying odd claims: each one is a 401, never a 500
and never somebody else's account.

``uid: 2**70`` used to reach the database and answer 500; ``uid: true`` passed as user 1; a signing
time past the year 9999 failed inside itsdangerous with a ValueError.
"""
from __future__ import annotations

from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from api.auth import MSG_INVALID, MSG_NOT_STAFF, USER_SALT, issue_user_token
from tests.support.api import API, error_of, login

ODD_CLAIMS = [
    {"typ": "user", "uid": 2**70},
    {"typ": "user", "uid": 2**31},  # one past the largest 32-bit id
    {"typ": "user", "uid": True},
    {"typ": "user", "uid": False},
    {"typ": "user", "uid": 0},
    {"typ": "user", "uid": -1},
    {"typ": "user", "uid": 1.0},
    {"typ": "user", "uid": "1"},
    {"typ": "user", "uid": None},
    {"typ": "user", "uid": [1]},
    {"typ": "user"},
    {"typ": "staff", "uid": 1},
    {"typ": ["user"], "uid": 1},
    {"uid": 1},
    [1],
    "user",
    None,
]


def _signed(secret: str, claims: Any, *, at: int | None = None) -> dict[str, str]:
    class At(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() if at is None else at

    token = URLSafeTimedSerializer(secret, salt=USER_SALT, signer=At).dumps(claims)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("claims", ODD_CLAIMS, ids=repr)
async def test_a_signed_user_token_with_odd_claims_is_401(client: Any, config: Any, claims: Any) -> None:
    await login(client)  # user 1 exists, so a claim that passed as 1 would show
    err = await error_of(await client.get(f"{API}/auth/me", headers=_signed(config.security.secret_key, claims)), 401)
    assert (err["code"], err["message"]) == ("invalid_token", MSG_INVALID)


@pytest.mark.parametrize("at", [2**40, 2**62], ids=["year-36812", "far-beyond"])
async def test_a_signed_user_token_from_beyond_the_calendar_is_401(client: Any, config: Any, at: int) -> None:
    _, uid = await login(client)
    headers = _signed(config.security.secret_key, {"typ": "user", "uid": uid}, at=at)
    err = await error_of(await client.get(f"{API}/auth/me", headers=headers), 401)
    assert (err["code"], err["message"]) == ("invalid_token", MSG_INVALID)


@pytest.mark.parametrize("payload", [b"not-json", b".eJzLSM3JyQcABiwCFQ"], ids=["not-json", "bad-zlib"])
async def test_a_signed_payload_that_is_no_json_is_401_for_users_and_for_staff(
        client: Any, config: Any, payload: bytes) -> None:
    signer = URLSafeTimedSerializer(config.security.secret_key, salt=USER_SALT).make_signer(USER_SALT)
    headers = {"Authorization": f"Bearer {signer.sign(payload).decode()}"}
    err = await error_of(await client.get(f"{API}/auth/me", headers=headers), 401)
    assert (err["code"], err["message"]) == ("invalid_token", MSG_INVALID)
    err = await error_of(await client.get(f"{API}/staff/stats", headers=headers), 401)
    assert (err["code"], err["message"]) == ("invalid_token", MSG_NOT_STAFF)


async def test_a_well_formed_token_still_names_its_user(client: Any, config: Any) -> None:
    _, uid = await login(client)
    headers = {"Authorization": f"Bearer {issue_user_token(config.security.secret_key, uid)}"}
    resp = await client.get(f"{API}/auth/me", headers=headers)
    assert resp.status == 200 and (await resp.json())["user"]["id"] == uid
