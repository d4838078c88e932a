"""Per-user limits said by chat exactly as the API says them (the same use cases refuse)."""
from __future__ import annotations

from tests.support.builders import free_slot
from tests.support.chat import Chat, book_until_the_summary, loan_until_the_summary, seed_windows_and_courses
from handlers.applications.loans import MSG_DUPLICATE
from handlers.appointments.booking import MSG_MAX_UPCOMING, book_appointment
from handlers.users import find_or_create_user
from orm_models import Appointment, LoanApplication, Window


async def test_a_booking_past_the_upcoming_limit_is_refused_by_chat_with_the_apis_message(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-limit")
    user = await find_or_create_user("oa", "o-limit")
    for key in ("chuxiong", "lufeng"):  # two upcoming visits elsewhere, booked from the mini-program
        window = await Window.get(key=key)
        await book_appointment(user.id, window.id, (await free_slot(window.id))["start"], "其他", "王小花",
                               "13812348000")
    await book_until_the_summary(chat)
    refused = await chat.say("确认")
    assert refused == MSG_MAX_UPCOMING.format(n=2)
    assert refused == "您已有 2 个尚未到来的预约，每人最多同时保留 2 个；请办理完或取消其中一个后再预约"
    assert await Appointment.filter(user_id=user.id).count() == 2


async def test_a_second_open_loan_pre_application_by_chat_is_refused_naming_the_first(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-loan-twice")
    await loan_until_the_summary(chat)
    assert "贷款预申请已提交" in await chat.say("确认")
    (first,) = await LoanApplication.filter(user__openid="o-loan-twice")
    await loan_until_the_summary(chat)
    refused = await chat.say("确认")
    assert refused == MSG_DUPLICATE.format(product="创业担保贷款", id=first.id, status="已提交")
    assert f"编号 {first.id}" in refused
    assert await LoanApplication.filter(user__openid="o-loan-twice").count() == 1
