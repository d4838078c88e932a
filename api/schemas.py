"""Shared pieces of the API's request and response models."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, ValidationInfo, WithJsonSchema,
                      field_validator)

from handlers.validation import DATE_RANGE_REASON, date_in_range, validate_latitude, validate_longitude

TZ = ZoneInfo("Asia/Shanghai")


def to_shanghai(value: datetime) -> str:
    """ISO 8601 in Asia/Shanghai with its +08:00 offset (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(TZ).isoformat()


Timestamp = Annotated[
    datetime,
    PlainSerializer(to_shanghai, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2025-03-03T09:00:00+08:00"]}),
]
Day = Annotated[
    date,
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2025-03-03"]}),
]


def _accepted_day(value: date) -> date:
    if not date_in_range(value):
        raise ValueError(DATE_RANGE_REASON)
    return value


# A date a client sends (query or body): only the range the service accepts, so that day arithmetic
# never overflows (9999-12-31 would); outside it, a 422 naming the field.
DayIn = Annotated[Day, AfterValidator(_accepted_day)]


# A database id (IntField is 32-bit on PostgreSQL): larger values would fail in the database.
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class Out(BaseModel):
    """Base of response models: built from dicts or ORM objects, nothing unexpected let through."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")


class In(BaseModel):
    """Base of request models: unknown fields are ignored, strings are trimmed."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NearQuery(In):
    """A position on Earth to sort by distance (both or neither); NaN, infinities and values out of
    range are refused by the chat's own validators, so both channels say the same."""

    lat: float | None = Field(None, title="纬度", description="用户所在纬度（与 lng 同时提供时按距离从近到远排序）",
                              ge=-90, le=90)
    lng: float | None = Field(None, title="经度", description="用户所在经度", ge=-180, le=180)

    @field_validator("lat", "lng", mode="before")
    @classmethod
    def _on_earth(cls, value: object, info: ValidationInfo) -> float | None:
        if value is None:
            return None
        return validate_latitude(value) if info.field_name == "lat" else validate_longitude(value)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str]
    existing_id: int | None = Field(None, description="duplicate 时：已有的那条记录的编号（仅部分接口返回）")


class ErrorBody(BaseModel):
    """Every error: a code for programs, a Chinese message for people, and per-field reasons."""

    error: ErrorDetail


def plain(value: Any) -> Any:
    """Dataclasses and ORM rows as dicts, for ``model_validate``."""
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value
