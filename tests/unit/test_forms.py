"""The forms declared once: clean() for the API, json_schema() for OpenAPI, step() for chat."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from handlers.clock import TZ
from handlers.errors import InvalidInput
from handlers.texts import WEEKDAYS
from handlers.forms.chat import CANCELLED, CONFIRM_HINT
from handlers.forms.definitions import APPOINTMENT_FORM, LOAN_FORM, TRAINING_FORM
from handlers.forms.spec import clean, json_schema
from handlers.forms.chat import provide_choices, step
from tests.support.builders import LOAN, make_id

ID = make_id()


def run(spec, answers, state=None):
    """Feed answers one by one; return the last (state, replies, done) and check JSON safety."""
    state, replies, done = step(spec, state, "") if state is None else (state, [], False)
    for text in answers:
        state, replies, done = step(spec, state, text)
        json.dumps(state)
    return state, replies, done


LOAN_ANSWERS = ["1", "返乡创业农民工", "9", "民族药膳馆", "20万", "购买厨房设备和装修店面", "李秀英", ID, "13812348000"]


# ---------------------------------------------------------------- clean (the API's validation)

def test_clean_returns_typed_values_for_a_valid_loan():
    assert clean(LOAN_FORM, {**LOAN, "id_number": ID.lower() if ID[-1] == "X" else ID, "amount": "20万"}) == \
        {**LOAN, "id_number": ID, "amount": 200000}


def test_clean_names_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as exc:
        clean(LOAN_FORM, {"product": "房贷", "amount": 5, "phone": "123"})
    fields = exc.value.fields
    assert set(fields) == {"product", "category", "county", "business_type", "amount", "purpose", "name",
                           "id_number", "phone"}
    assert fields["product"] == "贷款产品：请从以下选项中选择：创业担保贷款、云岭创业贷"
    assert fields["name"] == "姓名：不能为空，请填写"
    assert fields["amount"] == "贷款金额：至少 1000 元"
    assert exc.value.status == 422 and exc.value.code == "invalid"


def test_the_amount_ceiling_follows_product_and_category():
    with pytest.raises(InvalidInput) as exc:
        clean(LOAN_FORM, {**LOAN, "id_number": ID, "amount": 500000})
    assert exc.value.fields == {"amount": "贷款金额：创业担保贷款个人最高 300000 元（30 万元），合伙创业或小微企业请到窗口咨询"}
    assert exc.value.message == exc.value.fields["amount"]
    assert clean(LOAN_FORM, {**LOAN, "id_number": ID, "category": "小微企业", "amount": 500000})["amount"] == 500000


def test_clean_refuses_a_payload_that_is_not_an_object():
    with pytest.raises(InvalidInput):
        clean(TRAINING_FORM, ["not", "an", "object"])


def test_the_appointment_api_payload_leaves_out_the_chats_stepping_stones():
    assert [f.name for f in APPOINTMENT_FORM.api_fields] == ["window_id", "start", "purpose", "name", "phone"]


# ---------------------------------------------------------------- json_schema (OpenAPI)

def test_json_schema_lists_required_fields_and_enums():
    schema = json_schema(LOAN_FORM)
    assert schema["type"] == "object"
    assert schema["required"] == ["product", "category", "county", "business_type", "amount", "purpose", "name",
                                  "id_number", "phone"]
    assert schema["properties"]["product"]["enum"] == ["创业担保贷款", "云岭创业贷"]
    assert len(schema["properties"]["county"]["enum"]) == 10
    assert "小微企业" in schema["properties"]["category"]["enum"]
    assert schema["properties"]["amount"]["type"] == "integer"
    assert schema["properties"]["id_number"]["pattern"] == "^[0-9]{17}[0-9Xx]$"


def test_appointment_and_training_schemas_match_the_contract_fields():
    assert set(json_schema(APPOINTMENT_FORM)["properties"]) == {"window_id", "start", "purpose", "name", "phone"}
    assert json_schema(APPOINTMENT_FORM)["properties"]["start"]["format"] == "date-time"
    assert set(json_schema(TRAINING_FORM)["properties"]) == {"session_id", "name", "id_number", "phone", "county",
                                                             "category"}


# ---------------------------------------------------------------- step (the chat)

def test_a_whole_loan_conversation_ends_in_a_summary_then_submits_on_confirm():
    state, replies, done = run(LOAN_FORM, LOAN_ANSWERS)
    assert not done and state["confirming"]
    summary = replies[-1]
    assert "贷款产品：创业担保贷款" in summary and "贷款金额：200000 元" in summary and "所在县市：元谋县" in summary
    assert ID not in summary and f"{ID[:4]}**********{ID[-4:]}" in summary
    assert summary.endswith(CONFIRM_HINT)
    state, replies, done = step(LOAN_FORM, state, "确认")
    assert done and replies == []
    assert clean(LOAN_FORM, state["answers"]) == {**LOAN, "id_number": ID}


def test_the_first_message_explains_the_commands_and_asks_the_first_field():
    state, replies, done = step(LOAN_FORM, None, "我要贷款")
    assert "「取消」" in replies[0] and "「返回」" in replies[0]
    assert replies[1].startswith("【贷款预申请 1/9】请选择要预申请的贷款产品：\n1. 创业担保贷款\n2. 云岭创业贷")
    assert state["index"] == 0 and not done


def test_cancel_midway_forgets_everything():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS[:4])
    state, replies, done = step(LOAN_FORM, state, "取消")
    assert state is None and replies == [CANCELLED] and not done


def test_cancel_at_the_confirmation_submits_nothing():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS)
    assert step(LOAN_FORM, state, "取消") == (None, [CANCELLED], False)


def test_an_invalid_answer_is_re_asked_with_the_reason():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS[:6])
    state, replies, done = step(LOAN_FORM, state, "李")
    assert replies == ["姓名：应为 2–30 个汉字或字母，少数民族姓名可用间隔号“·”", "【贷款预申请 7/9】请输入您的真实姓名："]
    assert state["index"] == 6 and "name" not in state["answers"]
    state, replies, _ = step(LOAN_FORM, state, "李秀英")
    assert state["answers"]["name"] == "李秀英" and replies[0].startswith("【贷款预申请 8/9】")


def test_an_amount_over_the_ceiling_is_re_asked_in_chat_with_the_api_message():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS[:4])
    state, replies, _ = step(LOAN_FORM, state, "50万")
    with pytest.raises(InvalidInput) as exc:
        clean(LOAN_FORM, {**LOAN, "id_number": ID, "amount": 500000})
    assert replies[0] == exc.value.fields["amount"]


def test_back_returns_to_the_previous_question_and_keeps_going():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS[:3])
    state, replies, _ = step(LOAN_FORM, state, "返回")
    assert state["index"] == 2 and replies[0].startswith("【贷款预申请 3/9】请选择您所在的县市")
    state, replies, _ = step(LOAN_FORM, state, "楚雄")
    assert state["answers"]["county"] == "楚雄市" and state["index"] == 3


def test_back_on_the_first_question_says_so():
    state, _, _ = step(LOAN_FORM, None, "")
    state, replies, _ = step(LOAN_FORM, state, "返回")
    assert replies[0] == "已经是第一项了。" and state["index"] == 0


def test_back_from_the_confirmation_reopens_the_last_field():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS)
    state, replies, done = step(LOAN_FORM, state, "返回")
    assert not state["confirming"] and state["index"] == 8 and replies[0].startswith("【贷款预申请 9/9】")
    state, replies, _ = step(LOAN_FORM, state, "13900001111")
    assert state["confirming"] and "手机号：13900001111" in replies[-1]


def test_restart_clears_the_answers():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS[:5])
    state, replies, _ = step(LOAN_FORM, state, "重填")
    assert state["answers"] == {} and state["index"] == 0 and replies[0] == "已清空，从头开始填写。"


def test_only_confirm_submits_from_the_summary():
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS)
    state, replies, done = step(LOAN_FORM, state, "好的吧")
    assert not done and replies == [CONFIRM_HINT]
    assert step(LOAN_FORM, state, "确认")[2] is True


def test_choices_accept_numbers_full_width_numbers_and_text():
    for answer in ("2", "２", "云岭创业贷", "云岭"):
        state, _, _ = run(LOAN_FORM, [answer])
        assert state["answers"]["product"] == "云岭创业贷", answer


def test_a_number_outside_the_options_is_re_asked():
    state, replies, _ = run(LOAN_FORM, ["7"])
    assert replies[0] == "贷款产品：请从以下选项中选择：创业担保贷款、云岭创业贷" and state["index"] == 0


def test_changing_the_product_asks_the_amount_again_under_the_new_ceiling():
    state, _, _ = run(LOAN_FORM, ["2", "其他", "元谋", "果蔬批发", "80万"])
    assert state["answers"]["amount"] == 800000
    for _ in range(5):
        state, _, _ = step(LOAN_FORM, state, "返回")
    state, _, _ = run(LOAN_FORM, ["1", "其他", "元谋", "果蔬批发"], state)
    state, replies, _ = step(LOAN_FORM, state, "80万")
    assert replies[0].startswith("贷款金额：创业担保贷款个人最高 300000 元")


# ---------------------------------------------------------------- dynamic choices (windows, dates, slots, sessions)

def test_dynamic_fields_wait_for_the_channels_options():
    state, _, _ = run(APPOINTMENT_FORM, ["元谋"])
    assert state["awaiting_choices"] == "window_id"
    state, replies = provide_choices(APPOINTMENT_FORM, state, [(10, "元谋县创业服务窗口")])
    assert replies == ["【预约窗口 2/7】请选择服务窗口：\n1. 元谋县创业服务窗口\n请回复选项前面的数字。"]
    state, replies, _ = step(APPOINTMENT_FORM, state, "1")
    assert state["answers"]["window_id"] == 10 and state["awaiting_choices"] == "date"
    state, _ = provide_choices(APPOINTMENT_FORM, state, [("2026-12-01", "12月01日 周二"), ("2026-12-02", "12月02日 周三")])
    state, _, _ = step(APPOINTMENT_FORM, state, "2")
    assert state["answers"]["date"] == "2026-12-02" and state["awaiting_choices"] == "start"


def test_a_dynamic_answer_that_is_not_an_option_is_re_asked():
    state, _, _ = run(APPOINTMENT_FORM, ["元谋"])
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(10, "元谋县创业服务窗口")])
    state, replies, _ = step(APPOINTMENT_FORM, state, "5")
    assert replies[0] == "服务窗口：请回复选项前面的数字（1–1）" and state["index"] == 1


def test_no_options_go_back_one_step():
    state, _, _ = run(APPOINTMENT_FORM, ["元谋"])
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(10, "元谋县创业服务窗口")])
    state, _, _ = step(APPOINTMENT_FORM, state, "1")
    state, _ = provide_choices(APPOINTMENT_FORM, state, [("2026-12-01", "12月01日 周二")])
    state, _, _ = step(APPOINTMENT_FORM, state, "1")
    state, replies = provide_choices(APPOINTMENT_FORM, state, [])
    assert replies[0] == "预约时段：暂时没有可选的预约时段，请换一个选择。"
    assert replies[1].startswith("【预约窗口 3/7】请选择预约日期") and state["index"] == 2


def test_a_new_answer_drops_the_options_that_depended_on_the_old_one():
    state, _, _ = run(APPOINTMENT_FORM, ["元谋"])
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(10, "元谋县创业服务窗口")])
    state, _, _ = step(APPOINTMENT_FORM, state, "1")
    state, _ = provide_choices(APPOINTMENT_FORM, state, [("2026-12-01", "12月01日 周二")])
    state, _, _ = step(APPOINTMENT_FORM, state, "返回")
    state, _, _ = step(APPOINTMENT_FORM, state, "返回")
    state, _, _ = step(APPOINTMENT_FORM, state, "楚雄")
    assert state["choices"] == {} and state["awaiting_choices"] == "window_id"
    assert state["answers"] == {"county": "楚雄市"}


def test_the_summary_shows_the_label_of_a_dynamic_choice():
    state, _, _ = run(TRAINING_FORM, ["元谋"])
    state, _ = provide_choices(TRAINING_FORM, state, [(7, "养老护理 · 元谋县 · 12月07日开班（剩余 30 个名额）")])
    state, replies, _ = run(TRAINING_FORM, ["1", "农村劳动力", "李秀英", ID, "13812348000"], state)
    assert "培训班：养老护理 · 元谋县 · 12月07日开班（剩余 30 个名额）" in replies[-1]
    assert clean(TRAINING_FORM, state["answers"])["session_id"] == 7


# ---------------------------------------------------------------- free wording of choices and confirmation (issue 8)

def _appointment_at_date():
    state, _, _ = run(APPOINTMENT_FORM, ["元谋"])
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(10, "元谋县创业服务窗口")])
    state, _, _ = step(APPOINTMENT_FORM, state, "1")
    day = datetime.now(TZ).date() + timedelta(days=1)
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(d.isoformat(), f"{d:%m月%d日} 周{WEEKDAYS[d.weekday()]}")
                                                         for d in (day, day + timedelta(days=1))])
    return state, day


def _appointment_at_purpose():
    state, day = _appointment_at_date()
    state, _, _ = step(APPOINTMENT_FORM, state, "1")
    state, _ = provide_choices(APPOINTMENT_FORM, state, [(f"{day}T09:00:00+08:00", "09:00-09:30（剩余 3 个名额）")])
    state, replies, _ = step(APPOINTMENT_FORM, state, "1")
    assert "【预约窗口 5/7】请选择要办理的事项" in replies[-1]
    return state


@pytest.mark.parametrize("answer", ["咨询创业担保贷款", "担保贷款", "创业担保代款", "我想问创业担保贷款的事", "1"])
def test_a_choice_is_taken_by_its_words_a_close_variant_or_its_number(answer):
    state, replies, _ = step(APPOINTMENT_FORM, _appointment_at_purpose(), answer)
    assert state["answers"]["purpose"] == "创业担保贷款", (answer, replies)


@pytest.mark.parametrize(("answer", "county"), [("元谋", "元谋县"), ("元谋线", "元谋县"), ("我在元谋县", "元谋县"), ("9", "元谋县")])
def test_a_county_is_taken_by_part_of_its_name_a_typo_or_its_number(answer, county):
    state, _, _ = run(LOAN_FORM, ["1", "其他", answer])
    assert state["answers"]["county"] == county


def test_a_variant_that_fits_several_options_is_asked_again_listing_only_those():
    state, replies, _ = step(APPOINTMENT_FORM, _appointment_at_purpose(), "创业")
    assert "purpose" not in state["answers"] and state["index"] == 4
    assert replies == ["【预约窗口 5/7】预约事项：「创业」可能是以下几项，请回复选项前面的数字：\n"
                       "1. 创业担保贷款\n2. 云岭创业贷\n3. 创业培训\n4. 创业政策咨询\n5. 创业导师帮扶\n6. 创业项目指导"]
    state, _, _ = step(APPOINTMENT_FORM, state, "3")
    assert state["answers"]["purpose"] == "创业培训"
    state, _, _ = run(LOAN_FORM, ["1", "失业"])
    assert "category" not in state["answers"]


def test_an_answer_near_no_option_is_refused_with_the_options():
    state, replies, _ = step(APPOINTMENT_FORM, _appointment_at_purpose(), "不晓得")
    assert replies[0] == "预约事项：请从以下选项中选择：" + "、".join(
        ("创业担保贷款", "云岭创业贷", "创业培训", "创业政策咨询", "创业导师帮扶", "创业项目指导", "其他"))


def test_a_dynamic_choice_takes_words_inside_its_label_but_no_near_miss():
    state, day = _appointment_at_date()
    later = day + timedelta(days=1)
    near_miss = f"{later + timedelta(days=7):%m月%d日} 周{WEEKDAYS[later.weekday()]}"  # a week later: no guessing
    _, replies, _ = step(APPOINTMENT_FORM, json.loads(json.dumps(state)), near_miss)
    assert replies[0] == "预约日期：请回复选项前面的数字（1–2）"
    state, _, _ = step(APPOINTMENT_FORM, state, f"周{WEEKDAYS[later.weekday()]}")
    assert state["answers"]["date"] == (day + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("word", ["确认", "确定", "提交", "是", "对", "好", "好的", "确认提交", "可以", "行", "要得", "ok", "OK",
                                  "ＯＫ", "Ok", "嗯", "好的！", "是。", "确定！"])
def test_the_summary_is_confirmed_by_any_everyday_yes(word):
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS)
    assert step(LOAN_FORM, state, word)[2] is True, word


@pytest.mark.parametrize("word", ["好的吧", "不", "不对", "再想想", "1"])
def test_anything_else_at_the_summary_is_no_yes(word):
    state, _, _ = run(LOAN_FORM, LOAN_ANSWERS)
    assert step(LOAN_FORM, state, word)[1:] == ([CONFIRM_HINT], False), word
