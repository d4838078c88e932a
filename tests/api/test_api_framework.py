"""The API framework on its own: errors, tokens, staff hook, validation and Idempotency-Key.

A small route table of test endpoints is served by the real dispatcher on a real database
(both backends), so these tests do not depend on any particular use case.
"""
from __future__ import annotations

import asyncio
import time
import types
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web
from pydantic import Field

from api import auth, idempotency
from api.registry import Call, Reply, Routes
from api.schemas import In, Out
from api.v1 import create_api_app
from chuangye import appkeys as K
from handlers.errors import SlotFull
from orm_models import IdempotencyRecord, QuestionLog, User
from tests.support.env import SQLITE_ONLY

routes = Routes("测试")
# Checks that do not depend on the storage backend run once, on SQLite.


class NoteIn(In):
    text: str = Field(..., title="内容", min_length=1, max_length=20)
    count: int = Field(1, title="数量", ge=1, le=5)


class NoteOut(Out):
    id: int
    text: str


@routes.post("/notes", summary="记一条", auth="user", body=NoteIn, response=NoteOut, status=201)
async def create_note(call: Call) -> dict:
    row = await QuestionLog.create(channel="test", openid=str(call.user.user_id), question=call.body.text,
                                   confident=False)
    if call.body.text == "full":
        raise SlotFull()
    if call.body.text == "crash":
        raise RuntimeError("secret internal detail")
    if call.body.text == "slow":
        await asyncio.sleep(0.3)
    return {"id": row.id, "text": row.question}


@routes.post("/notes/again", summary="200 instead of 201", auth="user", body=NoteIn, response=NoteOut)
async def note_again(call: Call) -> Reply:
    return Reply({"id": 0, "text": call.body.text}, 202)


@routes.get("/me", summary="我是谁", auth="user")
async def me(call: Call) -> dict:
    return {"user_id": call.user.user_id}


@routes.get("/staff-only", summary="工作人员", auth="staff")
async def staff_only(call: Call) -> dict:
    return {"staff": call.staff.id}


@routes.get("/items/{id}", summary="按编号")
async def item(call: Call) -> dict:
    return {"id": call.path["id"]}


@routes.get("/boom", summary="出错")
async def boom(call: Call) -> dict:
    raise RuntimeError("secret internal detail")


@pytest.fixture
async def api(aiohttp_client: Any, db: Any) -> Any:
    for uid in (1, 2, 7):
        await User.create(id=uid, app="mp", openid=f"framework-{uid}")
    root = web.Application()
    root[K.CONFIG] = db
    root.add_subapp("/api/v1", create_api_app(db, [routes]))
    return await aiohttp_client(root)


def token_for(config: Any, user_id: int) -> dict[str, str]:
    return {"Authorization": "Bearer " + auth.issue_user_token(config.security.secret_key, user_id)}


async def error_of(resp: Any, status: int) -> dict:
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# ------------------------------------------------------------------ errors and validation


@SQLITE_ONLY
async def test_unknown_route_is_a_json_404(api: Any) -> None:
    err = await error_of(await api.get("/api/v1/no/such/thing"), 404)
    assert err["code"] == "not_found" and "接口不存在" in err["message"]


@SQLITE_ONLY
async def test_wrong_method_is_a_json_405_naming_the_allowed_one(api: Any) -> None:
    resp = await api.delete("/api/v1/me")
    err = await error_of(resp, 405)
    assert err["code"] == "method_not_allowed" and "GET" in resp.headers["Allow"]


@SQLITE_ONLY
async def test_a_body_over_the_size_limit_is_a_json_413(api: Any, db: Any) -> None:
    resp = await api.post("/api/v1/notes", data=b"x" * (1024 * 1024 + 10), headers=token_for(db, 1))
    err = await error_of(resp, 413)
    assert err["code"] == "payload_too_large" and err["message"] == "请求内容过大"


@SQLITE_ONLY
async def test_unexpected_exception_is_a_plain_500_without_the_trace(api: Any) -> None:
    resp = await api.get("/api/v1/boom")
    text = await resp.text()
    assert resp.status == 500 and "secret internal detail" not in text and "Traceback" not in text
    assert (await resp.json())["error"]["message"] == "服务器内部错误，请稍后再试"


@SQLITE_ONLY
async def test_malformed_json_is_400_with_a_chinese_message(api: Any, db: Any) -> None:
    for body, message in [(b"{not json", "请求体不是有效的 JSON"), (b"[1, 2]", "请求体应为 JSON 对象"),
                          (b"\xff\xfe", "请求体不是有效的 JSON"), (b'{"text": NaN}', "请求体不是有效的 JSON")]:
        err = await error_of(await api.post("/api/v1/notes", data=body, headers=token_for(db, 1)), 400)
        assert err == {"code": "bad_json", "message": message, "fields": {}}
    assert await QuestionLog.all().count() == 0


@SQLITE_ONLY
async def test_invalid_fields_are_422_naming_each_field_and_nothing_is_stored(api: Any, db: Any) -> None:
    resp = await api.post("/api/v1/notes", json={"text": "", "count": 9}, headers=token_for(db, 1))
    err = await error_of(resp, 422)
    assert err["code"] == "invalid"
    assert err["fields"] == {"text": "内容：至少 1 个字符", "count": "数量：不能大于 5"}
    assert await QuestionLog.all().count() == 0


@SQLITE_ONLY
async def test_text_no_database_can_store_is_422_naming_the_field(api: Any, db: Any) -> None:
    for raw, field in [(b'{"text": "a\\u0000b"}', "text"), (b'{"text": "\\ud800"}', "text"),
                       (b'{"text": "ok", "x": ["\\u0000"]}', "x")]:
        err = await error_of(await api.post("/api/v1/notes", data=raw, headers=token_for(db, 1)), 422)
        assert err["fields"] == {field: "包含无法识别的字符，请删除后重新输入"}
    assert await QuestionLog.all().count() == 0


@SQLITE_ONLY
async def test_a_missing_field_says_it_must_be_filled(api: Any, db: Any) -> None:
    err = await error_of(await api.post("/api/v1/notes", json={}, headers=token_for(db, 1)), 422)
    assert err["fields"] == {"text": "内容：不能为空，请填写"} and err["message"] == "内容：不能为空，请填写"


@SQLITE_ONLY
async def test_a_domain_error_keeps_its_code_status_and_message(api: Any, db: Any) -> None:
    err = await error_of(await api.post("/api/v1/notes", json={"text": "full"}, headers=token_for(db, 1)), 409)
    assert err == {"code": "slot_full", "message": "该时段已约满，请选择其他时段", "fields": {}}


@SQLITE_ONLY
async def test_a_path_id_that_cannot_exist_is_404(api: Any) -> None:
    for raw in ["abc", "-1", "0", "99999999999", "１２"]:
        await error_of(await api.get(f"/api/v1/items/{raw}"), 404)


@SQLITE_ONLY
async def test_a_path_id_is_passed_as_an_integer(api: Any) -> None:
    resp = await api.get("/api/v1/items/42")
    assert resp.status == 200 and await resp.json() == {"id": 42}


@SQLITE_ONLY
async def test_a_reply_may_choose_its_own_status(api: Any, db: Any) -> None:
    resp = await api.post("/api/v1/notes/again", json={"text": "x"}, headers=token_for(db, 1))
    assert resp.status == 202 and await resp.json() == {"id": 0, "text": "x"}


# ------------------------------------------------------------------ tokens


@SQLITE_ONLY
async def test_a_user_token_identifies_its_user(api: Any, db: Any) -> None:
    resp = await api.get("/api/v1/me", headers=token_for(db, 7))
    assert resp.status == 200 and await resp.json() == {"user_id": 7}


@SQLITE_ONLY
async def test_missing_or_malformed_tokens_are_401(api: Any) -> None:
    for header, code in [(None, "unauthorized"), ("Bearer", "unauthorized"), ("Basic dXNlcjpwYXNz", "unauthorized"),
                         ("Bearer not-a-token", "invalid_token")]:
        resp = await api.get("/api/v1/me", headers={"Authorization": header} if header else {})
        err = await error_of(resp, 401)
        assert err["code"] == code and resp.headers["WWW-Authenticate"].startswith("Bearer")


@SQLITE_ONLY
async def test_a_valid_token_of_a_user_that_does_not_exist_is_401(api: Any, db: Any) -> None:
    err = await error_of(await api.get("/api/v1/me", headers=token_for(db, 999)), 401)
    assert err == {"code": "invalid_token", "message": auth.MSG_NO_USER, "fields": {}}


@SQLITE_ONLY
async def test_a_token_signed_with_another_secret_is_401(api: Any) -> None:
    forged = auth.issue_user_token("some-other-secret-0123456789", 1)
    err = await error_of(await api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert err == {"code": "invalid_token", "message": auth.MSG_INVALID, "fields": {}}


@SQLITE_ONLY
async def test_a_tampered_token_is_401(api: Any, db: Any) -> None:
    token = auth.issue_user_token(db.security.secret_key, 1)
    payload, _, rest = token.partition(".")
    other = auth.issue_user_token(db.security.secret_key, 2).partition(".")[0]
    err = await error_of(await api.get("/api/v1/me", headers={"Authorization": f"Bearer {other}.{rest}"}), 401)
    assert err["code"] == "invalid_token" and payload != other


@SQLITE_ONLY
async def test_an_expired_token_is_401_token_expired(api: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = token_for(db, 1)
    later = time.time() + db.security.token_ttl_seconds + 5
    monkeypatch.setattr("itsdangerous.timed.time", types.SimpleNamespace(time=lambda: later))
    err = await error_of(await api.get("/api/v1/me", headers=headers), 401)
    assert err == {"code": "token_expired", "message": auth.MSG_EXPIRED, "fields": {}}


@SQLITE_ONLY
async def test_a_user_token_is_refused_on_a_staff_endpoint(api: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def verifier(request: web.Request, token: str) -> Any:
        seen.append(token)
        return types.SimpleNamespace(id=1)

    monkeypatch.setattr(auth, "_staff_verifiers", [verifier])
    err = await error_of(await api.get("/api/v1/staff-only", headers=token_for(db, 1)), 401)
    assert err["message"] == auth.MSG_NOT_STAFF and seen == []


@SQLITE_ONLY
async def test_a_registered_staff_verifier_admits_its_tokens_only(api: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def verifier(request: web.Request, token: str) -> Any:
        return types.SimpleNamespace(id=3) if token == "staff-session-token" else None

    monkeypatch.setattr(auth, "_staff_verifiers", [])
    auth.register_staff_verifier(verifier)
    auth.register_staff_verifier(verifier)
    assert auth._staff_verifiers == [verifier]
    ok = await api.get("/api/v1/staff-only", headers={"Authorization": "Bearer staff-session-token"})
    assert ok.status == 200 and await ok.json() == {"staff": 3}
    await error_of(await api.get("/api/v1/staff-only", headers={"Authorization": "Bearer guessed"}), 401)
    await error_of(await api.get("/api/v1/staff-only"), 401)
    await error_of(await api.get("/api/v1/me", headers={"Authorization": "Bearer staff-session-token"}), 401)


@SQLITE_ONLY
async def test_without_a_staff_verifier_staff_endpoints_admit_nobody(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_staff_verifiers", [])
    await error_of(await api.get("/api/v1/staff-only", headers={"Authorization": "Bearer anything"}), 401)


# ------------------------------------------------------------------ Idempotency-Key


def keyed(config: Any, user_id: int, key: str) -> dict[str, str]:
    return {**token_for(config, user_id), idempotency.HEADER: key}


async def test_a_retry_with_the_same_key_returns_the_first_answer_and_creates_nothing(api: Any, db: Any) -> None:
    first = await api.post("/api/v1/notes", json={"text": "hello"}, headers=keyed(db, 1, "k-1"))
    again = await api.post("/api/v1/notes", json={"text": "hello"}, headers=keyed(db, 1, "k-1"))
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert again.headers[idempotency.REPLAYED_HEADER] == "true" and idempotency.REPLAYED_HEADER not in first.headers
    assert await QuestionLog.filter(channel="test").count() == 1


async def test_without_a_key_each_post_creates_a_record(api: Any, db: Any) -> None:
    for _ in range(2):
        assert (await api.post("/api/v1/notes", json={"text": "x"}, headers=token_for(db, 1))).status == 201
    assert await QuestionLog.filter(channel="test").count() == 2


async def test_the_same_key_from_another_user_is_another_request(api: Any, db: Any) -> None:
    a = await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 1, "shared"))
    b = await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 2, "shared"))
    assert (await a.json())["id"] != (await b.json())["id"]
    assert await QuestionLog.filter(channel="test").count() == 2


async def test_the_same_key_with_another_body_is_409(api: Any, db: Any) -> None:
    await api.post("/api/v1/notes", json={"text": "one"}, headers=keyed(db, 1, "k"))
    err = await error_of(await api.post("/api/v1/notes", json={"text": "two"}, headers=keyed(db, 1, "k")), 409)
    assert err["code"] == "idempotency_conflict" and idempotency.HEADER in err["fields"]
    assert await QuestionLog.filter(channel="test").count() == 1


@SQLITE_ONLY
async def test_a_malformed_key_is_400(api: Any, db: Any) -> None:
    for key in ["", "x" * 129, "含中文"]:
        resp = await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 1, key))
        assert (await error_of(resp, 400))["code"] == "bad_idempotency_key"
    assert await QuestionLog.filter(channel="test").count() == 0


async def test_concurrent_duplicates_create_one_record_and_all_get_its_answer(api: Any, db: Any) -> None:
    sends = [api.post("/api/v1/notes", json={"text": "slow"}, headers=keyed(db, 1, "burst")) for _ in range(8)]
    answers = await asyncio.gather(*sends)
    bodies = [await r.json() for r in answers]
    assert {r.status for r in answers} == {201} and all(b == bodies[0] for b in bodies)
    assert await QuestionLog.filter(channel="test").count() == 1
    assert await IdempotencyRecord.all().count() == 1


async def test_a_refused_request_releases_its_key_for_a_corrected_retry(api: Any, db: Any) -> None:
    await error_of(await api.post("/api/v1/notes", json={"text": "full"}, headers=keyed(db, 1, "k")), 409)
    assert await QuestionLog.filter(channel="test").count() == 0  # rolled back with the refusal
    ok = await api.post("/api/v1/notes", json={"text": "ok"}, headers=keyed(db, 1, "k"))
    assert ok.status == 201 and await QuestionLog.filter(channel="test").count() == 1


async def test_a_crash_rolls_back_what_the_request_wrote_and_frees_the_key(api: Any, db: Any) -> None:
    assert (await api.post("/api/v1/notes", json={"text": "crash"}, headers=keyed(db, 1, "k"))).status == 500
    assert await QuestionLog.filter(channel="test").count() == 0
    assert await IdempotencyRecord.all().count() == 0


async def test_a_duplicate_of_a_request_still_running_is_told_to_wait(api: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    await IdempotencyRecord.create(scope="user:1", key="k", fingerprint=_fingerprint(api, "x"),
                                   started_at=datetime.now(timezone.utc))
    err = await error_of(await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 1, "k")), 409)
    assert err["code"] == "idempotency_in_progress"
    assert await QuestionLog.filter(channel="test").count() == 0


async def test_a_pending_key_left_by_a_crashed_process_is_taken_over(api: Any, db: Any) -> None:
    stale = datetime.now(timezone.utc) - idempotency.STALE_AFTER - timedelta(seconds=1)
    await IdempotencyRecord.create(scope="user:1", key="k", fingerprint=_fingerprint(api, "x"), started_at=stale)
    resp = await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 1, "k"))
    assert resp.status == 201 and await QuestionLog.filter(channel="test").count() == 1
    assert (await IdempotencyRecord.get(key="k")).state == "done"


async def test_replays_come_from_the_database_not_the_store(api: Any, db: Any) -> None:
    first = await api.post("/api/v1/notes", json={"text": "x"}, headers=keyed(db, 1, "k"))
    stored = await IdempotencyRecord.get(scope="user:1", key="k")
    assert stored.state == "done" and stored.status == 201 and stored.response == await first.json()


def _fingerprint(api: Any, text: str) -> str:
    request = types.SimpleNamespace(method="POST", path="/api/v1/notes")
    return idempotency.fingerprint(Call(request, body=NoteIn(text=text)))  # type: ignore[arg-type]
