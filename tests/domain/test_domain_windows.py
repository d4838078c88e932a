"""The ten windows from the operator's file, nearest by location, and free slots."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from handlers.appointments import calendar
from handlers.errors import InvalidInput, NotFound
from handlers.validation import COUNTIES
from handlers.clock import TZ
from handlers.appointments.windows import WINDOWS_PATH, list_slots, list_windows, load_windows, nearest_windows, open_days
from orm_models import Window
from tests.support.builders import free_slot, yuanmou_window

pytestmark = pytest.mark.backend


async def test_the_ten_county_windows_load_once_however_often_the_file_is_loaded(db):
    assert await load_windows() == {"created": 10, "updated": 0}
    assert await load_windows() == {"created": 0, "updated": 0}
    windows = await list_windows()
    assert [w.county for w in windows] == list(COUNTIES)
    assert all(w.is_demo and w.address.startswith("演示数据") and "演示数据" in w.phone for w in windows)
    assert all("演示数据" in w.hours_text for w in windows)


async def test_an_operator_edit_of_the_file_updates_the_window(db, tmp_path):
    await load_windows()
    edited = WINDOWS_PATH.read_text(encoding="utf-8").replace(
        'address: "演示数据：请运营人员填写元谋县人社局/就业服务中心的地址"', 'address: "元谋县某路1号（测试）"\n    is_demo: false')
    path = tmp_path / "windows.yaml"
    path.write_text(edited, encoding="utf-8")
    assert await load_windows(path) == {"created": 0, "updated": 1}
    w = await Window.get(key="yuanmou")
    assert w.address == "元谋县某路1号（测试）" and not w.is_demo


async def test_a_window_outside_the_ten_counties_is_refused(db, tmp_path):
    path = tmp_path / "windows.yaml"
    path.write_text("windows:\n  - {key: km, name: 昆明, county: 昆明市, lat: 25, lng: 102}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="昆明市"):
        await load_windows(path)
    assert await Window.all().count() == 0


async def test_a_location_in_yuanmou_gets_the_yuanmou_window_first(db):
    await load_windows()
    nearest = await nearest_windows(25.704, 101.874)
    assert [w.county for w in nearest][0] == "元谋县" and len(nearest) == 3
    assert nearest[0].distance_km < 2 and nearest[0].distance_km <= nearest[1].distance_km <= nearest[2].distance_km
    assert nearest[0].hours_text.startswith("周一至周五") and nearest[0].to_dict()["distance_km"] == nearest[0].distance_km
    assert len(await nearest_windows(25.0, 101.5, limit=10)) == 10


async def test_slots_of_an_open_day_list_capacity_and_remaining(db):
    window = await yuanmou_window()
    slot = await free_slot(window.id)
    day = slot["start"].date()
    slots = await list_slots(window.id, day.isoformat())
    assert len(slots) == 12 and slots[0] == slot
    assert slot == {"start": datetime.combine(day, datetime.min.time(), TZ).replace(hour=9),
                    "end": datetime.combine(day, datetime.min.time(), TZ).replace(hour=9, minute=30),
                    "capacity": 3, "remaining": 3}


async def test_closed_past_and_far_days_have_no_slots(db):
    window = await yuanmou_window()
    today = datetime.now(TZ).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    while calendar.is_makeup_workday(saturday):  # a 调休 Saturday is open: take the next one
        saturday += timedelta(days=7)
    assert await list_slots(window.id, saturday) == []
    assert await list_slots(window.id, today - timedelta(days=1)) == []
    assert await list_slots(window.id, today + timedelta(days=31)) == []
    await Window.filter(id=window.id).update(closed_days=[(today + timedelta(days=1)).isoformat()])
    assert await list_slots(window.id, today + timedelta(days=1)) == []


async def test_slots_already_started_today_are_left_out(db):
    window = await yuanmou_window()
    slot = await free_slot(window.id)
    noon = slot["start"].replace(hour=12)
    assert [s["start"].hour for s in await list_slots(window.id, noon.date(), now=noon)] == [14, 15, 15, 16, 16, 17]


async def test_a_bad_date_or_unknown_window_is_reported(db):
    window = await yuanmou_window()
    with pytest.raises(InvalidInput) as exc:
        await list_slots(window.id, "12/01")
    assert exc.value.fields == {"date": "日期：日期格式应为 2025-01-06"}
    with pytest.raises(NotFound):
        await list_slots(9999, date.today())


async def test_open_days_offer_dates_with_free_seats(db):
    window = await yuanmou_window()
    days = await open_days(window.id, 5)
    assert len(days) == 5 and all(d > datetime.now(TZ).date() - timedelta(days=1) for d, _ in days)
    for day, _ in days:
        assert await list_slots(window.id, day)
    assert "周" in days[0][1]
