"""Mentor help in chat: 「找导师」 as a form, a free phrase that names the area, 「我的导师」 and rating."""
from __future__ import annotations

from chuangye import appkeys as K
from tests.support.chat import PHONE, Chat
from tests.support.outbox import drain


async def _yaoan_mentor(bound_openid: str | None = None):
    from handlers.staff.accounts import create_staff
    from orm_models import Mentor

    mentor = await Mentor.create(name="杨丽华", county="姚安县", counties=["姚安县"], expertise="电商、营销",
                                 organization="姚安县电商服务中心", title="电商讲师", capacity=3)
    if bound_openid:
        account = await create_staff("mentor_yang", "mentor", "correct-horse-battery", mentor_id=mentor.id)
        account.wechat_openid = bound_openid
        await account.save()
    return mentor


async def test_a_user_finds_an_e_commerce_mentor_in_yaoan_by_chat_and_sees_the_follow_ups(client, config, standin):
    from handlers.mentors.requests import add_follow_up, assign_mentor
    from handlers.staff.accounts import create_staff
    from orm_models import MentorRequest, StaffAccount

    await _yaoan_mentor("openid-mentor-yang")
    chat = Chat(client, config, "o-mentor")
    first = await chat.say("找导师")
    assert "【找导师 1/5】" in first and "电商" in first
    assert "【找导师 2/5】" in await chat.say("电商")
    for answer in ("姚安", "网店刚开，想学怎么推广", "李小梅"):
        await chat.say(answer)
    summary = await chat.say(PHONE)
    assert "请核对找导师信息" in summary and "姚安县" in summary
    done = await chat.say("确认")
    req = await MentorRequest.get(user__openid="o-mentor")
    assert f"编号 {req.id}" in done and req.industry == "电商" and req.county == "姚安县"
    assert PHONE not in req.phone_enc

    admin = await create_staff("yaoan_admin", "county", "correct-horse-battery", county="姚安县")
    await assign_mentor(admin, req.id)
    await drain(client.server.app[K.WECHAT], config)
    template = standin.calls_to("/cgi-bin/message/template/send", ok_only=True)
    assert "openid-mentor-yang" in [c.body["touser"] for c in template]
    told = [c.body for c in template if c.body["touser"] == "o-mentor"]
    assert told and "杨丽华" in str(told[0])

    mentor_login = await StaffAccount.get(username="mentor_yang")
    await add_follow_up(mentor_login, req.id, {"kind": "项目开发", "note": "帮她选了三款主推商品", "date": "2025-03-03"})
    history = await chat.say("我的导师")
    assert "杨丽华" in history and "项目开发" in history and "帮她选了三款主推商品" in history
    assert "感谢评价" in await chat.say("评价导师 5 很有帮助")
    assert (await MentorRequest.get(id=req.id)).rating == 5


async def test_a_free_phrase_starts_the_form_with_the_area_already_answered(client, config):
    chat = Chat(client, config, "o-phrase")
    reply = await chat.say("想找个懂电商的老师指导一下")
    assert "为您找电商方面的创业导师" in reply and "【找导师 2/5】" in reply


async def test_the_menu_click_starts_the_form_and_my_mentors_is_empty_at_first(client, config):
    chat = Chat(client, config, "o-click")
    assert "【找导师 1/5】" in await chat.click("MENTOR")
    await chat.say("取消")
    assert "还没有找导师申请" in await chat.say("我的导师")
