"""Redis goes away while the app runs, and comes back: PostgreSQL + a Redis reached through a
link the test cuts (tests/support/resilience.py). Nothing in the app is patched.

What must hold during the outage: the callback still answers (retry dedupe degrades to this
process), a chat form never submits twice nor silently drops a confirmation, the mini-program
API keeps its Idempotency-Key guarantee (it lives in the database), /healthz says 503; and
after it, everything works again without a restart.
"""
from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.support.chat import Chat, seed_windows_and_courses
from chuangye import appkeys as K
from orm_models import LoanApplication, QuestionLog
from tests.support.api import flush_question_logs
from tests.support.resilience import app_with_skill, counting, link_to_test_redis, post_same, settled
from tests.support.chat import loan_until_the_summary

PG_ONLY = pytest.mark.parametrize("backend", ["pg"], indirect=True)
QUESTION = "创业担保贷款个人最多能贷多少"


@pytest_asyncio.fixture
async def link():
    async with link_to_test_redis() as relay:
        yield relay


@pytest_asyncio.fixture
async def app_client(aiohttp_client, make_config, link):
    """The production app with its Redis behind ``link``."""
    from server.app import create_app

    return await aiohttp_client(create_app(make_config(redis={"url": link.url()})))


@PG_ONLY
async def test_a_policy_question_is_answered_while_redis_is_down_and_a_retry_is_not_answered_twice(
        app_client, config, link):
    chat = Chat(app_client, config, "o-outage-ask")
    await link.cut()
    xml = chat.server.text(chat.openid, QUESTION)
    status, answer = await post_same(chat, xml)
    assert status == 200 and "30万元" in answer
    status, retried = await post_same(chat, xml)  # WeChat's retry of the same MsgId
    assert status == 200 and retried == answer
    await flush_question_logs(app_client)
    assert await QuestionLog.filter(openid=chat.openid).count() == 1


@PG_ONLY
async def test_confirming_a_chat_form_while_redis_is_down_submits_nothing_and_the_form_resumes_after(
        app_client, config, link):
    await seed_windows_and_courses()
    chat = Chat(app_client, config, "o-outage-form")
    summary = await loan_until_the_summary(chat)
    assert "请核对" in summary
    await settled(app_client.server.app)
    await link.cut()
    xml = chat.server.text(chat.openid, "确认")
    for _ in range(3):  # the message and WeChat's two retries
        status, reply = await post_same(chat, xml)
        assert status == 200 and "系统暂时无法保存填写进度" in reply
    assert await LoanApplication.all().count() == 0
    await link.restore()
    assert "贷款预申请已提交" in await chat.say("确认")
    assert "已经提交成功" not in await chat.say("确认")
    assert await LoanApplication.filter(user__openid=chat.openid).count() == 1


@PG_ONLY
async def test_healthz_says_503_while_redis_is_down_and_200_when_it_is_back(app_client, link):
    await link.cut()
    resp = await app_client.get("/healthz")
    body = await resp.json()
    assert resp.status == 503 and body["store"] == {"ok": False, "backend": "redis"} and body["database"]["ok"]
    await link.restore()
    resp = await app_client.get("/healthz")
    assert resp.status == 200 and (await resp.json())["store"]["ok"] is True


@PG_ONLY
async def test_after_the_outage_dedupe_is_shared_again(app_client, config, link):
    chat = Chat(app_client, config, "o-outage-back")
    await link.cut()
    await chat.say(QUESTION)
    await link.restore()
    xml = chat.server.text(chat.openid, "创业担保贷款的贴息政策是什么")
    first = await post_same(chat, xml)
    assert await app_client.server.app[K.STORE].ping()
    assert await post_same(chat, xml) == first
    await flush_question_logs(app_client)
    assert await QuestionLog.filter(openid=chat.openid).count() == 2


@PG_ONLY
async def test_a_form_answer_typed_during_the_outage_is_not_taken_for_a_policy_question(app_client, config, link):
    await seed_windows_and_courses()
    chat = Chat(app_client, config, "o-outage-id")
    await chat.say("贷款预申请")
    await settled(app_client.server.app)
    await link.cut()
    for typed in ("13812348000", "532328199001010029", "2", "取消"):
        assert "系统暂时无法保存填写进度" in await chat.say(typed)
    assert await QuestionLog.filter(openid=chat.openid).count() == 0  # an ID number never reaches the log
    await link.restore()
    assert "【贷款预申请 1/9】" in await chat.say("继续")  # the form kept its place


# ------------------------------------------------------------ the conversation's own guarantees


@PG_ONLY
async def test_concurrent_retries_during_the_outage_run_the_message_once(aiohttp_client, make_config, config, link,
                                                                         monkeypatch):
    calls = []
    client = await app_with_skill(aiohttp_client, make_config, link, monkeypatch, counting(calls, 0.2))
    chat = Chat(client, config, "o-outage-race")
    await link.cut()
    xml = chat.server.text(chat.openid, "计数")
    results = await asyncio.gather(*(post_same(chat, xml) for _ in range(3)))
    assert calls == ["计数"]
    assert {r for r in results} == {(200, "第 1 次处理：计数")}


@PG_ONLY
async def test_a_retry_arriving_after_redis_came_back_is_still_recognised(aiohttp_client, make_config, config, link,
                                                                         monkeypatch):
    calls = []
    client = await app_with_skill(aiohttp_client, make_config, link, monkeypatch, counting(calls))
    chat = Chat(client, config, "o-outage-mark")
    await link.cut()
    xml = chat.server.text(chat.openid, "计数")
    first = await post_same(chat, xml)
    await link.restore()
    assert await post_same(chat, xml) == first
    assert calls == ["计数"]


# ------------------------------------------------------------ the mini-program API


@PG_ONLY
async def test_the_mini_program_api_signs_in_books_and_replays_keyed_retries_while_redis_is_down(app_client, link):
    from api.idempotency import HEADER, REPLAYED_HEADER
    from orm_models import Appointment
    from orm_models.notifications import Notification
    from tests.support.api import API, login, open_slot, seed_windows_and_courses, window_id
    from tests.support.builders import LOAN, make_id

    await seed_windows_and_courses()
    await link.cut()
    headers, _ = await login(app_client)
    wid = await window_id(app_client)
    slot = await open_slot(app_client, wid)
    body = {"window_id": wid, "start": slot["start"], "purpose": "创业担保贷款", "name": "李秀英", "phone": "13812348000"}
    keyed = {**headers, HEADER: "outage-booking-1"}
    first = await app_client.post(f"{API}/appointments", json=body, headers=keyed)
    retry = await app_client.post(f"{API}/appointments", json=body, headers=keyed)
    assert first.status == retry.status == 201 and await first.json() == await retry.json()
    assert retry.headers[REPLAYED_HEADER] == "true"
    assert await Appointment.all().count() == 1
    assert await Notification.filter(kind="appointment_booked").count() == 1
    loan = {**LOAN, "id_number": make_id()}
    keyed = {**headers, HEADER: "outage-loan-1"}
    answers = [await app_client.post(f"{API}/loan-applications", json=loan, headers=keyed) for _ in range(2)]
    assert [a.status for a in answers] == [201, 201]
    assert await LoanApplication.all().count() == 1


# ------------------------------------------------------------ Redis hangs instead of refusing


@PG_ONLY
async def test_a_hanging_redis_costs_one_timeout_and_replies_still_leave_within_wechats_five_seconds(
        app_client, config, link):
    from chuangye.store import keys

    store = app_client.server.app[K.STORE]
    store.break_seconds = 1.0  # production waits longer before trying a hanging Redis again
    chat = Chat(app_client, config, "o-hang")
    assert "30万元" in await chat.say(QUESTION)  # connections to Redis are open and in use
    link.stall()
    for _ in range(3):
        started = asyncio.get_running_loop().time()
        status, answer = await post_same(chat, chat.server.text(chat.openid, QUESTION))
        elapsed = asyncio.get_running_loop().time() - started
        assert status == 200 and "30万元" in answer and elapsed < config.bot.reply_budget_seconds
    await link.restore()
    await asyncio.sleep(store.break_seconds + 0.1)
    xml = chat.server.text(chat.openid, QUESTION)
    await post_same(chat, xml)
    msg_id = xml.split("<MsgId>")[1].split("</MsgId>")[0]
    assert await store.get(keys.message(f"{chat.openid}:{msg_id}"))  # shared again


# ------------------------------------------------------------ Redis killed, and back empty


@PG_ONLY
async def test_redis_killed_and_restarted_empty_is_reconnected_and_a_lost_form_is_never_taken_for_submitted(
        aiohttp_client, make_config, config, tmp_path):
    from handlers import texts as T
    from server.app import create_app
    from tests.support.resilience import PrivateRedis

    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        client = await aiohttp_client(create_app(make_config(redis={"url": redis.url})))
        await seed_windows_and_courses()
        chat = Chat(client, config, "o-killed")
        await loan_until_the_summary(chat)
        redis.kill()
        assert "系统暂时无法保存填写进度" in await chat.say("确认")
        assert (await client.get("/healthz")).status == 503
        redis.start()  # no persistence: the unfinished form is gone
        assert await chat.say("确认") == T.FLOW_NOTHING_OPEN  # not a policy answer, and no claim either way
        assert await LoanApplication.all().count() == 0
        assert (await client.get("/healthz")).status == 200
        await loan_until_the_summary(chat)
        assert "贷款预申请已提交" in await chat.say("确认")
        assert await chat.say("确认") == T.FLOW_NOTHING_OPEN  # points to 我的申请; nothing submitted twice
        assert await LoanApplication.filter(user__openid=chat.openid).count() == 1
    finally:
        redis.kill()


# ------------------------------------------------------------ (re)started during the outage


@PG_ONLY
async def test_a_process_started_while_redis_is_down_serves_degraded_and_uses_redis_once_it_is_back(
        aiohttp_client, make_config, config, link):
    from server.app import create_app
    from chuangye.store import keys

    await link.cut()  # e.g. systemd restarts the service in the middle of a Redis outage
    client = await aiohttp_client(create_app(make_config(redis={"url": link.url()})))
    chat = Chat(client, config, "o-started-down")
    assert "30万元" in await chat.say(QUESTION)
    assert (await client.get("/healthz")).status == 503
    await link.restore()
    assert (await client.get("/healthz")).status == 200
    xml = chat.server.text(chat.openid, QUESTION)
    await post_same(chat, xml)
    msg_id = xml.split("<MsgId>")[1].split("</MsgId>")[0]
    assert await client.server.app[K.STORE].get(keys.message(f"{chat.openid}:{msg_id}"))


# ------------------------------------------------------------ a process dies while answering


@PG_ONLY
async def test_a_message_whose_first_process_died_mid_answer_is_answered_by_wechats_retry_elsewhere(
        aiohttp_client, make_config, config, link, monkeypatch):
    """Two processes share Redis. The one that took the message is cut off from Redis for good
    while answering (to Redis it is dead: it neither renews nor releases anything, as after a
    SIGKILL). WeChat's retry on the other one must get the answer, not a 'success' that drops it."""
    from bot import conversation
    from bot.conversation import TASKS
    from bot.skills import add_skill
    from server.app import create_app

    monkeypatch.setattr(conversation, "BUSY_TTL_SECONDS", 1.0)  # production: 3 s (WeChat retries after 5 s)
    monkeypatch.setattr(conversation, "LOCK_TIMEOUT_SECONDS", 2.0)  # production: 6 s

    async def hangs(ctx, inc):
        await asyncio.Event().wait()

    async def answers(ctx, inc):
        return [f"已回答：{inc.text}"]

    dying = create_app(make_config(redis={"url": link.url()}, bot={"reply_budget_seconds": 0.3}), chat_features=False)
    add_skill(dying, hangs, priority=-100)
    survivor = create_app(make_config(), chat_features=False)  # the same Redis, directly
    add_skill(survivor, answers, priority=-100)
    client_a, client_b = await aiohttp_client(dying), await aiohttp_client(survivor)
    user_a, user_b = Chat(client_a, config, "o-died"), Chat(client_b, config, "o-died")
    xml = user_a.server.text("o-died", "这条消息不能丢")
    assert await post_same(user_a, xml) == (200, "")  # over budget: the answer was to come later...
    await link.cut()  # ...but the process is gone
    started = asyncio.get_running_loop().time()
    assert await post_same(user_b, xml) == (200, "已回答：这条消息不能丢")
    assert asyncio.get_running_loop().time() - started < config.bot.reply_budget_seconds
    for task in list(dying[K.EXTRA][TASKS]):
        task.cancel()


async def test_a_renewed_lock_outlives_its_timeout_while_its_process_lives_and_lapses_soon_after_it_is_killed(link):
    import signal
    import sys

    from chuangye.store import LockTimeout, RedisStore
    from tests.support.env import ROOT, new_namespace

    ns = new_namespace()
    other = RedisStore(link.url(), ns)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER.format(url=link.url(), ns=ns), cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 10) == b"held\n"
        await asyncio.sleep(1.5)  # 2.5 times the lock's timeout: renewed, still held
        with pytest.raises(LockTimeout):
            async with other.lock("k", timeout=0.6, wait=0.1):
                pass
        holder.send_signal(signal.SIGKILL)  # dies holding it: no release, no more renewals
        await holder.wait()
        async with other.lock("k", timeout=0.6, wait=1.0):  # free again within the timeout
            pass
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await other.clear_namespace()
        await other.close()


HOLDER = """
import asyncio
from chuangye.store import RedisStore

async def main():
    store = RedisStore("{url}", "{ns}")
    async with store.lock("k", timeout=0.6, wait=1.0, renew=True):
        print("held", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""
