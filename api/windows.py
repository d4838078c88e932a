"""The ten county service windows and their bookable slots."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from handlers.errors import InvalidInput
from handlers.validation import COUNTIES
from handlers.appointments.windows import list_slots, window_listing

from api.registry import Call, Routes
from api.schemas import Day, DayIn, In, NearQuery, Out, Timestamp, plain

routes = Routes("服务窗口", "十个县市的创业服务窗口、办公时间与可预约时段（地址电话为演示数据时 is_demo 为 true）")

County = Literal[COUNTIES]  # type: ignore[valid-type]


class WindowOut(Out):
    id: int
    name: str
    county: County
    address: str
    phone: str
    hours: dict[str, list[str]] = Field(description="星期（mon..sun）到办公时段列表，如 [\"09:00-12:00\"]；缺少的日子不办公")
    hours_text: str = Field(description="办公时间的中文说明")
    lat: float
    lng: float
    is_demo: bool = Field(description="true 表示地址、电话为演示数据，以窗口公布为准")
    distance_km: float | None = Field(None, description="直线距离（公里），仅按位置查询时提供")


CACHED_AT = ("数据库暂时无法连接时为该副本的读取时间（内容可能不是最新，以窗口公布为准）；"
             "正常情况下为 null")


class WindowList(Out):
    windows: list[WindowOut]
    cached_at: Timestamp | None = Field(None, description=CACHED_AT)


class SlotQuery(In):
    date: DayIn = Field(..., title="日期", description="要预约的日期，YYYY-MM-DD")


class SlotOut(Out):
    start: Timestamp
    end: Timestamp
    capacity: int = Field(description="该时段可接待人数")
    remaining: int = Field(description="剩余名额")


class SlotList(Out):
    window_id: int
    date: Day
    slots: list[SlotOut] = Field(description="当天尚未开始的时段；不办公（节假日、周末）或超出预约范围时为空")


@routes.get("/windows", summary="服务窗口列表（可按距离排序）", query=NearQuery, response=WindowList)
async def windows(call: Call) -> dict:
    lat, lng = call.query.lat, call.query.lng
    if (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        raise InvalidInput({missing: "按位置查找时，纬度 lat 和经度 lng 需同时提供"})
    # Served from the last list read while the database is unreachable: the windows rarely change.
    found = await window_listing(lat, lng, limit=len(COUNTIES) * 10)
    return {"windows": [plain(w) for w in found.value], "cached_at": found.as_of}


@routes.get("/windows/{id}/slots", summary="某窗口某天的可预约时段", query=SlotQuery, response=SlotList)
async def slots(call: Call) -> dict:
    day = call.query.date
    return {"window_id": call.path["id"], "date": day, "slots": await list_slots(call.path["id"], day)}
