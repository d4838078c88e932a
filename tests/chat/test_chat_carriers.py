"""The carrier directory and 入驻申请 in chat: 「孵化基地」, a location, 「申请入驻」, 「我的申请」."""
from __future__ import annotations

from handlers import texts
from handlers.carriers.directory import seed_demo_carriers
from handlers.appointments.windows import load_windows
from orm_models import CarrierApplication

from tests.support.chat import Chat, option_number

YUANMOU = (25.70, 101.87)


async def test_a_location_in_yuanmou_keeps_the_windows_and_adds_the_nearest_carriers(client, config):
    await load_windows()
    await seed_demo_carriers()
    chat = Chat(client, config, "u-carrier-loc")
    answer = await chat.send("location", Location_X=YUANMOU[0], Location_Y=YUANMOU[1], Scale=15, Label="元谋县元马镇")
    assert answer.splitlines()[1].startswith("1. 元谋县创业服务窗口（元谋县，不到 1 公里）")
    assert texts.NEAREST_FOOTER + "\n附近的创业载体：元谋县创业孵化基地（演示）（不到 1 公里）" in answer
    listing = await chat.say("附近有哪些创业园")
    assert listing.startswith(texts.CARRIERS_NEAREST_HEADER.format(what="孵化基地"))
    assert "1. 元谋县创业孵化基地（演示）（孵化基地，元谋县，不到 1 公里）【演示数据】" in listing
    assert "地址：元谋县元马镇（地址待核实）" in listing and listing.endswith(texts.CARRIERS_FOOTER)


async def test_without_a_location_the_list_asks_for_one(client, config):
    await seed_demo_carriers()
    chat = Chat(client, config, "u-carrier-list")
    listing = await chat.say("孵化基地")
    assert listing.startswith("孵化基地：\n1. 楚雄市创业孵化基地（演示）（孵化基地，楚雄市）")
    assert texts.CARRIERS_ASK_LOCATION in listing
    assert "创业载体" in await chat.click("CARRIERS")


async def test_a_user_applies_to_settle_in_by_chat_and_sees_it(client, config):
    await seed_demo_carriers()
    chat = Chat(client, config, "u-carrier-apply")
    assert "请选择想入驻哪个县市的创业载体" in await chat.say("申请入驻")
    reply = await chat.say("元谋")
    await chat.say(option_number(reply, "元谋县创业孵化基地（演示）"))
    await chat.say("彝绣文创工作室")
    assert "团队人数：请填写 1–500 之间的整数" in await chat.say("很多人")
    await chat.say("3")
    await chat.say("20 平方米场地和 3 个工位")
    await chat.say("王小花")
    summary = await chat.say("13812348000")
    assert "团队人数：3 人" in summary
    done = await chat.say("确认")
    assert done.startswith("入驻申请已提交（编号 ") and "元谋县创业孵化基地（演示）（元谋县）" in done
    app = await CarrierApplication.get(county="元谋县")
    assert app.status == "submitted" and app.team_size == 3
    mine = await chat.say("我的申请")
    assert "入驻申请：" in mine and f"编号 {app.id}｜元谋县创业孵化基地（演示），元谋县（已提交）" in mine
    await chat.say("申请入驻")
    reply = await chat.say("元谋")
    for answer in (option_number(reply, "元谋县创业孵化基地（演示）"), "另一个项目", "2", "一个工位", "王小花",
                   "13812348000"):
        await chat.say(answer)
    refused = await chat.say("确认")
    assert "请勿重复提交" in refused and texts.FLOW_CHOOSE_AGAIN in refused
    assert await CarrierApplication.all().count() == 1
