"""The carrier directory: listed by kind, county and industry, nearest first from a location.

What every channel shows of a carrier (``CarrierInfo``): kind, name, county, the plan's industries,
address, coordinates, what it offers a settler (场地, 工位, 免费期, 服务) and a public contact.
``demo`` marks data operators have not confirmed (演示数据), shown as such, like window addresses.
Carriers hold no personal data: anyone may list them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chuangye import yamlio
from handlers.appointments.windows import distance_km
from handlers.errors import InvalidInput, NotFound
from handlers.validation import COUNTIES, FieldError, valid_pk, validate_latitude, validate_longitude
from orm_models import Carrier
from orm_models.registry import CARRIER_INDUSTRIES as INDUSTRIES
from orm_models.registry import CARRIER_KIND_CODES as KIND_CODES
from orm_models.registry import CARRIER_KINDS
from orm_models.registry import CARRIER_OFFERS as OFFER_KEYS

KIND_OF = {zh: code for code, zh in KIND_CODES.items()}
__all__ = ["INDUSTRIES", "KIND_CODES", "KIND_OF", "OFFER_KEYS", "CarrierInfo", "list_carriers", "get_carrier"]
DEMO_LABEL = "演示数据，以运营方公布为准"


@dataclass
class CarrierInfo:
    id: int
    kind: str  # base | town | community | village
    kind_label: str
    name: str
    county: str
    industries: list[str]
    address: str
    lat: float | None
    lng: float | None
    offers: dict[str, str]
    contact: str
    demo: bool
    distance_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("id", "kind", "kind_label", "name", "county", "industries", "address",
                                             "lat", "lng", "offers", "contact", "demo")}
        if self.distance_km is not None:
            out["distance_km"] = self.distance_km
        return out


def info(c: Carrier, distance: float | None = None) -> CarrierInfo:
    offers = {k: str((c.offers or {}).get(k) or "") for k in OFFER_KEYS}
    return CarrierInfo(c.id, KIND_OF.get(c.kind, c.kind), c.kind, c.name, c.county, list(c.industries or []),
                       c.address, c.lat, c.lng, offers, c.contact, c.demo,
                       None if distance is None else round(distance, 1))


def kind_name(raw: str | None) -> str | None:
    """The registry's Chinese kind for a contract code or a Chinese name (None for none)."""
    if not raw:
        return None
    if raw in KIND_CODES:
        return KIND_CODES[raw]
    if raw in CARRIER_KINDS:
        return raw
    raise InvalidInput({"kind": "载体类型：必须是 base（孵化基地）、town（创业小镇）、community（创业社区）、village（创业村落）之一"})


def _coordinates(lat: Any, lng: Any) -> tuple[float, float] | None:
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        missing = "lng" if lng is None else "lat"
        raise InvalidInput({missing: "按位置查找时，纬度 lat 和经度 lng 需同时提供"})
    errors: dict[str, str] = {}
    try:
        lat = validate_latitude(lat)
    except FieldError as exc:
        errors["lat"] = str(exc)
    try:
        lng = validate_longitude(lng)
    except FieldError as exc:
        errors["lng"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return lat, lng


async def list_carriers(*, kind: str | None = None, county: str | None = None, industry: str | None = None,
                        lat: Any = None, lng: Any = None, limit: int | None = None) -> list[CarrierInfo]:
    """Carriers filtered by kind (code or Chinese), county and industry; in the order of the ten
    counties, or nearest first with ``distance_km`` when ``lat``/``lng`` are given (carriers without
    coordinates come last)."""
    here = _coordinates(lat, lng)
    query = Carrier.all()
    if kind_name(kind):
        query = query.filter(kind=kind_name(kind))
    if county:
        if county not in COUNTIES:
            raise InvalidInput({"county": "所在县市：必须是楚雄州十个县市之一"})
        query = query.filter(county=county)
    rows = [c for c in await query if not industry or industry in (c.industries or [])]
    if here is None:
        rows.sort(key=lambda c: (COUNTIES.index(c.county) if c.county in COUNTIES else 99, c.id))
        found = [info(c) for c in rows]
    else:
        def far(c: Carrier) -> float:
            return distance_km(*here, c.lat, c.lng) if c.lat is not None and c.lng is not None else float("inf")

        ranked = sorted(((far(c), c) for c in rows), key=lambda t: (t[0], t[1].id))
        found = [info(c, None if d == float("inf") else d) for d, c in ranked]
    return found[:limit] if limit is not None else found


async def get_carrier(carrier_id: Any) -> Carrier:
    carrier = await Carrier.get_or_none(id=carrier_id) if valid_pk(carrier_id) else None
    if carrier is None:
        raise NotFound("没有找到该创业载体")
    return carrier


async def carrier_choices(county: str | None) -> list[tuple[int, str]]:
    """(id, label) of a county's carriers, for the chat's choice list."""
    found = await list_carriers(county=county) if county in COUNTIES else []
    return [(c.id, f"{c.name}（{c.kind_label}{'，演示数据' if c.demo else ''}）") for c in found]


DEMO_PATH = Path(__file__).resolve().parents[1] / "data" / "carriers.yaml"


async def seed_demo_carriers(path: Path = DEMO_PATH) -> int:
    """Create the demo carriers of the file that do not exist yet (by kind and name); never updates,
    so staff edits (and confirmations: demo false) stay. Returns how many were created."""
    data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    created = 0
    for entry in data["carriers"]:
        row = {**data.get("defaults", {}), **entry}
        if row["county"] not in COUNTIES:
            raise ValueError(f"{path}: {row['name']}: county {row['county']!r} is not one of the ten")
        defaults = {"county": row["county"], "address": f"{row['county']}{row.pop('seat')}（地址待核实）",
                    "industries": row["industries"], "lat": row["lat"], "lng": row["lng"], "offers": row["offers"],
                    "contact": f"请咨询{row['county']}创业服务窗口", "demo": row["demo"], "note": DEMO_LABEL}
        _, was_created = await Carrier.get_or_create(kind=row["kind"], name=row["name"], defaults=defaults)
        created += was_created
    return created
