"""The model's help end to end (official-account callback and /ask), on both backends: off by
default, with no call leaving the service; on, a checked answer in the passive reply, and a slow
model never costing the reply its budget."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from chuangye import appkeys as K
from orm_models import KbSegmentEmbedding
from server.app import create_app
from tests.api.test_staff_kb import TOPIC_MD, uploaded
from tests.support.chat import Chat
from tests.support.kb_files import TOPIC_QUESTION
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

QUESTION = "高校毕业生创业担保贷款能贷多少"


def llm(standin: Any, **over: Any) -> dict[str, Any]:
    return {"llm": {"mode": "answer", "base_url": standin.url, "chat_model": "qwen2.5-7b-instruct", **over}}


def model_calls(standin: Any) -> list[Any]:
    return [c for c in standin.calls if c.path.startswith("/v1/")]


async def test_with_llm_off_no_request_leaves_the_service_and_answers_are_unchanged(client, config, standin):
    assert config.llm.mode == "off" and client.app[K.LLM] is None
    chat = Chat(client, config, "o-llm-off")
    reply = await chat.say(QUESTION)
    resp = await client.post("/api/v1/ask", json={"question": QUESTION})
    body = await resp.json()
    assert "[1]" not in reply and "[1]" not in body["answer"] and body["confident"]
    assert model_calls(standin) == []


async def test_a_checked_generated_answer_goes_out_in_the_passive_reply_and_on_ask(aiohttp_client, make_config,
                                                                                   standin):
    config = make_config(**llm(standin))
    client = await aiohttp_client(create_app(config))
    reply = await Chat(client, config, "o-llm-on").say(QUESTION)
    assert "[1]" in reply and "来源[1]：" in reply
    resp = await client.post("/api/v1/ask", json={"question": QUESTION})
    body = await resp.json()
    assert "[1]" in body["answer"] and body["sources"][0]["id"] == "graduates#大学生创业贷款额度"


async def test_a_model_that_hangs_never_delays_the_chat_reply_past_the_budget(aiohttp_client, make_config, standin):
    config = make_config(**llm(standin, chat_timeout_seconds=1.0, answer_budget_seconds=1.5))
    client = await aiohttp_client(create_app(config))
    standin.script_llm("timeout")
    started = time.monotonic()
    reply = await Chat(client, config, "o-llm-slow").say(QUESTION)
    assert time.monotonic() - started < config.bot.reply_budget_seconds
    assert reply and "[1]" not in reply and "来源：" in reply  # the extractive answer


async def test_a_document_staff_publish_is_embedded_in_the_background(aiohttp_client, make_config, standin):
    config = make_config(llm={"base_url": standin.url, "embedding_model": "hash-ngrams"})
    client = await aiohttp_client(create_app(config))
    await make_staff("kb_llm", "prefecture")
    heads = await token(client, "kb_llm")
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, title="彝绣创业大赛通知")
    assert not await KbSegmentEmbedding.filter(segment__document_id=doc["id"]).exists()  # a draft
    await client.post(f"/api/v1/staff/kb/documents/{doc['id']}/publish", headers=heads)
    for _ in range(50):
        if await KbSegmentEmbedding.filter(segment__document_id=doc["id"]).exists():
            break
        await asyncio.sleep(0.1)
    assert await KbSegmentEmbedding.filter(segment__document_id=doc["id"], model="hash-ngrams").exists()
    before = len(standin.calls_to("/v1/embeddings"))
    await Chat(client, config, "o-llm-emb").say(TOPIC_QUESTION)
    assert len(standin.calls_to("/v1/embeddings")) == before + 1  # the question, embedded at ask time


async def test_model_calls_rejections_and_fallbacks_are_counted_on_metrics(aiohttp_client, make_config, standin):
    from tests.support.metrics import scrape, value

    config = make_config(**llm(standin, chat_timeout_seconds=0.5, answer_budget_seconds=1.0))
    client = await aiohttp_client(create_app(config))
    before = await scrape(client)
    standin.script_llm("wrong_citation", "error")
    for openid in ("o-m1", "o-m2", "o-m3"):
        await Chat(client, config, openid).say(QUESTION)
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("chuangye_llm_calls_total", kind="chat", outcome="ok") == 2
    assert delta("chuangye_llm_calls_total", kind="chat", outcome="error") == 1
    assert delta("chuangye_llm_rejected_answers_total", reason="citation") == 1
    assert delta("chuangye_llm_rejected_answers_total", reason="model_failed") == 1
    assert value(after, "chuangye_embedding_fallback_total", reason="error") >= 0
