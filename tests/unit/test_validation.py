"""Every validation rule, one bad input per row, with the exact message the user sees."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from handlers import validation as v
from handlers.validation import FieldError
from handlers.clock import TZ
from tests.support.builders import make_id

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(FieldError) as exc:
        fn(*args, **kwargs)
    return str(exc.value)


# ---------------------------------------------------------------- resident ID (GB 11643)

def test_a_valid_id_is_accepted_and_a_lower_case_x_normalised():
    first17 = "11010519491231002"
    assert v.id_check_digit(first17) == "X"
    assert v.validate_id_number(first17 + "x", today=date(2000, 1, 1)) == first17 + "X"
    assert v.validate_id_number(" " + make_id() + " ", today=TODAY) == make_id()


@pytest.mark.parametrize("raw, message", [
    ("", "身份证号：不能为空，请填写"),
    (None, "身份证号：不能为空，请填写"),
    ("53230119900101123", "身份证号：应为 18 位，前 17 位是数字，最后一位是数字或 X"),
    ("5323011990010112345", "身份证号：应为 18 位，前 17 位是数字，最后一位是数字或 X"),
    ("53230119900101123A", "身份证号：应为 18 位，前 17 位是数字，最后一位是数字或 X"),
    ("5323011990O101123X", "身份证号：应为 18 位，前 17 位是数字，最后一位是数字或 X"),
], ids=["empty", "none", "17-digits", "19-digits", "letter-last", "letter-inside"])
def test_malformed_ids_are_refused(raw, message):
    assert _message(v.validate_id_number, raw, today=TODAY) == message


def test_a_wrong_check_digit_is_refused():
    good = make_id()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert _message(v.validate_id_number, wrong, today=TODAY) == "身份证号：校验位不正确，请逐位核对后重新填写"


def test_an_impossible_birth_date_is_refused():
    first17 = "53230119900230451"  # 30 February
    assert _message(v.validate_id_number, first17 + v.id_check_digit(first17), today=TODAY) == \
        "身份证号：其中的出生日期 19900230 不是有效日期，请核对"


def test_applicants_younger_than_16_are_refused():
    assert v.validate_id_number(make_id(date(2010, 11, 26)), today=TODAY)  # 16 today
    assert _message(v.validate_id_number, make_id(date(2010, 11, 27)), today=TODAY) == \
        "身份证号：按出生日期计算年龄为 15 岁，申请人须在 16 到 70 岁之间"


def test_applicants_older_than_70_are_refused():
    assert v.validate_id_number(make_id(date(1955, 11, 27)), today=TODAY)  # still 70
    assert _message(v.validate_id_number, make_id(date(1955, 11, 26)), today=TODAY) == \
        "身份证号：按出生日期计算年龄为 71 岁，申请人须在 16 到 70 岁之间"


# ---------------------------------------------------------------- phone

@pytest.mark.parametrize("raw, clean", [("13812348000", "13812348000"), ("138 1234 8000", "13812348000"),
                                         ("+86 138-1234-8000", "13812348000"), ("8619912345678", "19912345678")])
def test_mainland_mobiles_are_accepted_and_normalised(raw, clean):
    assert v.validate_phone(raw) == clean


@pytest.mark.parametrize("raw", ["1381234800", "138123480001", "12812348000", "23812348000", "0871-1234567",
                                 "1381234800a"])
def test_other_numbers_are_refused(raw):
    assert _message(v.validate_phone, raw) == "手机号：应为 11 位中国大陆手机号码，以 13–19 开头"


def test_an_empty_phone_is_refused():
    assert _message(v.validate_phone, "  ") == "手机号：不能为空，请填写"


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("raw", ["李秀英", "阿依·木呷", "Zhang San", "马•丽"])
def test_names_of_chinese_letters_and_middle_dot_are_accepted(raw):
    assert v.validate_name(raw)


@pytest.mark.parametrize("raw", ["李", "李秀英1", "李@英", "·李秀", "李" * 31, "<script>"])
def test_other_names_are_refused(raw):
    assert _message(v.validate_name, raw) == "姓名：应为 2–30 个汉字或字母，少数民族姓名可用间隔号“·”"


# ---------------------------------------------------------------- county and choices

@pytest.mark.parametrize("raw, county", [("元谋县", "元谋县"), ("元谋", "元谋县"), ("楚雄市", "楚雄市"), ("禄丰", "禄丰市")])
def test_the_ten_counties_are_accepted_also_without_suffix(raw, county):
    assert v.validate_county(raw) == county


@pytest.mark.parametrize("raw", ["昆明市", "县", "大理"])
def test_a_county_outside_the_ten_is_refused(raw):
    assert _message(v.validate_county, raw) == \
        "所在县市：请从以下选项中选择：楚雄市、禄丰市、双柏县、牟定县、南华县、姚安县、大姚县、永仁县、元谋县、武定县"


def test_an_ambiguous_short_choice_is_refused():
    assert _message(v.validate_choice, "贷", ("创业担保贷款", "云岭创业贷"), "贷款产品") == \
        "贷款产品：请从以下选项中选择：创业担保贷款、云岭创业贷"


# ---------------------------------------------------------------- amounts

@pytest.mark.parametrize("raw, amount", [(300000, 300000), ("300000", 300000), ("30万", 300000), ("30万元", 300000),
                                         ("300,000元", 300000), ("2.5万", 25000)])
def test_amounts_in_whole_yuan_or_wan_are_accepted(raw, amount):
    assert v.validate_amount(raw, "创业担保贷款", "返乡创业农民工") == amount


@pytest.mark.parametrize("raw", ["三十万", "30w", "-5000", True, "1e5"])
def test_non_numeric_amounts_are_refused(raw):
    assert _message(v.validate_amount, raw, "创业担保贷款", "网络商户") == \
        "贷款金额：请填写整数金额（单位：元），例如 100000 或 10万"


def test_fractions_of_a_yuan_are_refused():
    assert _message(v.validate_amount, "1000.5", "创业担保贷款", "网络商户") == "贷款金额：请填写到元为止的整数金额"


def test_tiny_amounts_are_refused():
    assert _message(v.validate_amount, 999, "创业担保贷款", "网络商户") == "贷款金额：至少 1000 元"


def test_individual_guarantee_loans_stop_at_300000():
    assert v.validate_amount(300000, "创业担保贷款", "脱贫人口") == 300000
    assert _message(v.validate_amount, 300001, "创业担保贷款", "脱贫人口") == \
        "贷款金额：创业担保贷款个人最高 300000 元（30 万元），合伙创业或小微企业请到窗口咨询"


def test_small_enterprise_guarantee_loans_stop_at_4000000():
    assert v.validate_amount(4000000, "创业担保贷款", "小微企业") == 4000000
    assert _message(v.validate_amount, 4000001, "创业担保贷款", "小微企业") == "贷款金额：创业担保贷款小微企业最高 4000000 元（400 万元）"


def test_yunling_loans_use_a_form_cap_that_is_said_not_to_be_policy():
    assert v.validate_amount(1000000, "云岭创业贷", "其他") == 1000000
    assert _message(v.validate_amount, 1000001, "云岭创业贷", "其他") == (
        "贷款金额：云岭创业贷的额度政策尚未核实，本平台预申请暂按最高 1000000 元（100 万元）受理，"
        "这不是可贷额度，实际额度以经办银行审批为准")


# ---------------------------------------------------------------- free text, ids, dates, slot times

@pytest.mark.parametrize("raw", ["药膳\x00馆", "药膳\x07馆", "药膳\ud800馆"])
def test_control_characters_and_broken_unicode_are_refused(raw):
    assert _message(v.validate_text, raw, "经营项目", 2, 50) == "经营项目：含有无法识别的字符，请重新填写"


def test_free_text_length_is_checked_with_the_count():
    assert _message(v.validate_text, "药", "经营项目", 2, 50) == "经营项目：应为 2–50 个字（当前 1 个）"


@pytest.mark.parametrize("raw", ["abc", 0, -3, True, "1.5", 2**31])
def test_choice_ids_must_be_positive_integers(raw):
    assert _message(v.validate_positive_id, raw, "培训班") == "培训班：请选择一个有效的培训班"


def test_dates_must_be_iso():
    assert v.validate_date("2026-12-01") == date(2026, 12, 1)
    assert _message(v.validate_date, "12月1日", "预约日期") == "预约日期：日期格式应为 2025-01-06"


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_date_outside_the_accepted_range_is_refused_naming_the_field(raw):
    assert _message(v.validate_date, raw, "预约日期") == "预约日期：超出可受理的范围，应在 2000-01-01 至 2099-12-31 之间"


def test_the_first_and_last_dates_of_the_accepted_range_are_accepted():
    assert v.validate_date("2000-01-01") == date(2000, 1, 1)
    assert v.validate_date("2099-12-31") == date(2099, 12, 31)


def test_a_slot_time_must_parse():
    assert _message(v.validate_start, "明天上午", now=NOW) == "预约时段：时间格式不正确，应为 2025-01-06T09:00:00+08:00"


def test_a_past_slot_is_refused():
    assert _message(v.validate_start, "2026-11-26T09:30:00+08:00", now=NOW) == "预约时段：该时段已经过去，请选择今后的时段"


def test_a_slot_beyond_the_horizon_is_refused():
    far = (NOW + timedelta(days=31)).isoformat()
    assert _message(v.validate_start, far, now=NOW) == "预约时段：只能预约 30 天以内的时段"


def test_slot_times_are_read_in_china_time():
    assert v.validate_start("2026-11-27T09:00:00", now=NOW) == datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
    assert v.validate_start("2026-11-27T01:00:00Z", now=NOW) == datetime(2026, 11, 27, 9, 0, tzinfo=TZ)


def test_a_start_at_the_edge_of_the_calendar_is_a_field_error_not_a_crash():
    for extreme in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        assert _message(v.validate_start, extreme, now=NOW) == "预约时段：时间格式不正确，应为 2025-01-06T09:00:00+08:00"


# ---------------------------------------------------------------- coordinates (issue 7, item 8)

@pytest.mark.parametrize("raw,expected", [("25.70", 25.7), (" -90 ", -90.0), (90, 90.0), (25.7, 25.7), ("0", 0.0)])
def test_a_latitude_on_earth_is_accepted_as_a_float(raw, expected):
    assert v.validate_latitude(raw) == expected


def test_a_longitude_on_earth_is_accepted_up_to_the_date_line():
    assert v.validate_longitude("101.87") == 101.87 and v.validate_longitude(-180) == -180.0


@pytest.mark.parametrize("raw,message", [
    ("nan", "纬度：应为有限的数字"), ("NaN", "纬度：应为有限的数字"), (float("nan"), "纬度：应为有限的数字"),
    ("inf", "纬度：应为有限的数字"), ("-Infinity", "纬度：应为有限的数字"), ("1e400", "纬度：应为有限的数字"),
    (float("-inf"), "纬度：应为有限的数字"), ("91", "纬度：不能大于 90"), (-90.0001, "纬度：不能小于 -90"),
    ("", "纬度：不能为空，请填写"), (None, "纬度：不能为空，请填写"), ("北纬25度", "纬度：应为数字"),
    ("0x1p4", "纬度：应为数字"), (True, "纬度：应为数字"), ("25.7\x00", "纬度：含有无法识别的字符，请重新填写"),
])
def test_a_latitude_that_is_no_place_on_earth_is_refused_naming_the_field(raw, message):
    assert _message(v.validate_latitude, raw) == message


@pytest.mark.parametrize("raw,message", [
    ("181", "经度：不能大于 180"), ("-180.5", "经度：不能小于 -180"), ("-inf", "经度：应为有限的数字"),
    ("nan", "经度：应为有限的数字"),
])
def test_a_longitude_out_of_range_or_not_finite_is_refused_naming_the_field(raw, message):
    assert _message(v.validate_longitude, raw) == message
