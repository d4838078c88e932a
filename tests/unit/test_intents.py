"""Requests in free phrasing (issue 8): short imperative requests start a form or ask which is
meant; questions, however they mention loans, stay questions for the knowledge base."""
from __future__ import annotations

import pytest

from handlers.forms.chat import match_option
from handlers.forms.intent import Intent, classify, offer_options, offer_question, repair_homophones

START, OFFER = Intent("loan", "start"), Intent("loan", "offer")


@pytest.mark.parametrize("text", ["我想贷款", "我要贷款", "要贷款", "想贷个款", "我想申请创业担保贷款", "请帮我办理贷款",
                                  "我想贷款！", "我想带款"])
def test_a_wish_for_a_loan_starts_the_pre_application(text):
    assert classify(text) == START


@pytest.mark.parametrize("text", ["贷款", "贷款？", "带款", "代款", "要贷款咋个整", "咋个申请贷款嘛", "咋个申请带款嘛",
                                  "怎么贷款", "贷款怎么申请", "创业贷款咋个整", "贷款 咋整", "担报带款"])
def test_a_bare_topic_or_a_how_do_i_asks_which_is_meant(text):
    assert classify(text) == OFFER


@pytest.mark.parametrize("text", ["创业担保贷款能贷多少", "贷款利息谁出", "贷款要什么条件", "贷款怎么还", "贷款吗", "有贷款吗",
                                  "我想问贷款", "贷款多少", "我是返乡农民工，想贷款开个药膳馆，能贷多少？",
                                  "带款要不要担报人", "预约", "你好", "", "1"])
def test_a_question_or_anything_else_is_no_request(text):
    assert classify(text) is None


def test_homophones_of_the_topic_are_repaired_and_nothing_else():
    assert repair_homophones("咋个申请带款嘛", ["贷款"]) == "咋个申请贷款嘛"
    assert repair_homophones("待款代款", ["贷款"]) == "贷款贷款"
    assert repair_homophones("带孩子", ["贷款"]) == "带孩子"


def test_the_two_option_question_is_answered_by_number_or_words():
    assert offer_question("loan") == ("您是想申请贷款，还是先了解贷款政策？\n1. 申请贷款预审\n2. 了解贷款政策\n"
                                      "请回复数字或文字。")
    options = offer_options("loan")
    for text, value in [("1", "start"), ("申请", "start"), ("申请贷款预审", "start"), ("我要申请", "start"),
                        ("２", "ask"), ("了解", "ask"), ("了解贷款政策", "ask"), ("先了解一下政策", "ask")]:
        assert match_option(text, options) == [value], text
    assert match_option("贷款", options) == ["start", "ask"]  # both: asked again
    assert match_option("3", options) == [] and match_option("创业担保贷款能贷多少", options) == []
