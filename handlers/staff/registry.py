"""Registries staff maintain (载体, 指导团队, 创业导师) so the dashboard counts real entries.

Who may change what: county administrators their own county's entries, the prefecture
administrator everything (including prefecture-level teams and mentors without a county);
window staff and mentors' own logins may read only. Every change is audited. Invalid input names the field and stores
nothing.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from handlers.staff import audit
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.staff.auth import Forbidden
from handlers.clock import local
from handlers.validation import COUNTIES, FieldError, validate_latitude, validate_longitude
from orm_models import Carrier, GuidanceTeam, StaffAccount
from orm_models.registry import CARRIER_INDUSTRIES, CARRIER_KIND_CODES, CARRIER_KINDS, CARRIER_OFFERS

KINDS: dict[str, type[Model]] = {"carriers": Carrier, "guidance-teams": GuidanceTeam}  # mentors: handlers/mentors
LABELS = {"carriers": "创业载体", "guidance-teams": "指导团队"}
FIELDS = {
    "carriers": ("kind", "name", "county", "address", "recognized_on", "note", "industries", "lat", "lng", "offers",
                 "contact", "demo"),
    "guidance-teams": ("name", "county", "leader", "note", "wecom_webhook_url"),
}
WEBHOOK_MAX = 500
MSG_WEBHOOK = ("企业微信群机器人地址：应为以 https:// 开头的完整地址（含 key），"
               "即群机器人的完整 webhook 地址（含 key）")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def mask_webhook(url: str | None) -> str | None:
    """A robot address as listings show it: the key (and any other query value) masked but its last 4."""
    if not url:
        return None
    parts = urlsplit(url)
    query = "&".join(f"{k}={'*' * 8}{v[-4:] if len(v) > 8 else ''}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def clean_webhook(raw: Any, stored: str | None) -> str | None:
    """A team's robot address: https (http only to this machine, for the local stand-in) with a key.

    The masked form a listing showed, sent back unchanged by an edit form, keeps the stored address;
    "" or null removes it. Raises FieldError naming the field.
    """
    if raw in (None, ""):
        return None
    url = str(raw).strip()
    if stored and url == mask_webhook(stored):
        return stored
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if len(url) > WEBHOOK_MAX or not (parts.scheme == "https" or local) or not parts.hostname or parts.fragment \
            or any(c.isspace() for c in url) or not dict(parse_qsl(parts.query)).get("key"):
        raise FieldError(MSG_WEBHOOK)
    return url

COUNTY_REQUIRED = {"carriers"}


def to_dict(kind: str, obj: Any) -> dict[str, Any]:
    out = {name: getattr(obj, name) for name in FIELDS[kind]}
    out.update(id=obj.id, created_at=local(obj.created_at), updated_at=local(obj.updated_at))
    if kind == "guidance-teams":  # never in full: the key lets anyone post to the group
        out.update(wecom_webhook_url=mask_webhook(obj.wecom_webhook_url), has_wecom_webhook=bool(obj.wecom_webhook_url))
    if kind == "carriers":  # contract §8: POST /staff/carriers answers {carrier: {id}} (beside the flat entry)
        codes = {zh: code for code, zh in CARRIER_KIND_CODES.items()}
        out.update(kind_code=codes.get(obj.kind, ""), carrier={"id": obj.id})
    return out


async def list_entries(kind: str, *, county: str | None = None, carrier_kind: str | None = None) -> list[dict[str, Any]]:
    """All entries of a registry (they hold no personal data, so every role may read them)."""
    query = KINDS[kind].all()
    if county:
        query = query.filter(county=county)
    if carrier_kind and kind == "carriers":
        query = query.filter(kind=carrier_kind)
    return [to_dict(kind, o) for o in await query.order_by("county", "id")]


def _may_write(staff: StaffAccount, county: str | None) -> None:
    if staff.role == "window":
        raise Forbidden("窗口工作人员只能查看登记信息，新增或修改请联系县市管理员")
    if staff.role not in ("county", "prefecture"):  # a mentor's own login reads only
        raise Forbidden("只有县市管理员、州级管理员可以登记和修改登记信息")
    if staff.role == "county" and county != staff.county:
        raise Forbidden(f"县市管理员只能登记和修改本县市（{staff.county}）的信息")


async def _clean(kind: str, data: dict[str, Any], stored: Any = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    webhook = None
    if kind == "guidance-teams":
        try:
            webhook = clean_webhook(data.get("wecom_webhook_url"), getattr(stored, "wecom_webhook_url", None))
        except FieldError as exc:
            errors["wecom_webhook_url"] = str(exc)
    name = str(data.get("name") or "").strip()
    if not 2 <= len(name) <= 100:
        errors["name"] = "名称：请填写 2 到 100 个字"
    county = data.get("county") or None
    if county is not None and county not in COUNTIES:
        errors["county"] = "所在县市：必须是楚雄州十个县市之一"
    elif county is None and kind in COUNTY_REQUIRED:
        errors["county"] = "所在县市：请选择"
    if kind == "carriers":
        data = {**data, "kind": CARRIER_KIND_CODES.get(data.get("kind"), data.get("kind"))}  # base -> 孵化基地
        if data.get("kind") not in CARRIER_KINDS:
            errors["kind"] = "载体类型：必须是 " + "、".join(CARRIER_KINDS)
        errors.update(_carrier_errors(data))
    if errors:
        raise InvalidInput(errors)
    clean = {f: data.get(f) for f in FIELDS[kind] if f in data}
    clean.update(name=name, county=county)
    if kind == "guidance-teams":
        clean["wecom_webhook_url"] = webhook
    if kind == "carriers":
        clean.update(kind=CARRIER_KIND_CODES.get(data["kind"], data["kind"]), industries=list(data.get("industries") or []),
                     offers={k: str(v or "").strip() for k, v in (data.get("offers") or {}).items()},
                     demo=bool(data.get("demo", False)))
        for axis in ("lat", "lng"):
            if clean.get(axis) is not None:
                clean[axis] = float(clean[axis])
    for text in ("address", "note", "leader", "expertise", "organization", "contact"):
        if text in clean:
            clean[text] = str(clean[text] or "").strip()
    if isinstance(clean.get("recognized_on"), str):
        clean["recognized_on"] = date.fromisoformat(clean["recognized_on"])
    return clean


def _carrier_errors(data: dict[str, Any]) -> dict[str, str]:
    """The carrier directory's fields: industries from the plan, both coordinates or neither, offers."""
    errors: dict[str, str] = {}
    industries = data.get("industries") or []
    if not isinstance(industries, list) or any(i not in CARRIER_INDUSTRIES for i in industries):
        errors["industries"] = "产业方向：请从以下选项中选择：" + "、".join(CARRIER_INDUSTRIES)
    lat, lng = data.get("lat"), data.get("lng")
    if (lat is None) != (lng is None):
        errors["lng" if lng is None else "lat"] = "位置：纬度 lat 和经度 lng 需同时填写，或都不填"
    for name, check in (("lat", validate_latitude), ("lng", validate_longitude)):
        if data.get(name) is not None:
            try:
                check(data[name])
            except FieldError as exc:
                errors[name] = str(exc)
    offers = data.get("offers") or {}
    if not isinstance(offers, dict) or set(offers) - set(CARRIER_OFFERS):
        errors["offers"] = "入驻条件：只能填写 " + "、".join(f"{k}（{v}）" for k, v in CARRIER_OFFERS.items())
    elif any(len(str(v or "")) > 200 for v in offers.values()):
        errors["offers"] = "入驻条件：每项最多 200 个字"
    return errors


async def create_entry(staff: StaffAccount, kind: str, data: dict[str, Any], *, ip: str | None = None) -> dict[str, Any]:
    clean = await _clean(kind, data)
    _may_write(staff, clean["county"])
    try:
        obj = await KINDS[kind].create(**clean, created_by_id=staff.id)
    except IntegrityError:
        raise InvalidInput({"name": f"名称：已有同名的{LABELS[kind]}「{clean['name']}」"}) from None
    await audit.record(staff, "registry_change", kind, obj.id, ip=ip, detail={"op": "create", "name": obj.name})
    return to_dict(kind, obj)


async def _get(kind: str, entry_id: int) -> Any:
    obj = await KINDS[kind].get_or_none(id=entry_id)
    if obj is None:
        raise NotFound(f"没有找到编号为 {entry_id} 的{LABELS[kind]}")
    return obj


async def update_entry(staff: StaffAccount, kind: str, entry_id: int, data: dict[str, Any], *,
                       ip: str | None = None) -> dict[str, Any]:
    """Replace the editable fields of an entry (fields left out keep their value)."""
    obj = await _get(kind, entry_id)
    _may_write(staff, obj.county)
    merged = {**{f: getattr(obj, f) for f in FIELDS[kind]}, **data}
    clean = await _clean(kind, merged, obj)
    _may_write(staff, clean["county"])
    for field, value in clean.items():
        setattr(obj, field, value)
    try:
        await obj.save()
    except IntegrityError:
        raise InvalidInput({"name": f"名称：已有同名的{LABELS[kind]}「{clean['name']}」"}) from None
    await audit.record(staff, "registry_change", kind, obj.id, ip=ip, detail={"op": "update", "name": obj.name})
    return to_dict(kind, obj)


async def delete_entry(staff: StaffAccount, kind: str, entry_id: int, *, ip: str | None = None) -> None:
    obj = await _get(kind, entry_id)
    _may_write(staff, obj.county)
    try:
        await obj.delete()
    except IntegrityError:  # a carrier that people applied to settle in: their records keep it
        raise NotAllowed(f"「{obj.name}」已有入驻申请，不能删除；如已不再接收入驻，请在备注中说明") from None
    await audit.record(staff, "registry_change", kind, entry_id, ip=ip, detail={"op": "delete", "name": obj.name})
