"""Service windows: loading the operator's file, listing, nearest by location, free slots."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise import connections

from chuangye import yamlio
from chuangye.db import fetch_rows
from orm_models import Slot, Window

from handlers.appointments import calendar
from handlers.errors import InvalidInput, NotFound
from handlers.validation import (BOOKING_HORIZON_DAYS, COUNTIES, FieldError, valid_pk, validate_date, validate_latitude,
                                 validate_longitude)
from handlers.clock import TZ
from handlers.last_good import Copy, LastGood

WINDOWS_PATH = Path(__file__).resolve().parents[1] / "data" / "windows.yaml"
_FIELDS = ("name", "county", "address", "phone", "hours", "closed_days", "lat", "lng", "coords_approximate",
           "slot_minutes", "slot_capacity", "is_demo")


@dataclass
class WindowInfo:
    """What both channels show about a window (``distance_km`` only for a location search)."""

    id: int
    name: str
    county: str
    address: str
    phone: str
    hours: dict[str, list[str]]
    hours_text: str
    lat: float
    lng: float
    is_demo: bool
    distance_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("id", "name", "county", "address", "phone", "hours", "hours_text",
                                           "lat", "lng", "is_demo")}
        if self.distance_km is not None:
            d["distance_km"] = self.distance_km
        return d


def _info(w: Window, distance_km: float | None = None) -> WindowInfo:
    text = calendar.hours_text(w.hours)
    if w.is_demo:
        text += "（演示数据，以窗口公布为准）"
    return WindowInfo(w.id, w.name, w.county, w.address, w.phone, w.hours, text, w.lat, w.lng, w.is_demo,
                      None if distance_km is None else round(distance_km, 1))


def read_windows_file(path: str | os.PathLike[str] = WINDOWS_PATH) -> list[dict[str, Any]]:
    """The windows of the file with defaults applied; a county outside the ten is refused."""
    data = yamlio.safe_load(Path(path).read_text(encoding="utf-8"))
    defaults = data.get("defaults") or {}
    rows = []
    for entry in data["windows"]:
        row = {**defaults, **entry}
        if row["county"] not in COUNTIES:
            raise ValueError(f"{path}: window {row['key']}: county {row['county']!r} is not one of the ten")
        row["hours"] = {k: list(v) for k, v in (row.get("hours") or {}).items()}
        calendar.parse_periods([p for v in row["hours"].values() for p in v])  # fails loudly on a typo
        row["closed_days"] = [str(d) for d in row.get("closed_days") or []]
        rows.append(row)
    return rows


async def load_windows(path: str | os.PathLike[str] = WINDOWS_PATH) -> dict[str, int]:
    """Insert or update windows from the file, matched by ``key``: running it twice changes nothing."""
    counts = {"created": 0, "updated": 0}
    for row in read_windows_file(path):
        values = {k: row[k] for k in _FIELDS if k in row}
        window, created = await Window.get_or_create(key=row["key"], defaults=values)
        if created:
            counts["created"] += 1
        elif any(getattr(window, k) != v for k, v in values.items()):
            await window.update_from_dict(values).save()
            counts["updated"] += 1
    return counts


SQL_ACTIVE_WINDOW = 'SELECT * FROM "windows" WHERE "id" = ? AND "is_active" = ?'


async def get_window(window_id: int, using_db: Any = None) -> Window:
    """An active window (NotFound otherwise), read on ``using_db`` (a transaction) if given. The
    statement is written out: every booking reads its window (see booking.py)."""
    rows = await fetch_rows(using_db or connections.get("default"), SQL_ACTIVE_WINDOW, [window_id, True]) \
        if valid_pk(window_id) else []
    if not rows:
        raise NotFound("没有找到该服务窗口")
    return Window._init_from_db(**rows[0])


# Windows change a few times a year (staff edits): while the database is unreachable, the last
# list read is served, so users still find a window's address, phone and hours.
_ACTIVE = LastGood[list[Window]]()


async def window_listing(lat: float | None = None, lng: float | None = None,
                         limit: int | None = None) -> Copy[list[WindowInfo]]:
    """Active windows: in the order of the ten counties, or nearest first (with ``distance_km``)
    when ``lat``/``lng`` are given. ``as_of`` is set when the database was unreachable and the
    last list read was used."""
    rows = await _ACTIVE.read(lambda: Window.filter(is_active=True))
    if lat is None or lng is None:
        ordered = sorted(rows.value, key=lambda w: (COUNTIES.index(w.county) if w.county in COUNTIES else 99, w.id))
        found = [_info(w) for w in ordered]
    else:
        ranked = sorted(((distance_km(lat, lng, w.lat, w.lng), w) for w in rows.value), key=lambda t: (t[0], t[1].id))
        found = [_info(w, d) for d, w in ranked[:max(limit, 0) if limit is not None else None]]
    return Copy(found, rows.as_of)


async def list_windows() -> list[WindowInfo]:
    """All active windows in the order of the ten counties."""
    return (await window_listing()).value


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


async def nearest_windows(lat: float, lng: float, limit: int = 3) -> list[WindowInfo]:
    """Active windows nearest first, each with ``distance_km`` (straight line, rounded).

    InvalidInput naming ``lat``/``lng`` when they are not a place on Earth (NaN, infinite, out of range).
    """
    try:
        lat = validate_latitude(lat)
    except FieldError as exc:
        raise InvalidInput({"lat": str(exc)}) from None
    try:
        lng = validate_longitude(lng)
    except FieldError as exc:
        raise InvalidInput({"lng": str(exc)}) from None
    return (await window_listing(lat, lng, limit)).value


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return validate_date(value)
    except FieldError as exc:
        raise InvalidInput({"date": str(exc)}) from None


def window_day(window: Window, day: date) -> calendar.DayStatus:
    return calendar.day_status(day, window.hours, window.county, window.closed_days)


def window_slot_times(window: Window, day: date) -> list[tuple[datetime, datetime]]:
    return calendar.slot_times(day, window_day(window, day).periods, window.slot_minutes)


async def list_slots(window_id: int, day: date | str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Bookable slots of one day: ``{start, end, capacity, remaining}`` (aware datetimes).

    Empty for a closed day, a past day or a day beyond the booking horizon; slots that have
    started are left out.
    """
    return await _free_slots(await get_window(window_id), _as_date(day), now or datetime.now(TZ))


async def _free_slots(window: Window, day: date, now: datetime) -> list[dict[str, Any]]:
    if day > now.date() + timedelta(days=BOOKING_HORIZON_DAYS):
        return []
    times = [(s, e) for s, e in window_slot_times(window, day) if s > now]
    if not times:
        return []
    taken = {s.start.astimezone(TZ): s for s in await Slot.filter(window_id=window.id, start__in=[s for s, _ in times])}
    out = []
    for start, end in times:
        row = taken.get(start)
        capacity = row.capacity if row else window.slot_capacity
        out.append({"start": start, "end": end, "capacity": capacity,
                    "remaining": max(capacity - (row.booked if row else 0), 0)})
    return out


async def open_days(window_id: int, count: int = 7, now: datetime | None = None) -> list[tuple[date, str]]:
    """The next ``count`` days with free slots, as (date, Chinese label) for the chat's choices."""
    window, now = await get_window(window_id), now or datetime.now(TZ)
    found: list[tuple[date, str]] = []
    for offset in range(BOOKING_HORIZON_DAYS + 1):
        day = now.date() + timedelta(days=offset)
        slots = await _free_slots(window, day, now)
        if any(s["remaining"] > 0 for s in slots):
            found.append((day, f"{day:%m月%d日} {calendar.WEEKDAY_ZH[day.weekday()]}"))
        if len(found) >= count:
            break
    return found
