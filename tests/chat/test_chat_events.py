"""「活动」 in the official account: the list, signing up with name and phone, duplicates, a full event,
「我的活动」 and cancelling, through the real callback."""
from __future__ import annotations

from handlers import texts
from orm_models import Event, EventRegistration, User

from tests.support.chat import PHONE, Chat
from tests.support.events import publish_direct


async def test_a_user_signs_up_for_an_event_by_chat_from_the_menu_click_to_the_check_in_code(client, config):
    event = await publish_direct("姚安县", capacity=5)
    chat = Chat(client, config, "u-events")
    listing = await chat.click("EVENTS")
    assert listing.startswith("近期创业活动：") and "1. 【沙龙·经验交流】返乡创业经验交流沙龙" in listing
    assert "剩余名额：5/5" in listing and "姚安县" in listing
    ask = await chat.say("报名1")
    assert "请回复您的姓名和手机号" in ask and event.title in ask
    bad = await chat.say("王小花 12345678901")
    assert bad.startswith("手机号：") and "姓名 手机号" in bad
    done = await chat.say(f"王小花 {PHONE}")
    assert done.startswith("报名成功！"), done
    reg = await EventRegistration.get(event_id=event.id)
    user = await User.get(openid="u-events")
    assert reg.user_id == user.id and reg.name == "王小花" and f"签到码：{reg.code}" in done
    assert (await Event.get(id=event.id)).registered == 1
    await chat.say("活动")
    await chat.say("报名1")
    again = await chat.say(f"王小花 {PHONE}")
    assert again.startswith("您已报名该活动，无需重复报名")
    assert await EventRegistration.filter(event_id=event.id).count() == 1
    mine = await chat.say("我的活动")
    assert "1. 返乡创业经验交流沙龙" in mine and f"签到码：{reg.code}" in mine and "已报名" in mine
    cancelled = await chat.say("取消活动1")
    assert cancelled.startswith("已取消活动报名") and (await Event.get(id=event.id)).registered == 0


async def test_a_full_event_is_told_in_chinese_and_a_question_meanwhile_is_not_taken_for_contact_details(
        client, config):
    event = await publish_direct("元谋县", capacity=1)
    first, second = Chat(client, config, "u-first"), Chat(client, config, "u-second")
    for chat in (first, second):
        await chat.say("活动")
        await chat.say("报名1")
    assert (await first.say(f"李秀英 {PHONE}")).startswith("报名成功")
    assert "名额已满" in await second.say("活动")
    assert "姓名 手机号" not in await second.say("创业担保贷款最多能贷多少？")  # passes on to the policy answers
    assert await second.say("取消") == texts.EVENT_SIGNUP_DROPPED
    await second.say("报名1")
    assert await second.say(f"张三 {PHONE}") == "该活动名额已满，请关注其他活动"
    assert (await Event.get(id=event.id)).registered == 1


async def test_no_events_is_said_plainly(client, config):
    assert await Chat(client, config, "u-none").say("活动") == texts.EVENTS_NONE
