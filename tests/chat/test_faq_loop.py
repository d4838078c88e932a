"""The unconfident-question loop end to end: asked in chat, listed for staff, answered by an FAQ
entry, and the same question answered from it in chat and in the API, without a restart."""
from __future__ import annotations

from tests.support.api import flush_question_logs
from tests.support.chat import Chat
from orm_models import FaqEntry, QuestionLog
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import make_staff, token

API = "/api/v1/staff"
QUESTION = "申请表能不能用铅笔填"
ANSWER = "申请表请用黑色签字笔填写，不要用铅笔（测试数据）。"


async def admin(client) -> dict[str, str]:
    await make_staff("pref", "prefecture")
    return await token(client, "pref")


async def test_a_question_the_bot_could_not_answer_becomes_an_faq_it_answers_from(client, config):
    chat = Chat(client, config, "o-faq")
    first = await chat.say(QUESTION)
    await chat.say(QUESTION + "？")
    assert ANSWER not in first
    staff = await admin(client)

    backlog = await (await client.get(f"{API}/questions/unconfident", headers=staff)).json()
    group = next(g for g in backlog["groups"] if QUESTION in g["question"])
    assert group["count"] == 2 and len(group["ids"]) == 2

    body = {"question": QUESTION, "answer": ANSWER, "source": "元谋县人社局答复（测试）", "question_ids": group["ids"]}
    resp = await client.post(f"{API}/faq", json=body, headers=staff)
    assert resp.status == 201, await resp.text()
    entry = (await resp.json())["entry"]
    assert entry["active"] and entry["source"] == "元谋县人社局答复（测试）"
    backlog = await (await client.get(f"{API}/questions/unconfident", headers=staff)).json()
    assert not any(QUESTION in g["question"] for g in backlog["groups"])

    again = await chat.say(QUESTION)
    assert ANSWER in again
    asked = await (await client.post("/api/v1/ask", json={"question": QUESTION})).json()
    assert ANSWER in asked["answer"] and asked["confident"] is True
    await flush_question_logs(client)
    assert (await QuestionLog.filter(question=QUESTION).order_by("-id").first()).confident is True

    resp = await client.post(f"{API}/faq/{entry['id']}/deactivate", headers=staff)
    assert resp.status == 200 and (await resp.json())["entry"]["active"] is False
    assert ANSWER not in await chat.say(QUESTION)


async def test_an_entry_written_before_start_up_is_answered_from_at_once(aiohttp_client, config, db):
    """Entries live in the database: a new process loads them with its knowledge base."""
    from server.app import create_app

    await FaqEntry.create(question=QUESTION, answer=ANSWER, source="测试")
    client = await aiohttp_client(create_app(config))
    assert ANSWER in await Chat(client, config, "o-restart").say(QUESTION)


async def test_dismissed_questions_leave_the_backlog(client, config):
    await Chat(client, config, "o-dismiss").say("打麻将有什么技巧")
    staff = await admin(client)
    [group] = (await (await client.get(f"{API}/questions/unconfident", headers=staff)).json())["groups"]
    resp = await client.post(f"{API}/questions/dismiss", json={"question_ids": group["ids"]}, headers=staff)
    assert resp.status == 200 and (await resp.json())["dismissed"] == 1
    assert (await (await client.get(f"{API}/questions/unconfident", headers=staff)).json())["groups"] == []


async def test_an_entry_without_its_source_is_refused_naming_the_field(client, config):
    staff = await admin(client)
    resp = await client.post(f"{API}/faq", json={"question": QUESTION, "answer": ANSWER, "source": ""}, headers=staff)
    assert resp.status == 422
    assert (await resp.json())["error"]["fields"] == {"source": "请注明答案的依据（文件名称或答复部门），最长 200 个字"}
    assert await FaqEntry.all().count() == 0
