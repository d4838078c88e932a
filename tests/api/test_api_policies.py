"""GET /policies/search and POST /ask: the same knowledge base and answer as the chatbot."""
from __future__ import annotations

from typing import Any

from chuangye import appkeys as K
from handlers.knowledge_ops.ask import search_policies
from orm_models import QuestionLog

from tests.support.api import API, error_of, flush_question_logs
from tests.support.env import SQLITE_ONLY

QUESTION = "我是返乡农民工，想贷款开个药膳馆，能贷多少？"


@SQLITE_ONLY
async def test_search_returns_the_use_cases_hits_best_first(client: Any) -> None:
    resp = await client.get(f"{API}/policies/search", params={"q": "创业担保贷款 额度", "top": "3"})
    results = (await resp.json())["results"]
    kb = client.app[K.KB]
    expected = search_policies(kb, "创业担保贷款 额度", 3)
    assert resp.status == 200 and 0 < len(results) <= 3
    assert [r["id"] for r in results] == [h.id for h in expected]
    assert all(set(r) == {"id", "title", "snippet", "source", "score"} for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


@SQLITE_ONLY
async def test_search_defaults_to_five_results(client: Any) -> None:
    results = (await (await client.get(f"{API}/policies/search", params={"q": "贷款"})).json())["results"]
    assert len(results) == 5


@SQLITE_ONLY
async def test_search_needs_a_query_and_a_sensible_count(client: Any) -> None:
    err = await error_of(await client.get(f"{API}/policies/search", params={"q": "  "}), 422)
    assert err["fields"] == {"q": "关键词：至少 1 个字符"}
    err = await error_of(await client.get(f"{API}/policies/search", params={"q": "贷款", "top": "50"}), 422)
    assert err["fields"] == {"top": "条数：不能大于 20"}
    err = await error_of(await client.get(f"{API}/policies/search?q=%E8%B4%B7%00"), 422)
    assert err["fields"] == {"q": "包含无法识别的字符，请删除后重新输入"}


async def test_ask_gives_the_chatbots_answer_with_sources_and_records_the_question(client: Any) -> None:
    resp = await client.post(f"{API}/ask", json={"question": QUESTION})
    body = await resp.json()
    answer = client.app[K.KB].answer(QUESTION)
    assert resp.status == 200 and body["answer"] == answer.text and body["confident"] is answer.confident
    assert body["sources"] == [{"id": s.id, "title": s.title, "source": s.source} for s in answer.sources]
    assert body["confident"] is True and body["sources"]
    await flush_question_logs(client)
    log = await QuestionLog.get(question=QUESTION)
    assert log.channel == "api" and log.confident is True


@SQLITE_ONLY
async def test_an_empty_question_is_422_and_not_recorded(client: Any) -> None:
    err = await error_of(await client.post(f"{API}/ask", json={"question": ""}), 422)
    assert err["fields"] == {"question": "问题：至少 1 个字符"}
    assert await QuestionLog.all().count() == 0


@SQLITE_ONLY
async def test_ask_with_malformed_json_is_400(client: Any) -> None:
    err = await error_of(await client.post(f"{API}/ask", data=b'{"question": '), 400)
    assert err == {"code": "bad_json", "message": "请求体不是有效的 JSON", "fields": {}}
