"""Helpers for the domain tests (not a test module): valid IDs, users, an open future slot."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from handlers.validation import id_check_digit
from handlers.clock import TZ


def make_id(birth: date = date(1990, 3, 7), area: str = "532301", seq: str = "451") -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    first17 = f"{area}{birth:%Y%m%d}{seq}"
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


async def future_slot(window_id: int, min_days: int = 1) -> dict[str, Any]:
    """The first slot of the first open day at least ``min_days`` ahead (never racing the clock)."""
    from handlers.appointments.windows import list_slots

    today = datetime.now(TZ).date()
    for offset in range(min_days, 31):
        slots = await list_slots(window_id, today + timedelta(days=offset))
        if slots:
            return slots[0]
    raise AssertionError("no open day in the next 30 days")


LOAN = {"product": "创业担保贷款", "name": "李秀英", "phone": "13812348000", "county": "元谋县",
        "category": "返乡创业农民工", "business_type": "民族药膳馆", "amount": 200000, "purpose": "购买厨房设备和装修店面"}
