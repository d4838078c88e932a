"""Field validators shared by the API and the chat: each returns a clean value or raises
``FieldError`` whose text is the exact Chinese message the user sees (it names the field).

Pure functions; anything that needs the database (does the slot exist, is it open) is
checked by the use case, which reports it the same way.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence
from handlers.clock import TZ

from handlers import eligibility

COUNTIES = ("楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县")
APPLICANT_AGE = (16, 70)
MIN_LOAN_AMOUNT = 1000  # a sanity floor for the form, not a policy figure
BOOKING_HORIZON_DAYS = 30  # how far ahead a window can be booked
MAX_PK = 2**31 - 1  # primary keys are 32-bit integers: a larger id can name no record
# The dates the service accepts from anyone: far enough out for every real use, and near enough that
# day arithmetic (clock.day_bounds, time zones) and the database never overflow (year 9999 does).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
DATE_RANGE_REASON = f"超出可受理的范围，应在 {EARLIEST_DATE} 至 {LATEST_DATE} 之间"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z·• ]*[\u4e00-\u9fffA-Za-z]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class FieldError(ValueError):
    """A field's value is not acceptable; ``str(exc)`` is the message for the user."""


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def require(raw: Any, label: str) -> str:
    value = _text(raw)
    if not value:
        raise FieldError(f"{label}：不能为空，请填写")
    if _UNPRINTABLE.search(value):  # control characters or broken Unicode: never stored
        raise FieldError(f"{label}：含有无法识别的字符，请重新填写")
    return value


def validate_name(raw: Any, label: str = "姓名") -> str:
    value = require(raw, label).replace("•", "·")
    if not (2 <= len(value) <= 30) or not _NAME_RE.match(value):
        raise FieldError(f"{label}：应为 2–30 个汉字或字母，少数民族姓名可用间隔号“·”")
    return value


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def validate_id_number(raw: Any, today: date | None = None, label: str = "身份证号") -> str:
    value = require(raw, label).upper().replace(" ", "")
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise FieldError(f"{label}：应为 18 位，前 17 位是数字，最后一位是数字或 X")
    if id_check_digit(value[:17]) != value[17]:
        raise FieldError(f"{label}：校验位不正确，请逐位核对后重新填写")
    try:
        birth = id_birth_date(value)
    except ValueError:
        raise FieldError(f"{label}：其中的出生日期 {value[6:14]} 不是有效日期，请核对") from None
    age = eligibility.age_on(birth, today or datetime.now(TZ).date())
    low, high = APPLICANT_AGE
    if not low <= age <= high:
        raise FieldError(f"{label}：按出生日期计算年龄为 {age} 岁，申请人须在 {low} 到 {high} 岁之间")
    return value


def validate_phone(raw: Any, label: str = "手机号") -> str:
    value = re.sub(r"[\s\-]", "", require(raw, label))
    value = re.sub(r"^(\+?86)(?=1\d{10}$)", "", value)
    if not _PHONE_RE.match(value):
        raise FieldError(f"{label}：应为 11 位中国大陆手机号码，以 13–19 开头")
    return value


def validate_choice(raw: Any, choices: Sequence[str], label: str) -> str:
    value = require(raw, label)
    if value in choices:
        return value
    # Accept an unambiguous short form, e.g. "元谋" for "元谋县", "退役军人" for "复员转业退役军人".
    matches = [c for c in choices if value in c]
    if len(matches) == 1 and len(value) >= 2:
        return matches[0]
    raise FieldError(f"{label}：请从以下选项中选择：{'、'.join(choices)}")


def validate_county(raw: Any, label: str = "所在县市") -> str:
    return validate_choice(raw, COUNTIES, label)


def validate_text(raw: Any, label: str, low: int, high: int) -> str:
    value = require(raw, label)
    if not low <= len(value) <= high:
        raise FieldError(f"{label}：应为 {low}–{high} 个字（当前 {len(value)} 个）")
    return value


def parse_yuan(raw: Any, label: str = "贷款金额") -> int:
    """Whole yuan from 300000, "300000元", "300,000" or "30万"."""
    if isinstance(raw, bool):
        raise FieldError(f"{label}：请填写整数金额（单位：元），例如 100000 或 10万")
    if isinstance(raw, int):
        return raw
    text = require(raw, label).replace(",", "").replace("，", "").replace(" ", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(万)?元?", text)
    if not m:
        raise FieldError(f"{label}：请填写整数金额（单位：元），例如 100000 或 10万")
    try:
        amount = Decimal(m.group(1)) * (10000 if m.group(2) else 1)
    except InvalidOperation:
        raise FieldError(f"{label}：请填写整数金额（单位：元），例如 100000 或 10万") from None
    if amount != amount.to_integral_value():
        raise FieldError(f"{label}：请填写到元为止的整数金额")
    return int(amount)


def _wan(amount: int) -> str:
    return f"{amount // 10000} 万元" if amount % 10000 == 0 else f"{amount} 元"


def loan_ceiling(product: str, category: str) -> tuple[int, str]:
    """(the largest amount the form accepts, the Chinese message when it is exceeded)."""
    spec = eligibility.load_rules()["products"][product]
    if "form_cap" in spec:
        cap = spec["form_cap"]
        return cap, (f"贷款金额：{product}的额度政策尚未核实，本平台预申请暂按最高 {cap} 元（{_wan(cap)}）受理，"
                     "这不是可贷额度，实际额度以经办银行审批为准")
    if category in spec.get("enterprise_categories", ()):
        cap = spec["ceilings"]["enterprise"]
        return cap, f"贷款金额：{product}小微企业最高 {cap} 元（{_wan(cap)}）"
    cap = spec["ceilings"]["individual"]
    return cap, f"贷款金额：{product}个人最高 {cap} 元（{_wan(cap)}），合伙创业或小微企业请到窗口咨询"


def validate_amount(raw: Any, product: str | None, category: str | None, label: str = "贷款金额") -> int:
    amount = parse_yuan(raw, label)
    if amount < MIN_LOAN_AMOUNT:
        raise FieldError(f"{label}：至少 {MIN_LOAN_AMOUNT} 元")
    if product and category:
        cap, message = loan_ceiling(product, category)
        if amount > cap:
            raise FieldError(message)
    return amount


def valid_pk(value: Any) -> bool:
    """Whether ``value`` can be a record id at all (PostgreSQL refuses out-of-range integers)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PK


def validate_positive_id(raw: Any, label: str) -> int:
    if isinstance(raw, bool):
        raise FieldError(f"{label}：请选择一个有效的{label}")
    try:
        value = int(_text(raw))
    except ValueError:
        raise FieldError(f"{label}：请选择一个有效的{label}") from None
    if not valid_pk(value):
        raise FieldError(f"{label}：请选择一个有效的{label}")
    return value


def date_in_range(day: date) -> bool:
    """Whether ``day`` lies in the range of dates the service accepts (EARLIEST_DATE..LATEST_DATE)."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date(raw: Any, label: str = "日期") -> date:
    try:
        day = date.fromisoformat(require(raw, label))
    except ValueError:
        raise FieldError(f"{label}：日期格式应为 2025-01-06") from None
    if not date_in_range(day):
        raise FieldError(f"{label}：{DATE_RANGE_REASON}")
    return day


def validate_start(raw: Any, now: datetime | None = None, horizon_days: int = BOOKING_HORIZON_DAYS,
                   label: str = "预约时段") -> datetime:
    """An aware datetime in the future and within the booking horizon (naive means +08:00)."""
    text = require(raw, label)
    try:
        start = datetime.fromisoformat(text.replace("Z", "+00:00"))
        start = start.replace(tzinfo=TZ) if start.tzinfo is None else start.astimezone(TZ)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across an offset
        raise FieldError(f"{label}：时间格式不正确，应为 2025-01-06T09:00:00+08:00") from None
    now = now or datetime.now(TZ)
    if start <= now:
        raise FieldError(f"{label}：该时段已经过去，请选择今后的时段")
    if start.date() > (now.astimezone(TZ) + timedelta(days=horizon_days)).date():
        raise FieldError(f"{label}：只能预约 {horizon_days} 天以内的时段")
    return start


def validate_coordinate(raw: Any, label: str, limit: float) -> float:
    """A finite number of degrees in [-limit, limit] (text or number); NaN, infinities, booleans,
    hexadecimal floats and empty values are refused. Used for every latitude and longitude input."""
    if isinstance(raw, bool):
        raise FieldError(f"{label}：应为数字")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = require(raw, label)
        if not re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", text, re.I):
            raise FieldError(f"{label}：应为数字")
        value = float(text)
    if not math.isfinite(value):
        raise FieldError(f"{label}：应为有限的数字")
    if value > limit:
        raise FieldError(f"{label}：不能大于 {limit:g}")
    if value < -limit:
        raise FieldError(f"{label}：不能小于 {-limit:g}")
    return value


def validate_latitude(raw: Any, label: str = "纬度") -> float:
    return validate_coordinate(raw, label, 90)


def validate_longitude(raw: Any, label: str = "经度") -> float:
    return validate_coordinate(raw, label, 180)
