"""Location messages and reported-location events answer the nearest service windows."""
from __future__ import annotations

import time

import pytest

from handlers import texts
from bot.emulator import WeChatServer
from chuangye import appkeys as K
from chuangye.store import keys
from handlers.appointments.windows import load_windows
from tests.support.env import SQLITE_ONLY

PATH = "/wechat/official"
YUANMOU = (25.70, 101.87)

# Backend-independent behaviour: one backend is enough (the store paths run on both elsewhere).


@pytest.fixture
def wx(config):
    return WeChatServer.from_config(config)


async def reply(client, wx, xml):
    status, fields, raw = await wx.post(client, PATH, xml)
    assert status == 200, raw
    return fields.get("Content")


async def test_a_location_in_yuanmou_lists_the_yuanmou_window_first(client, wx):
    await load_windows()
    answer = await reply(client, wx, wx.location("u-loc", *YUANMOU, label="元谋县元马镇"))
    assert answer.startswith(texts.NEAREST_HEADER_AT.format(label="元谋县元马镇"))
    lines = answer.splitlines()
    assert lines[1].startswith("1. 元谋县创业服务窗口（元谋县，不到 1 公里）")
    assert [line[:2] for line in lines if line[:1].isdigit()] == ["1.", "2.", "3."]
    assert "2. 永仁县创业服务窗口（永仁县，约 45 公里）" in answer
    assert "演示数据" in answer  # unconfirmed addresses, phones and hours are labelled as demo data
    assert answer.endswith(texts.NEAREST_FOOTER)


@SQLITE_ONLY
async def test_a_location_without_a_label_uses_the_plain_header(client, wx):
    await load_windows()
    answer = await reply(client, wx, wx.location("u-loc2", 25.03, 101.55))
    assert answer.startswith(texts.NEAREST_HEADER + "\n1. 楚雄市创业服务窗口")


@SQLITE_ONLY
async def test_a_location_when_no_window_is_known_says_so(client, wx):
    assert await reply(client, wx, wx.location("u-loc3", *YUANMOU)) == texts.NO_WINDOWS


@SQLITE_ONLY
async def test_a_location_with_unreadable_coordinates_asks_again(client, wx):
    xml = wx.xml("u-loc4", "location", Location_X="北纬", Location_Y="", Scale=15, Label="")
    assert await reply(client, wx, xml) == texts.ASK_LOCATION


async def test_a_reported_location_names_the_nearest_window_once_and_is_remembered(client, wx):
    await load_windows()
    now = int(time.time())
    first = wx.event("u-report", "LOCATION", CreateTime=now, Latitude=YUANMOU[0], Longitude=YUANMOU[1], Precision=30)
    answer = await reply(client, wx, first)
    assert answer.startswith(texts.LOCATION_EVENT_HEADER) and "元谋县创业服务窗口" in answer
    assert "2." not in answer
    again = wx.event("u-report", "LOCATION", CreateTime=now + 5, Latitude=25.03, Longitude=101.55, Precision=30)
    assert await reply(client, wx, again) is None
    remembered = await client.app[K.STORE].get_json(keys.custom("loc:u-report"))
    assert remembered == {"lat": 25.03, "lng": 101.55}


# Not a place on Earth: not a number, infinite, out of range, or missing (issue 7, item 8).
BAD_COORDINATES = [("nan", "101.87"), ("25.70", "NaN"), ("inf", "101.87"), ("-inf", "101.87"), ("25.70", "-Infinity"),
                   ("1e400", "101.87"), ("91", "101.87"), ("-90.5", "101.87"), ("25.70", "181"), ("25.70", "-180.01"),
                   ("", "101.87"), ("25.70", ""), ("0x1p4", "101.87")]


@SQLITE_ONLY
@pytest.mark.parametrize("lat,lng", BAD_COORDINATES)
async def test_a_location_message_off_the_map_asks_for_a_proper_location_without_an_error(client, wx, caplog, lat, lng):
    await load_windows()
    xml = wx.xml("u-loc-bad", "location", Location_X=lat, Location_Y=lng, Scale=15, Label="某地")
    assert await reply(client, wx, xml) == texts.ASK_LOCATION
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("lat,lng", BAD_COORDINATES)
async def test_a_reported_location_off_the_map_is_ignored_and_not_remembered(client, wx, caplog, lat, lng):
    await load_windows()
    now = int(time.time())
    bad = wx.event("u-report-bad", "LOCATION", CreateTime=now, Latitude=lat, Longitude=lng, Precision=30)
    assert await reply(client, wx, bad) is None
    assert await client.app[K.STORE].get_json(keys.custom("loc:u-report-bad")) is None
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    # The next proper report is the first one: it still names the nearest window.
    good = wx.event("u-report-bad", "LOCATION", CreateTime=now + 1, Latitude=YUANMOU[0], Longitude=YUANMOU[1])
    assert "元谋县创业服务窗口" in await reply(client, wx, good)
