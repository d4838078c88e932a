"""Issue 8's chat transcripts, through the real callback on both backends: requests in free
phrasing, choices by words, everyday yeses, and a bare 「1」「好」「？」 outside any list."""
from __future__ import annotations

import pytest

from chuangye.store import keys
from handlers import texts as T
from orm_models import Appointment, LoanApplication, QuestionLog
from tests.support.api import flush_question_logs
from tests.support.chat import ID_NUMBER, PHONE, Chat, loan_until_the_summary, option_number, seed_windows_and_courses

OFFER = "您是想申请贷款，还是先了解贷款政策？\n1. 申请贷款预审\n2. 了解贷款政策\n请回复数字或文字。"
LOAN_FORM_START = "【贷款预申请 1/9】请选择要预申请的贷款产品"


async def _no_form(chat: Chat) -> bool:
    return await chat.store.get(keys.dialogue(chat.openid)) is None


# ---------------------------------------------------------------- requests in free phrasing

@pytest.mark.parametrize("wish", ["我想贷款", "我要贷款", "想贷个款", "我想带款！"])
async def test_a_wish_for_a_loan_starts_the_pre_application(client, config, wish):
    chat = Chat(client, config, "o-wish")
    reply = await chat.say(wish)
    assert reply.startswith("开始贷款预申请") and LOAN_FORM_START in reply


@pytest.mark.parametrize(("request_", "choice"), [("贷款", "1"), ("要贷款咋个整", "申请"), ("咋个申请贷款嘛", "申请贷款预审"),
                                                  ("咋个申请带款嘛", "我要申请"), ("带款", "１")])
async def test_a_bare_loan_or_how_do_i_asks_which_and_applying_starts_the_form(client, config, request_, choice):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-offer")
    assert await chat.say(request_) == OFFER
    assert await _no_form(chat)
    assert LOAN_FORM_START in await chat.say(choice)
    for answer in ("担保贷款", "退役军人", "元谋", "民族药膳馆", "10万", "购买设备", "王小花", ID_NUMBER):
        await chat.say(answer)
    summary = await chat.say(PHONE)
    assert "贷款产品：创业担保贷款" in summary and "申请人类别：复员转业退役军人" in summary and "所在县市：元谋县" in summary
    assert "贷款预申请已提交" in await chat.say("要得")
    assert await LoanApplication.filter(user__openid="o-offer").count() == 1


@pytest.mark.parametrize("choice", ["2", "了解", "了解贷款政策", "先了解一下政策"])
async def test_learning_about_loans_answers_from_the_knowledge_base_and_starts_nothing(client, config, choice):
    chat = Chat(client, config, "o-learn")
    assert await chat.say("贷款") == OFFER
    reply = await chat.say(choice)
    assert "创业担保贷款" in reply and "来源" in reply and T.INTENT_POLICY_MORE["loan"] in reply
    assert await _no_form(chat)
    assert T.DID_YOU_MEAN_NUMBER.format(n=1) == await chat.say("1")  # the question was answered: no list now


async def test_an_answer_that_fits_both_options_asks_again_and_anything_else_drops_the_question(client, config):
    chat = Chat(client, config, "o-drop")
    assert await chat.say("贷款") == OFFER
    assert await chat.say("贷款") == OFFER  # both options name loans
    assert await chat.say("3") == OFFER  # no such option
    answer = await chat.say("创业担保贷款能贷多少")
    assert "30万元" in answer and await _no_form(chat)
    assert await chat.say("1") == T.DID_YOU_MEAN_NUMBER.format(n=1)


@pytest.mark.parametrize(("question", "fact"), [("创业担保贷款能贷多少", "30万元"), ("贷款利息谁出", "贴息"),
                                                ("贷款要什么条件", "创业担保贷款"), ("带款要不要担报人", "担保")])
async def test_a_real_question_about_loans_gets_the_policy_answer_not_the_form(client, config, question, fact):
    chat = Chat(client, config, "o-question")
    answer = await chat.say(question)
    assert fact in answer and "来源" in answer and answer != OFFER and "【贷款预申请" not in answer
    assert await _no_form(chat)
    await flush_question_logs(client)
    assert (await QuestionLog.filter(openid="o-question").first()).question == question


async def test_my_loans_is_still_the_list_of_applications(client, config):
    chat = Chat(client, config, "o-my")
    assert "还没有贷款预申请" in await chat.say("我的贷款")


async def test_a_request_in_free_phrasing_does_not_interrupt_an_open_form(client, config):
    """Mid-form only the exact commands switch forms; 「贷款」 here is an answer (the business)."""
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-midway")
    await chat.say("贷款预申请")
    for answer in ("1", "其他", "元谋"):
        await chat.say(answer)
    assert "【贷款预申请 5/9】" in await chat.say("贷款中介")


# ---------------------------------------------------------------- choices by words, everyday yeses

async def test_an_appointment_purpose_by_its_words_and_a_plain_yes_book_the_visit(client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-purpose")
    await chat.say("预约窗口")
    window = await chat.say("元谋")
    await chat.say(option_number(window, "元谋县创业服务窗口"))
    await chat.say("1")
    assert "【预约窗口 5/7】" in await chat.say("1")
    ambiguous = await chat.say("创业")
    assert ambiguous.startswith("【预约窗口 5/7】预约事项：「创业」可能是以下几项") and "7. 其他" not in ambiguous
    assert "【预约窗口 6/7】" in await chat.say("咨询创业担保贷款")
    await chat.say("王小花")
    assert "预约事项：创业担保贷款" in await chat.say(PHONE)
    assert "预约成功" in await chat.say("是")
    assert (await Appointment.get(user__openid="o-purpose")).purpose == "创业担保贷款"


@pytest.mark.parametrize("yes", ["ＯＫ", "好的！", "对"])
async def test_the_loan_summary_is_confirmed_by_an_everyday_yes(client, config, yes):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-yes")
    await loan_until_the_summary(chat)
    assert "贷款预申请已提交" in await chat.say(yes)


# ---------------------------------------------------------------- a digit or one character outside any list

@pytest.mark.parametrize(("text", "reply"), [("1", T.DID_YOU_MEAN_NUMBER.format(n=1)), ("２", T.DID_YOU_MEAN_NUMBER.format(n=2)),
                                             ("好", T.DID_YOU_MEAN_YES), ("嗯", T.DID_YOU_MEAN_YES),
                                             ("好的", T.DID_YOU_MEAN_YES), ("？", T.DID_YOU_MEAN_CHAR),
                                             ("?", T.DID_YOU_MEAN_CHAR), ("啊", T.DID_YOU_MEAN_CHAR)])
async def test_a_bare_digit_or_character_gets_did_you_mean_with_the_services_never_a_passage(client, config, text, reply):
    chat = Chat(client, config, "o-short")
    answer = await chat.say(text)
    assert answer == reply and answer.startswith("您是想") and "「贷款预申请」" in answer and "来源" not in answer
    assert await QuestionLog.filter(openid="o-short").count() == 0


async def test_confirm_with_nothing_open_still_says_no_form_is_open(client, config):
    chat = Chat(client, config, "o-nothing")
    assert await chat.say("确认") == T.FLOW_NOTHING_OPEN
