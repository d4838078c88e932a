"""Builders of test data, the one place for them: valid ID numbers, users, windows, free slots, a loan payload."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from handlers.validation import id_check_digit
from handlers.clock import TZ


def make_id(birth: date = date(1990, 3, 7), area: str = "532301", seq: str = "451") -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    return with_check_digit(f"{area}{birth:%Y%m%d}{seq}")


def with_check_digit(first17: str) -> str:
    """A made-up resident ID from its first 17 digits, with a valid GB 11643 check digit."""
    return first17 + id_check_digit(first17)


def years_ago(years: int, today: date | None = None) -> date:
    today = today or datetime.now(TZ).date()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


async def make_users(n: int, prefix: str = "u") -> list[Any]:
    from handlers.users import find_or_create_user

    return [await find_or_create_user("mp", f"{prefix}{i}") for i in range(n)]


async def yuanmou_window() -> Any:
    from handlers.appointments.windows import load_windows
    from orm_models import Window

    await load_windows()
    return await Window.get(key="yuanmou")


async def free_slot(window_id: int, min_days: int = 1) -> dict[str, Any]:
    """The first slot with seats of the first open day at least ``min_days`` ahead, by the windows'
    calendar day in Asia/Shanghai (not the machine's), so a test never races the clock."""
    from handlers.appointments.windows import list_slots

    today = datetime.now(TZ).date()
    for offset in range(min_days, 41):
        free = [s for s in await list_slots(window_id, today + timedelta(days=offset)) if s["remaining"] > 0]
        if free:
            return free[0]
    raise AssertionError(f"no free slot at window {window_id} in the next 40 days")


async def free_slot_start(window_id: int, min_days: int = 1) -> datetime:
    start = (await free_slot(window_id, min_days))["start"]
    return start if isinstance(start, datetime) else datetime.fromisoformat(start)


LOAN = {"product": "创业担保贷款", "name": "李秀英", "phone": "13812348000", "county": "元谋县",
        "category": "返乡创业农民工", "business_type": "民族药膳馆", "amount": 200000, "purpose": "购买厨房设备和装修店面"}
