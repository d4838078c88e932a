"""Loan eligibility pre-check: rules as data, results that cite the policy and never approve."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from handlers import eligibility
from handlers.eligibility import evaluate

TODAY = date(2026, 11, 26)
BORN_1990 = date(1990, 3, 7)
NOTICE = "预审结果，不是审批结论：能否贷款、能贷多少，以当地人社部门、担保机构和经办银行的审核为准。"


def test_a_returning_migrant_worker_is_initially_eligible_for_a_guarantee_loan():
    r = evaluate("创业担保贷款", "返乡创业农民工", 200000, BORN_1990, TODAY)
    assert r.result == "eligible" and r.label == "初步符合条件" and r.notice == NOTICE
    assert any("返乡创业农民工" in x and "依据：人社部2026年1月27日例行新闻发布会" in x for x in r.reasons)
    assert all("（依据：" in x for x in r.reasons)


def test_the_tenth_group_is_checked_by_staff():
    assert evaluate("创业担保贷款", "农村自主创业农民", 50000, BORN_1990, TODAY).result == "needs_review"


def test_small_enterprises_need_review_of_the_hiring_ratio():
    r = evaluate("创业担保贷款", "小微企业", 2000000, BORN_1990, TODAY)
    assert r.result == "needs_review" and any("10%" in x and "财金〔2023〕75号" in x for x in r.reasons)


def test_people_outside_the_groups_are_not_eligible_and_pointed_to_yunling():
    r = evaluate("创业担保贷款", "其他", 50000, BORN_1990, TODAY)
    assert r.result == "not_eligible" and any("云岭创业贷" in x for x in r.reasons)
    assert r.summary().startswith("预审结果：初步判断不符合条件") and r.summary().endswith(NOTICE)


def test_up_to_100000_needs_no_counter_guarantee_and_above_may():
    small = evaluate("创业担保贷款", "网络商户", 100000, BORN_1990, TODAY).reasons
    big = evaluate("创业担保贷款", "网络商户", 100001, BORN_1990, TODAY).reasons
    assert any("免除反担保" in x for x in small) and not any("可能需要提供反担保" in x for x in small)
    assert any("可能需要提供反担保" in x for x in big)


def test_a_guarantee_loan_applicant_past_60_needs_review():
    r = evaluate("创业担保贷款", "脱贫人口", 50000, date(1964, 1, 1), TODAY)
    assert r.result == "needs_review" and any("62岁" in x for x in r.reasons)


@pytest.mark.parametrize("birth, result", [(date(2008, 11, 26), "eligible"), (date(2008, 11, 27), "not_eligible"),
                                           (date(1961, 11, 27), "eligible"), (date(1960, 11, 26), "not_eligible")])
def test_yunling_loans_require_age_18_to_65(birth, result):
    r = evaluate("云岭创业贷", "其他", 100000, birth, TODAY)
    assert r.result == result
    assert any("额度、利率和期限尚未核实" in x for x in r.reasons)


def test_the_most_severe_rule_wins():
    r = evaluate("创业担保贷款", "其他", 50000, date(2009, 1, 1), TODAY)  # other group and 17 years old
    assert r.result == "not_eligible"


def test_to_dict_carries_the_outcome_reasons_and_notice():
    d = evaluate("云岭创业贷", "小微企业", 300000, BORN_1990, TODAY).to_dict()
    assert d["eligible"] is True and d["result"] == "eligible" and d["notice"] == NOTICE and d["reasons"]


def test_every_rule_names_a_known_source_and_a_known_product():
    rules = eligibility.load_rules()
    for rule in rules["rules"]:
        assert rule["source"] in rules["sources"], rule["id"]
        assert rule["product"] in rules["products"], rule["id"]
        assert rule["result"] in ("eligible", "needs_review", "not_eligible", "info"), rule["id"]


def test_an_unknown_condition_in_the_rules_fails_loudly(tmp_path):
    rules = eligibility.load_rules()
    broken = {**rules, "rules": [{"id": "x", "product": "云岭创业贷", "when": {"income_above": 1},
                                  "result": "info", "reason": "r", "source": "ylcyd_notice"}]}
    with pytest.raises(ValueError, match="income_above"):
        evaluate("云岭创业贷", "其他", 1000, BORN_1990, TODAY, rules=broken)


def test_no_unconfirmed_figure_appears_as_a_fact():
    text = yaml.safe_dump(eligibility.load_rules(), allow_unicode=True)
    assert "LPR" not in text and "%贴息" not in text  # 贴息 rates are 未确认 in policy-facts
