"""Whole chat conversations for the three forms, through the real callback, on both backends."""
from __future__ import annotations

import asyncio

from tests.support.chat import (ID_NUMBER, PHONE, WRONG_CHECK, Chat, book_until_the_summary, loan_until_the_summary,
                                 option_number, seed_windows_and_courses)
from chuangye.store import keys
from handlers.validation import loan_ceiling
from orm_models import Appointment, LoanApplication, Slot, TrainingApplication, User

async def test_a_visit_is_booked_by_chat_from_the_menu_click_to_the_check_in_code(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-book")
    summary = await book_until_the_summary(chat, first="")
    assert "请核对预约窗口信息" in summary and "元谋县创业服务窗口" in summary
    done = await chat.say("确认")
    appt = await Appointment.get(user__openid="o-book").select_related("window", "user")
    assert appt.status == "booked" and appt.window.county == "元谋县" and appt.user.app == "oa"
    assert "预约成功" in done and appt.code in done
    assert appt.phone_masked == "138****8000" and PHONE not in appt.phone_enc
    assert await chat.store.get(keys.dialogue("o-book")) is None


async def test_an_invalid_answer_is_re_asked_with_the_reason_and_nothing_is_stored(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-invalid")
    await chat.say("我要贷款")
    for answer in ("创业担保贷款", "返乡创业农民工", "元谋县", "民族药膳馆"):
        await chat.say(answer)
    too_much = await chat.say("500万")
    assert too_much.startswith(loan_ceiling("创业担保贷款", "返乡创业农民工")[1])
    assert "【贷款预申请 5/9】" in too_much
    for answer in ("10万", "购买设备", "王小花"):
        await chat.say(answer)
    wrong = await chat.say(WRONG_CHECK)
    assert wrong.startswith("身份证号：校验位不正确，请逐位核对后重新填写") and "【贷款预申请 8/9】" in wrong
    assert await LoanApplication.all().count() == 0


async def test_back_goes_to_the_previous_question_and_the_new_answer_counts(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-back")
    await chat.say("贷款申请")
    await chat.say("创业担保贷款")
    back = await chat.say("返回")
    assert "【贷款预申请 1/9】" in back
    await chat.say("云岭创业贷")
    for answer in ("返乡创业农民工", "武定县", "蔬菜种植", "5万", "进货", "王小花", ID_NUMBER):
        await chat.say(answer)
    summary = await chat.say(PHONE)
    assert "贷款产品：云岭创业贷" in summary and "所在县市：武定县" in summary
    assert ID_NUMBER not in summary and "5323**********" in summary
    await chat.say("确认")
    loan = await LoanApplication.get(user__openid="o-back")
    assert (loan.product, loan.county, loan.amount) == ("云岭创业贷", "武定县", 50000)


async def test_cancel_midway_forgets_the_form_and_stores_nothing(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-cancel")
    await loan_until_the_summary(chat)
    assert "已取消" in await chat.say("取消")
    assert await chat.store.get(keys.dialogue("o-cancel")) is None
    assert await LoanApplication.all().count() == 0


async def test_a_loan_pre_application_is_submitted_with_a_pre_check_never_an_approval(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-loan")
    summary = await loan_until_the_summary(chat)
    assert "请核对贷款预申请信息" in summary
    done = await chat.say("确认")
    loan = await LoanApplication.get(user__openid="o-loan")
    assert f"编号 {loan.id}" in done and "预审结果" in done and "不是审批结论" in done
    assert loan.status == "submitted" and loan.amount == 100000 and loan.id_masked == "5323**********" + ID_NUMBER[-4:]
    mine = await chat.say("我的申请")
    assert f"编号 {loan.id}" in mine and "10万元" in mine and "已提交" in mine
    assert ID_NUMBER not in mine and PHONE not in mine and "138****8000" in mine


async def test_a_training_sign_up_by_chat_takes_a_seat(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-train")
    await chat.click("TRAINING")
    sessions = await chat.say("元谋")
    await chat.say(option_number(sessions, "养老护理"))
    for answer in ("农村劳动力", "李大山", ID_NUMBER):
        await chat.say(answer)
    assert "培训班：养老护理" in await chat.say(PHONE)
    done = await chat.say("确认")
    app = await TrainingApplication.get(user__openid="o-train").select_related("session__course")
    assert app.session.course.title == "养老护理" and app.session.enrolled == 1
    assert f"编号 {app.id}" in done and "养老护理" in done


async def test_my_appointments_lists_them_masked_and_cancelling_by_chat_frees_the_seat(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-mine")
    assert "还没有预约记录" in await chat.click("MY_APPOINTMENTS")
    await book_until_the_summary(chat)
    await chat.say("确认")
    appt = await Appointment.get(user__openid="o-mine")
    mine = await chat.say("我的预约")
    assert "元谋县创业服务窗口（已预约）" in mine and "138****8000" in mine and PHONE not in mine and appt.code in mine
    offer = await chat.say("取消预约")
    assert "1. " in offer and "元谋县创业服务窗口" in offer
    assert "请回复选项前面的数字（1–1）" in await chat.say("5")
    assert "已取消预约" in await chat.say("1")
    assert (await Appointment.get(id=appt.id)).status == "cancelled"
    assert (await Slot.get(id=appt.slot_id)).booked == 0
    assert "没有可以取消的预约" in await chat.say("取消预约")


async def test_a_slot_filled_meanwhile_is_told_and_only_the_slot_is_chosen_again(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-full")
    await book_until_the_summary(chat)
    from handlers.appointments.booking import book_appointment
    from handlers.users import find_or_create_user

    state = await chat.store.get_json(keys.dialogue("o-full"))
    taken = state["answers"]
    for n in range(3):  # three others take the last seats of that slot
        other = await find_or_create_user("oa", f"o-other-{n}")
        await book_appointment(other.id, taken["window_id"], taken["start"], "其他", "张三", "13900000000")
    refused = await chat.say("确认")
    assert refused.startswith("该时段已约满，请选择其他时段") and "【预约窗口 4/7】请选择预约时段" in refused
    summary = await chat.say("1")
    assert "请核对预约窗口信息" in summary and "姓名：王小花" in summary  # the other answers were kept
    assert "预约成功" in await chat.say("确认")
    mine = await Appointment.get(user__openid="o-full")
    assert mine.start.isoformat() != taken["start"]


async def test_booking_the_same_slot_twice_is_refused_and_offers_another(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-twice")
    await book_until_the_summary(chat)
    await chat.say("确认")
    await book_until_the_summary(chat)
    refused = await chat.say("确认")
    assert refused.startswith("您已预约过该时段，无需重复预约") and "请选择预约时段" in refused
    assert await Appointment.filter(user__openid="o-twice").count() == 1


async def test_a_status_query_midway_keeps_the_form_and_continue_picks_it_up(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-resume")
    await chat.say("贷款预申请")
    asked = await chat.say("创业担保贷款")
    query = await chat.say("我的申请")
    assert "还没有贷款预申请" in query and "回复「继续」接着填写" in query
    assert await chat.say("继续") == asked
    assert "【贷款预申请 3/9】" in await chat.say("返乡创业农民工")
    assert await chat.say("贷款预申请") == await chat.say("继续")  # the same form again resumes it


async def test_an_expired_form_is_announced_once_and_the_message_is_not_taken_as_an_answer(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-expire")
    await chat.say("贷款预申请")
    await chat.say("创业担保贷款")
    key = keys.dialogue("o-expire")
    await chat.store.set(key, await chat.store.get(key), ttl=0.05)  # as if 30 minutes had passed
    await asyncio.sleep(0.1)
    expired = await chat.say("返乡创业农民工")
    assert "「贷款预申请」超过 30 分钟没有回复，已自动作废" in expired
    assert "已自动作废" not in await chat.say("返乡创业农民工")
    assert await chat.store.get(key) is None and await LoanApplication.all().count() == 0


async def test_a_store_failure_after_submitting_loses_nothing_and_never_submits_twice(client, config, monkeypatch):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-outage")
    await loan_until_the_summary(chat)
    store, key = chat.store, keys.dialogue("o-outage")
    real_delete = store.delete

    async def delete(k):
        if k == key:
            raise ConnectionError("Redis went away")
        await real_delete(k)

    monkeypatch.setattr(store, "delete", delete)
    done = await chat.say("确认")
    assert "贷款预申请已提交" in done
    monkeypatch.setattr(store, "delete", real_delete)
    again = await chat.say("确认")  # the state survived the outage: the submission is recognised
    assert "已经提交成功" in again
    assert await LoanApplication.filter(user__openid="o-outage").count() == 1
    assert await store.get(key) is None


async def test_a_store_failure_before_submitting_submits_nothing_and_says_so(client, config, monkeypatch):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-down")
    await loan_until_the_summary(chat)
    store, key = chat.store, keys.dialogue("o-down")
    real_set = store.set

    async def set_(k, value, ttl=None):
        if k == key:
            raise ConnectionError("Redis went away")
        await real_set(k, value, ttl)

    monkeypatch.setattr(store, "set", set_)
    assert "系统暂时无法保存填写进度" in await chat.say("确认")
    assert await LoanApplication.all().count() == 0
    monkeypatch.setattr(store, "set", real_set)
    assert "贷款预申请已提交" in await chat.say("确认")
    assert await User.filter(openid="o-down").count() == 1


def test_a_long_record_list_is_cut_to_fit_one_wechat_text_and_says_so():
    from bot.flow_records import fit
    from handlers.texts import MORE_NOT_SHOWN

    lines = [f"{n}. 2026年12月01日 周二 09:00-09:30 元谋县创业服务窗口（已预约）" for n in range(1, 60)]
    text = fit(lines, "如需取消，回复「取消预约」。")
    assert len(text.encode("utf-8")) <= 2000 and MORE_NOT_SHOWN in text and text.startswith("1. ")
    assert fit(lines[:3], "尾") == "\n".join(lines[:3] + ["尾"])
