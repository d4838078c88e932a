"""When a window is open: weekly hours, China's statutory holidays and make-up working days
(调休, from the maintained ``holidays`` library), the window's own closed days and the
operator's overrides in handlers/data/calendar_overrides.yaml.

Order of precedence for one day: an operator override (closed, then open) > the window's own
closed days > statutory holidays and their substituted days off > make-up working days > the
window's weekly hours. On a make-up working day the window keeps its Monday hours.
The library's calendar for a year not yet announced by the State Council is its estimate:
operators correct it with the overrides file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays

from chuangye import yamlio
from handlers.clock import TZ

OVERRIDES_PATH = Path(__file__).resolve().parents[1] / "data" / "calendar_overrides.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

Periods = list[tuple[time, time]]


@dataclass(frozen=True)
class DayStatus:
    periods: Periods  # empty when closed
    reason: str = ""  # why closed (or why specially open), in Chinese

    @property
    def is_open(self) -> bool:
        return bool(self.periods)


@lru_cache(maxsize=8)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")


def statutory_holiday(day: date) -> str | None:
    """The Chinese name of the statutory holiday or substituted day off, if ``day`` is one."""
    return _china(day.year).get(day)


def is_makeup_workday(day: date) -> bool:
    """A weekend day that is a working day because of 调休."""
    return day in _china(day.year).weekend_workdays


@lru_cache(maxsize=8)
def _read_overrides(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yamlio.safe_load(fh) or {}
    return {kind: [dict(e, date=str(e["date"])) for e in data.get(kind) or []] for kind in ("closed", "open")}


def load_overrides(path: str | os.PathLike[str] = OVERRIDES_PATH) -> dict[str, Any]:
    """The overrides file, re-read when it changes (operators edit it without a restart)."""
    p = str(path)
    return _read_overrides(p, os.stat(p).st_mtime) if os.path.exists(p) else {"closed": [], "open": []}


def _override(kind: str, day: date, county: str, overrides: dict[str, Any]) -> dict | None:
    for entry in overrides.get(kind, ()):
        if entry["date"] == day.isoformat() and county in (entry.get("counties") or [county]):
            return entry
    return None


def parse_periods(spec: list[Any] | None) -> Periods:
    """["09:00-12:00", ...] or [["09:00", "12:00"], ...] to a list of (start, end) times."""
    out = []
    for item in spec or []:
        start, end = item.split("-") if isinstance(item, str) else item
        out.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return out


def day_status(day: date, hours: dict[str, Any], county: str, closed_days: list[str] = (),
               overrides: dict[str, Any] | None = None) -> DayStatus:
    overrides = load_overrides() if overrides is None else overrides
    weekly = parse_periods(hours.get(WEEKDAYS[day.weekday()]))
    workday = parse_periods(hours.get("mon"))
    if entry := _override("closed", day, county, overrides):
        return DayStatus([], entry.get("reason") or "窗口休息")
    if entry := _override("open", day, county, overrides):
        return DayStatus(weekly or workday, entry.get("reason") or "临时开放")
    if day.isoformat() in closed_days:
        return DayStatus([], "窗口休息")
    if name := statutory_holiday(day):
        return DayStatus([], f"法定节假日：{name}")
    if is_makeup_workday(day):
        return DayStatus(workday, "调休上班日")
    return DayStatus(weekly, "" if weekly else "非办公日")


def slot_times(day: date, periods: Periods, minutes: int) -> list[tuple[datetime, datetime]]:
    """Consecutive slots of ``minutes`` inside each opening period, as aware datetimes."""
    slots, step = [], timedelta(minutes=minutes)
    for start, end in periods:
        cursor, stop = datetime.combine(day, start, TZ), datetime.combine(day, end, TZ)
        while cursor + step <= stop:
            slots.append((cursor, cursor + step))
            cursor += step
    return slots


def hours_text(hours: dict[str, Any]) -> str:
    """E.g. 周一至周五 09:00–12:00、14:30–17:30；法定节假日休息，调休上班日照常办公."""
    groups: list[tuple[list[int], str]] = []
    for i, key in enumerate(WEEKDAYS):
        text = "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in parse_periods(hours.get(key)))
        if not text:
            continue
        if groups and groups[-1][1] == text and groups[-1][0][-1] == i - 1:
            groups[-1][0].append(i)
        else:
            groups.append(([i], text))
    parts = [(f"{WEEKDAY_ZH[d[0]]}至{WEEKDAY_ZH[d[-1]]}" if len(d) > 1 else WEEKDAY_ZH[d[0]]) + f" {t}" for d, t in groups]
    return "；".join(parts or ["暂未公布办公时间"]) + "；法定节假日休息，调休上班日照常办公"
