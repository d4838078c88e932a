"""When windows are open: weekly hours, statutory holidays, 调休 and the operator's overrides."""
from __future__ import annotations

from datetime import date, datetime, time

from handlers.appointments import calendar
from handlers.clock import TZ

HOURS = {d: ["09:00-12:00", "14:30-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")}
NONE: dict = {"closed": [], "open": []}


def status(day: date, overrides=NONE, closed_days=(), county="元谋县"):
    return calendar.day_status(day, HOURS, county, list(closed_days), overrides)


def test_an_ordinary_weekday_is_open_with_its_hours():
    s = status(date(2026, 11, 26))
    assert s.is_open and s.periods == [(time(9), time(12)), (time(14, 30), time(17, 30))]


def test_an_ordinary_weekend_is_closed():
    assert not status(date(2026, 11, 28)).is_open


def test_a_statutory_holiday_on_a_weekday_is_closed():
    s = status(date(2026, 10, 1))  # Thursday, National Day
    assert not s.is_open and s.reason == "法定节假日：国庆节"


def test_a_substituted_day_off_is_closed():
    s = status(date(2026, 10, 6))  # Tuesday, day off in exchange for Sunday 20 September
    assert not s.is_open and "调休" in s.reason


def test_a_make_up_saturday_is_open_with_weekday_hours():
    s = status(date(2026, 10, 10))  # Saturday worked for the National Day holiday
    assert s.is_open and s.reason == "调休上班日" and s.periods == calendar.parse_periods(HOURS["mon"])
    assert calendar.is_makeup_workday(date(2026, 2, 28)) and status(date(2026, 2, 28)).is_open


def test_an_operator_closed_day_closes_only_the_named_counties():
    overrides = {"closed": [{"date": "2026-11-26", "counties": ["元谋县"], "reason": "系统升级"}], "open": []}
    assert status(date(2026, 11, 26), overrides).reason == "系统升级"
    assert not status(date(2026, 11, 26), overrides).is_open
    assert status(date(2026, 11, 26), overrides, county="楚雄市").is_open


def test_an_operator_open_day_opens_even_a_holiday():
    overrides = {"closed": [], "open": [{"date": "2026-10-01", "reason": "国庆集中受理"}]}
    assert status(date(2026, 10, 1), overrides).is_open


def test_a_windows_own_closed_day_is_closed():
    assert not status(date(2026, 11, 26), closed_days=["2026-11-26"]).is_open


def test_the_overrides_file_is_read_and_reread_when_it_changes(tmp_path):
    path = tmp_path / "overrides.yaml"
    path.write_text("closed:\n  - {date: 2026-12-01, reason: 盘点}\nopen: []\n", encoding="utf-8")
    assert calendar.load_overrides(path)["closed"] == [{"date": "2026-12-01", "reason": "盘点"}]
    path.write_text("closed: []\nopen:\n  - {date: 2026-12-05}\n", encoding="utf-8")
    import os
    os.utime(path, (1, 1))  # a different mtime, as an editor's save would give
    assert calendar.load_overrides(path) == {"closed": [], "open": [{"date": "2026-12-05"}]}
    assert calendar.load_overrides(tmp_path / "missing.yaml") == NONE


def test_the_shipped_overrides_file_parses():
    data = calendar.load_overrides()
    assert set(data) == {"closed", "open"}


def test_slots_fill_each_period_without_spilling_over():
    slots = calendar.slot_times(date(2026, 11, 26), calendar.parse_periods(["09:00-10:15"]), 30)
    assert slots == [(datetime(2026, 11, 26, 9, 0, tzinfo=TZ), datetime(2026, 11, 26, 9, 30, tzinfo=TZ)),
                     (datetime(2026, 11, 26, 9, 30, tzinfo=TZ), datetime(2026, 11, 26, 10, 0, tzinfo=TZ))]
    assert len(calendar.slot_times(date(2026, 11, 26), status(date(2026, 11, 26)).periods, 30)) == 12


def test_hours_are_described_in_chinese():
    assert calendar.hours_text(HOURS) == "周一至周五 09:00–12:00、14:30–17:30；法定节假日休息，调休上班日照常办公"
    assert calendar.hours_text({**HOURS, "sat": ["09:00-12:00"]}).startswith("周一至周五 09:00–12:00、14:30–17:30；周六 09:00–12:00")
