"""Contract §4: POST /ask returns answer_id; POST /ask/{answer_id}/feedback records 有用/没用 (a second
vote replaces the first, unknown id 404, rate-limited); staff see a 没用 in the backlog and on the segment."""
from __future__ import annotations

from orm_models import QuestionLog
from tests.api.test_staff_kb import TOPIC_MD, _staff, ask, uploaded
from handlers.knowledge_ops import question_log
from tests.support.api import API, flush_question_logs
from tests.support.kb_files import TOPIC_QUESTION
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def _published(client, heads) -> dict:
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, title="彝绣创业大赛通知")
    assert (await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)).status == 200
    return doc


async def test_an_answer_judged_useless_over_the_api_reaches_the_staff_backlog_and_the_segment(client):
    heads = await _staff(client)
    doc = await _published(client, heads)
    answer = await ask(client)
    assert answer["confident"] and isinstance(answer["answer_id"], int)

    resp = await client.post(f"{API}/ask/{answer['answer_id']}/feedback", json={"helpful": False, "comment": "没说地点"})
    assert resp.status == 200 and await resp.json() == {"answer_id": answer["answer_id"], "helpful": False}
    backlog = (await (await client.get(f"{API}/staff/questions/unconfident", headers=heads)).json())["groups"]
    (group,) = [g for g in backlog if answer["answer_id"] in g["ids"]]
    assert group["question"] == TOPIC_QUESTION and group["useless"] == 1
    assert group["segment_label"] == "《彝绣创业大赛通知》报名时间"
    segments = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/segments", headers=heads)).json())["segments"]
    assert [(s["used_count"], s["useless_count"]) for s in segments] == [(1, 1), (0, 0)]

    # A second vote replaces the first: the segment no longer counts it, the backlog drops it.
    assert (await client.post(f"{API}/ask/{answer['answer_id']}/feedback", json={"helpful": True})).status == 200
    segments = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/segments", headers=heads)).json())["segments"]
    assert segments[0]["useless_count"] == 0
    backlog = (await (await client.get(f"{API}/staff/questions/unconfident", headers=heads)).json())["groups"]
    assert all(answer["answer_id"] not in g["ids"] for g in backlog)
    assert (await QuestionLog.get(id=answer["answer_id"])).helpful is True


async def test_feedback_on_an_unknown_answer_is_404_and_a_bad_body_is_422(client):
    resp = await client.post(f"{API}/ask/999999/feedback", json={"helpful": True})
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"
    assert (await client.post(f"{API}/ask/abc/feedback", json={"helpful": True})).status == 404
    answer = await ask(client, "创业担保贷款能贷多少")
    resp = await client.post(f"{API}/ask/{answer['answer_id']}/feedback", json={"helpful": "maybe"})
    assert resp.status == 422 and "helpful" in (await resp.json())["error"]["fields"]
    await flush_question_logs(client)
    assert (await QuestionLog.get(id=answer["answer_id"])).helpful is None


async def test_a_failed_log_write_still_answers_with_a_null_answer_id(client, monkeypatch):
    async def broken(**kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(QuestionLog, "create", broken)
    monkeypatch.setattr(question_log, "allocate_ids", lambda count: broken())  # written behind: ids first
    answer = await ask(client, "创业担保贷款能贷多少")
    assert answer["confident"] and answer["answer_id"] is None and "30万元" in answer["answer"]


async def test_feedback_is_rate_limited_per_address(client, monkeypatch):
    from api import ratelimit

    monkeypatch.setitem(ratelimit.LIMITS, "policies_feedback", ratelimit.Limit(2, 60))
    answer = await ask(client, "创业担保贷款能贷多少")
    for _ in range(2):
        assert (await client.post(f"{API}/ask/{answer['answer_id']}/feedback", json={"helpful": True})).status == 200
    resp = await client.post(f"{API}/ask/{answer['answer_id']}/feedback", json={"helpful": False})
    assert resp.status == 429 and "Retry-After" in resp.headers
    assert (await QuestionLog.get(id=answer["answer_id"])).helpful is True


async def test_the_openapi_document_describes_feedback(client):
    spec = await (await client.get(f"{API}/openapi.json")).json()
    op = spec["paths"]["/ask/{answer_id}/feedback"]["post"]
    assert {"200", "404", "429"} <= set(op["responses"])
    assert "answer_id" in spec["components"]["schemas"]["AnswerOut"]["properties"]


async def test_answers_given_just_before_a_shutdown_keep_their_rows(aiohttp_client, config):
    """Question logs are written behind: the app's shutdown writes what waits before the database closes."""
    from chuangye import appkeys as K
    from chuangye.db import close_db, init_db
    from server.app import create_app

    client = await aiohttp_client(create_app(config))
    answer = await ask(client, "创业担保贷款能贷多少")
    assert client.app[K.ASK].log.holds(answer["answer_id"])  # still waiting
    await client.close()
    await init_db(config)
    try:
        row = await QuestionLog.get(id=answer["answer_id"])
        assert row.question == "创业担保贷款能贷多少" and row.confident
    finally:
        await close_db()
