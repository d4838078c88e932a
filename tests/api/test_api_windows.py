"""GET /windows (nearest first with lat/lng) and GET /windows/{id}/slots."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from handlers.validation import COUNTIES
from handlers.clock import TZ
from handlers.appointments.windows import list_slots

from tests.support.api import API, error_of, seed_windows_and_courses, window_id
from tests.support.env import SQLITE_ONLY

YUANMOU = (25.70, 101.87)  # the county seat of 元谋县 (approximate)
WINDOW_KEYS = {"id", "name", "county", "address", "phone", "hours", "hours_text", "lat", "lng", "is_demo",
               "distance_km"}


async def test_all_ten_windows_are_listed_with_demo_values_labelled(client: Any) -> None:
    await seed_windows_and_courses()
    resp = await client.get(f"{API}/windows")
    windows = (await resp.json())["windows"]
    assert resp.status == 200 and [w["county"] for w in windows] == list(COUNTIES)
    for w in windows:
        assert set(w) == WINDOW_KEYS and w["distance_km"] is None
        assert w["is_demo"] is True and "演示数据" in w["hours_text"] and "演示数据" in w["address"]


async def test_with_a_location_the_nearest_window_comes_first(client: Any) -> None:
    await seed_windows_and_courses()
    resp = await client.get(f"{API}/windows", params={"lat": YUANMOU[0], "lng": YUANMOU[1]})
    windows = (await resp.json())["windows"]
    assert windows[0]["county"] == "元谋县" and len(windows) == 10
    distances = [w["distance_km"] for w in windows]
    assert distances == sorted(distances) and distances[0] < 10


@SQLITE_ONLY
async def test_empty_coordinates_count_as_no_location(client: Any) -> None:
    await seed_windows_and_courses()
    windows = (await (await client.get(f"{API}/windows?lat=&lng=")).json())["windows"]
    assert [w["county"] for w in windows] == list(COUNTIES) and windows[0]["distance_km"] is None


@SQLITE_ONLY
async def test_a_location_needs_both_coordinates_in_range(client: Any) -> None:
    err = await error_of(await client.get(f"{API}/windows", params={"lat": "25.7"}), 422)
    assert err["fields"] == {"lng": "按位置查找时，纬度 lat 和经度 lng 需同时提供"}
    err = await error_of(await client.get(f"{API}/windows", params={"lat": "95", "lng": "abc"}), 422)
    assert err["fields"] == {"lat": "纬度：不能大于 90", "lng": "经度：应为数字"}


@SQLITE_ONLY
@pytest.mark.parametrize("lat,lng,fields", [
    ("nan", "101.87", {"lat": "纬度：应为有限的数字"}),
    ("25.7", "NaN", {"lng": "经度：应为有限的数字"}),
    ("inf", "-inf", {"lat": "纬度：应为有限的数字", "lng": "经度：应为有限的数字"}),
    ("1e400", "101.87", {"lat": "纬度：应为有限的数字"}),
    ("91", "101.87", {"lat": "纬度：不能大于 90"}),
    ("-90.5", "101.87", {"lat": "纬度：不能小于 -90"}),
    ("25.7", "181", {"lng": "经度：不能大于 180"}),
    ("25.7", "-180.01", {"lng": "经度：不能小于 -180"}),
])
async def test_coordinates_that_are_not_a_place_on_earth_are_refused_naming_the_field(
        client: Any, lat: str, lng: str, fields: dict[str, str]) -> None:
    await seed_windows_and_courses()
    err = await error_of(await client.get(f"{API}/windows", params={"lat": lat, "lng": lng}), 422)
    assert err["fields"] == fields


async def test_slots_are_those_of_the_use_case_in_iso_8601_with_offset(client: Any) -> None:
    await seed_windows_and_courses()
    wid = await window_id(client)
    today = datetime.now(TZ).date()
    seen_open = seen_closed = False
    for offset in range(1, 10):
        day = today + timedelta(days=offset)
        resp = await client.get(f"{API}/windows/{wid}/slots", params={"date": day.isoformat()})
        body = await resp.json()
        expected = await list_slots(wid, day)
        assert body["window_id"] == wid and body["date"] == day.isoformat()
        assert body["slots"] == [{"start": s["start"].isoformat(), "end": s["end"].isoformat(),
                                  "capacity": s["capacity"], "remaining": s["remaining"]} for s in expected]
        assert all(s["start"].endswith("+08:00") for s in body["slots"])
        seen_open, seen_closed = seen_open or bool(expected), seen_closed or not expected
    assert seen_open and seen_closed  # nine days always hold a weekend


@SQLITE_ONLY
async def test_slots_of_an_unknown_window_are_404(client: Any) -> None:
    err = await error_of(await client.get(f"{API}/windows/999/slots", params={"date": "2030-01-07"}), 404)
    assert err["code"] == "not_found" and err["message"] == "没有找到该服务窗口"


@SQLITE_ONLY
async def test_slots_need_a_valid_date(client: Any) -> None:
    await seed_windows_and_courses()
    wid = await window_id(client)
    for params, reason in [({}, "日期：不能为空，请填写"), ({"date": "2030-02-30"}, "日期：应为日期，格式 YYYY-MM-DD"),
                           ({"date": "0001-01-01"}, "日期：超出可受理的范围，应在 2000-01-01 至 2099-12-31 之间")]:
        err = await error_of(await client.get(f"{API}/windows/{wid}/slots", params=params), 422)
        assert err["fields"] == {"date": reason}
