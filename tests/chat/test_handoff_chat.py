"""人工服务 end to end: the user in chat, staff in the API, replies through the WeChat stand-in."""
from __future__ import annotations

from datetime import timedelta

from handlers import texts as T
from bot.handoff import announce_overdue
from tests.support.chat import Chat, seed_windows_and_courses
from handlers.handoff import sessions as handoff
from orm_models import HandoffMessage, HandoffSession, QuestionLog, User
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import make_staff, token

from tests.support.chat import ID_NUMBER
from tests.support.api import flush_question_logs

API = "/api/v1/staff"
CUSTOM = "/cgi-bin/message/custom/send"
ODD_QUESTIONS = ("打麻将有什么技巧", "火车票怎么买", "手机屏幕碎了去哪修")


def sent_to(standin, openid: str) -> list[str]:
    return [c.body["text"]["content"] for c in standin.calls_to(CUSTOM, ok_only=True) if c.body["touser"] == openid]


async def staff_of(client, county: str, name: str) -> dict[str, str]:
    await make_staff(name, "county", county=county)
    return await token(client, name)


async def test_asking_for_a_human_queues_the_user_with_the_conversation_so_far(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-human")
    answer = await chat.say("创业担保贷款最多能贷多少")
    queued = await chat.say("人工")
    assert queued.startswith("已为您转接人工服务，州级工作人员会尽快在这里回复您")
    session = await HandoffSession.get(openid="o-human")
    assert (session.status, session.reason, session.county) == ("waiting", "asked", "州级")
    before = await HandoffMessage.filter(session_id=session.id, before_handoff=True).order_by("id")
    assert [(m.sender, m.text) for m in before] == [("user", "创业担保贷款最多能贷多少"), ("bot", answer)]
    assert await chat.say("人工") == T.HANDOFF_ALREADY


async def test_while_with_staff_the_bot_stays_quiet_and_every_message_reaches_the_transcript(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-quiet")
    await chat.say("人工 元谋")
    assert await chat.say("你好，我想问贷款") == T.HANDOFF_QUIET
    assert await chat.say("我的预约") == ""  # not answered by the bot: staff will
    assert await chat.click("BOOK") == ""
    session = await HandoffSession.get(openid="o-quiet")
    assert session.county == "元谋县"
    lines = await HandoffMessage.filter(session_id=session.id, before_handoff=False).order_by("id")
    assert [m.text for m in lines] == ["你好，我想问贷款", "我的预约", "[点击菜单] BOOK"]


async def test_staff_of_the_county_answer_through_wechat_and_hand_back(client, config, standin):
    await seed_windows_and_courses()
    await User.create(app="oa", openid="o-yuanmou", county="元谋县")
    chat = Chat(client, config, "o-yuanmou")
    await chat.click("HUMAN")
    yuanmou, wuding = await staff_of(client, "元谋县", "ym_admin"), await staff_of(client, "武定县", "wd_admin")

    queue = await (await client.get(f"{API}/handoffs", headers=yuanmou)).json()
    assert [(s["county"], s["status"], s["reason"]) for s in queue["sessions"]] == [("元谋县", "waiting", "menu")]
    sid = queue["sessions"][0]["id"]
    assert (await (await client.get(f"{API}/handoffs", headers=wuding)).json())["sessions"] == []
    assert (await client.get(f"{API}/handoffs/{sid}", headers=wuding)).status == 404
    assert (await client.post(f"{API}/handoffs/{sid}/reply", json={"text": "越权"}, headers=wuding)).status == 404

    resp = await client.post(f"{API}/handoffs/{sid}/reply", json={"text": "您好，我是元谋县窗口的小李"}, headers=yuanmou)
    assert resp.status == 200 and (await resp.json())["message"]["delivered"] is True
    assert sent_to(standin, "o-yuanmou") == ["您好，我是元谋县窗口的小李"]
    await chat.say("好的谢谢")
    detail = await (await client.get(f"{API}/handoffs/{sid}", headers=yuanmou)).json()
    assert detail["session"]["status"] == "active"
    assert [(m["sender"], m["text"]) for m in detail["messages"]][-2:] == [
        ("staff", "您好，我是元谋县窗口的小李"), ("user", "好的谢谢")]

    resp = await client.post(f"{API}/handoffs/{sid}/close", headers=yuanmou)
    assert resp.status == 200 and (await resp.json())["session"]["status"] == "closed"
    assert sent_to(standin, "o-yuanmou")[-1] == T.HANDOFF_ENDED_BY_STAFF
    assert (await client.post(f"{API}/handoffs/{sid}/close", headers=yuanmou)).status == 409
    assert "30万元" in await chat.say("创业担保贷款个人最多能贷多少")  # the bot answers again


async def test_a_reply_wechat_refuses_is_kept_with_the_reason_in_chinese(client, config, standin):
    chat = Chat(client, config, "o-refused")
    await chat.say("人工 元谋县")
    staff = await staff_of(client, "元谋县", "ym_admin")
    sid = (await HandoffSession.get(openid="o-refused")).id
    standin.refuse("o-refused", 45015)
    resp = await client.post(f"{API}/handoffs/{sid}/reply", json={"text": "您好"}, headers=staff)
    message = (await resp.json())["message"]
    assert resp.status == 200 and message["delivered"] is False
    assert message["error"] == "用户超过 48 小时没有给公众号发消息，微信不允许再发客服消息，请改用电话联系（errcode 45015）"


async def test_the_human_menu_key_mid_form_hands_staff_the_masked_draft_and_the_form_resumes(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-draft")
    await chat.say("贷款预申请")
    for answer in ("创业担保贷款", "返乡创业农民工", "元谋县", "民族药膳馆", "10万", "购买设备", "王小花"):
        await chat.say(answer)
    asked_phone = await chat.say(ID_NUMBER)
    queued = await chat.click("HUMAN")
    assert "「贷款预申请」已一并转给工作人员" in queued
    session = await HandoffSession.get(openid="o-draft")
    assert session.draft["title"] == "贷款预申请" and session.draft["answers"]["贷款金额"] == "100000"
    assert session.draft["answers"]["身份证号"] == "5323**********" + ID_NUMBER[-4:]
    texts = [m.text for m in await HandoffMessage.filter(session_id=session.id)]
    assert texts and not any(ID_NUMBER in t for t in texts) and any("5323**********" in t for t in texts)
    ended = await chat.say("结束人工")
    assert ended.startswith(T.HANDOFF_ENDED_BY_USER) and "「贷款预申请」还在" in ended
    assert await chat.say("继续") == asked_phone


async def test_three_unconfident_answers_in_a_row_hand_the_user_to_staff(client, config):
    chat = Chat(client, config, "o-unsure")
    first, second = await chat.say(ODD_QUESTIONS[0]), await chat.say(ODD_QUESTIONS[1])
    assert T.HANDOFF_QUEUED_UNCONFIDENT not in first + second
    third = await chat.say(ODD_QUESTIONS[2])
    await flush_question_logs(client)  # written behind
    assert await QuestionLog.filter(openid="o-unsure", confident=False).count() == 3
    assert T.HANDOFF_QUEUED_UNCONFIDENT in third and "已为您转接人工服务" in third
    session = await HandoffSession.get(openid="o-unsure")
    assert session.reason == "unconfident"
    assert [m.text for m in await HandoffMessage.filter(session_id=session.id, sender="user")] == list(ODD_QUESTIONS)


async def test_a_confident_answer_breaks_the_run_of_unsure_ones(client, config):
    chat = Chat(client, config, "o-mixed")
    await chat.say(ODD_QUESTIONS[0])
    await chat.say("创业担保贷款最多能贷多少")
    await chat.say(ODD_QUESTIONS[1])
    assert T.HANDOFF_QUEUED_UNCONFIDENT not in await chat.say(ODD_QUESTIONS[2])
    assert await HandoffSession.filter(openid="o-mixed").count() == 0


async def test_a_waiting_user_nobody_picks_up_is_told_once_how_else_to_get_help(client, config, standin):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-wait")
    await chat.say("人工 元谋")
    await HandoffSession.filter(openid="o-wait").update(created_at=handoff.now() - timedelta(minutes=11))
    assert await announce_overdue(chat.app) == 1
    [notice] = sent_to(standin, "o-wait")
    assert notice.startswith("抱歉，工作人员暂时没能接入") and "元谋县创业服务窗口" in notice and "演示数据" in notice
    assert await announce_overdue(chat.app) == 0
    assert await chat.say("还有人吗") == T.HANDOFF_QUIET


async def test_an_overdue_notice_wechat_refuses_is_given_in_the_next_reply(client, config, standin):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-wait2")
    await chat.say("人工 武定")
    await HandoffSession.filter(openid="o-wait2").update(created_at=handoff.now() - timedelta(minutes=11))
    standin.refuse("o-wait2", 45047)
    assert await announce_overdue(chat.app) == 0
    reply = await chat.say("还有人吗")
    assert reply.startswith("抱歉，工作人员暂时没能接入") and "武定县创业服务窗口" in reply
    assert await chat.say("喂") == ""


async def test_staff_endpoints_refuse_user_tokens_and_faq_writing_needs_an_administrator(client, config):
    await seed_windows_and_courses()
    resp = await client.post("/api/v1/auth/login", json={"code": "alice"})
    user = {"Authorization": f"Bearer {(await resp.json())['token']}"}
    assert (await client.get(f"{API}/handoffs", headers=user)).status == 401
    from orm_models import Window

    window = await Window.get(county="元谋县")
    await make_staff("ym_window", "window", window_id=window.id)
    clerk = await token(client, "ym_window")
    assert (await client.get(f"{API}/handoffs", headers=clerk)).status == 200
    body = {"question": "问", "answer": "答", "source": "人社局"}
    assert (await client.post(f"{API}/faq", json=body, headers=clerk)).status == 403


async def test_unfollowing_while_waiting_closes_the_session(client, config):
    chat = Chat(client, config, "o-gone")
    await chat.say("人工")
    assert await chat.send("event", Event="unsubscribe", CreateTime=1700000000) == ""
    session = await HandoffSession.get(openid="o-gone")
    assert session.status == "closed" and await handoff.open_session("o-gone") is None
