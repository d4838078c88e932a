"""Notification texts and their rendering for each channel (pure functions, no storage)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from handlers.notifications import compose as nc

START = datetime(2025, 3, 4, 1, 30, tzinfo=timezone.utc)  # 09:30 in Chuxiong


@pytest.mark.parametrize("name, masked", [("张三丰", "张**"), ("李四", "李*"), ("王", "王*"), ("", "（未留姓名）"),
                                          (None, "（未留姓名）"), ("阿依·木呷", "阿****")])
def test_names_are_masked_to_their_first_character(name, masked):
    assert nc.mask_name(name) == masked


def test_a_booking_for_staff_reads_as_one_text_with_local_time_and_a_masked_name():
    msg = nc.appointment_message("appointment_booked", window_name="元谋县创业服务窗口", start=START,
                                 purpose="创业担保贷款咨询", name="张三丰")
    assert nc.as_text(msg) == ("【新的窗口预约】\n窗口：元谋县创业服务窗口\n预约时间：2025-03-04 09:30\n"
                               "办理事项：创业担保贷款咨询\n预约人：张**\n详情请登录工作人员后台查看。")


def test_the_template_layout_is_first_keywords_and_remark():
    msg = nc.appointment_message("appointment_cancelled", window_name="窗口", start=START, purpose="", name="李四")
    data = nc.template_data(msg)
    assert list(data) == ["first", "keyword1", "keyword2", "keyword3", "keyword4", "remark"]
    assert data["first"] == {"value": "窗口预约已取消"} and data["keyword3"] == {"value": "未填写"}


def test_decisions_never_read_as_a_loan_approval():
    for decision in ("approved", "rejected", "referred"):
        text = nc.as_text(nc.decision_message("loan_decided", subject="创业担保贷款预申请", decision=decision, note=None))
        assert "以经办银行审批为准" in text and "贷款已批准" not in text
    training = nc.decision_message("training_decided", subject="养老护理培训报名", decision="approved", note="")
    assert training["fields"] == [["申请事项", "养老护理培训报名"], ["审核结果", "报名审核通过"]]


def test_subscribe_values_are_cut_to_wechats_twenty_character_limit():
    msg = nc.decision_message("loan_decided", subject="创业担保贷款预申请", decision="rejected",
                              note="经营场所证明材料不全，请补充租赁合同后重新提交预申请")
    data = nc.subscribe_data(msg)
    assert set(data) == {"thing1", "thing2", "thing3"}
    assert all(len(v["value"]) <= nc.THING_MAX for v in data.values())
    assert data["thing2"]["value"].endswith("…")


def test_the_agenda_lists_the_first_five_visits_in_order():
    starts = [(datetime(2025, 3, 4, h, 0, tzinfo=nc.TZ), n) for h, n in
              [(15, "吴六"), (9, "赵一"), (10, "钱二"), (11, "孙三"), (14, "周五"), (13, "李四")]]
    msg = nc.agenda_message(window_name="窗口", day=date(2025, 3, 4), starts=starts)
    assert dict(msg["fields"])["最早几位"] == "09:00 赵*，10:00 钱*，11:00 孙*，13:00 李*，14:00 周* 等6人"
    small = nc.agenda_message(window_name="窗口", day=date(2025, 3, 4), starts=starts[:2])
    assert dict(small["fields"])["最早几位"] == "09:00 赵*，15:00 吴*"
