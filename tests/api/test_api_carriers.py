"""Contract §8, carrier lines: GET /carriers, POST /carrier-applications (mine, withdraw), POST /staff/carriers,
GET /staff/carrier-applications (detail, decision), the 入驻申请台账 export."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from api.idempotency import HEADER
from handlers.carriers.directory import seed_demo_carriers
from orm_models import AuditLog, CarrierApplication, Notification

from tests.support.api import API, error_of, login
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

CARRIER_KEYS = {"id", "kind", "kind_label", "name", "county", "industries", "address", "lat", "lng", "offers",
                "contact", "demo"}


async def nearest_base(client: Any) -> dict[str, Any]:
    await seed_demo_carriers()
    resp = await client.get(f"{API}/carriers", params={"kind": "base", "lat": "25.70", "lng": "101.87"})
    assert resp.status == 200, await resp.text()
    return (await resp.json())["carriers"][0]


def settle(carrier_id: int, **changes: Any) -> dict[str, Any]:
    return {"carrier_id": carrier_id, "name": "王小花", "phone": "13812348000", "project": "彝绣文创工作室",
            "team_size": 3, "needs": "20 平方米场地和 3 个工位", **changes}


async def test_the_nearest_base_from_yuanmou_is_listed_first_with_what_it_offers(client: Any) -> None:
    base = await nearest_base(client)
    assert CARRIER_KEYS <= set(base) and base["kind"] == "base" and base["county"] == "元谋县"
    assert base["distance_km"] == 0.0 and base["demo"] is True and "地址待核实" in base["address"]
    assert set(base["offers"]) == {"space", "desks", "free_period", "services"}
    everything = (await (await client.get(f"{API}/carriers")).json())["carriers"]
    assert {c["kind"] for c in everything} == {"base", "town", "community", "village"}
    assert all("distance_km" not in c or c["distance_km"] is None for c in everything)


async def test_bad_queries_get_chinese_422s_naming_the_field(client: Any) -> None:
    error = await error_of(await client.get(f"{API}/carriers", params={"kind": "park"}), 422)
    assert set(error["fields"]) == {"kind"}
    error = await error_of(await client.get(f"{API}/carriers", params={"lat": "25.7"}), 422)
    assert error["fields"] == {"lng": "按位置查找时，纬度 lat 和经度 lng 需同时提供"}


async def test_a_user_applies_once_sees_it_and_a_second_open_one_is_refused(client: Any, standin: Any) -> None:
    base = await nearest_base(client)
    headers, _ = await login(client)
    resp = await client.post(f"{API}/carrier-applications", json=settle(base["id"]),
                             headers={**headers, HEADER: "settle-1"})
    assert resp.status == 201, await resp.text()
    app = (await resp.json())["application"]
    assert (app["status"], app["carrier"], app["name"], app["phone"]) == ("submitted", base["name"], "王**", "138****8000")
    replay = await client.post(f"{API}/carrier-applications", json=settle(base["id"]),
                               headers={**headers, HEADER: "settle-1"})
    assert replay.status == 201 and (await replay.json())["application"]["id"] == app["id"]
    error = await error_of(await client.post(f"{API}/carrier-applications", json=settle(base["id"]), headers=headers),
                           409, ("existing_id",))
    assert error["code"] == "duplicate" and error["existing_id"] == app["id"]
    mine = (await (await client.get(f"{API}/carrier-applications/mine", headers=headers)).json())["applications"]
    assert [a["id"] for a in mine] == [app["id"]]
    bad = await error_of(await client.post(f"{API}/carrier-applications", json=settle(base["id"], team_size="很多"),
                                           headers=headers), 422)
    assert bad["fields"] == {"team_size": "团队人数：请填写 1–500 之间的整数"}
    withdrawn = await client.post(f"{API}/carrier-applications/{app['id']}/withdraw", headers=headers)
    assert (await withdrawn.json())["application"]["status"] == "withdrawn"


async def test_staff_of_the_carriers_county_decide_and_the_applicant_is_notified(client: Any, standin: Any) -> None:
    base = await nearest_base(client)
    headers, _ = await login(client)
    app = (await (await client.post(f"{API}/carrier-applications", json=settle(base["id"]),
                                    headers=headers)).json())["application"]
    await make_staff("yuanmou", "county", county="元谋县")
    await make_staff("chuxiong", "county", county="楚雄市")
    mine, theirs = await token(client, "yuanmou"), await token(client, "chuxiong")
    listed = await (await client.get(f"{API}/staff/carrier-applications?status=submitted", headers=mine)).json()
    assert [(a["id"], a["name"], a["phone"], a["pii_masked"]) for a in listed["applications"]] == [
        (app["id"], "王**", "138****8000", True)]
    assert (await (await client.get(f"{API}/staff/carrier-applications", headers=theirs)).json())["total"] == 0
    detail = (await (await client.get(f"{API}/staff/carrier-applications/{app['id']}", headers=mine)).json())
    assert detail["application"]["name"] == "王小花" and detail["application"]["status"] == "reviewing"
    assert await AuditLog.filter(action="view_detail", object_type="carrier", object_id=str(app["id"])).exists()
    resp = await client.post(f"{API}/staff/carrier-applications/{app['id']}/decision", headers=theirs,
                             json={"decision": "approved", "note": ""})
    assert resp.status == 404
    resp = await client.post(f"{API}/staff/carrier-applications/{app['id']}/decision", headers=mine,
                             json={"decision": "approved", "note": "欢迎入驻"})
    assert resp.status == 200 and (await resp.json())["application"]["status"] == "approved"
    assert await Notification.filter(kind="carrier_decided").count() == 1
    again = await client.post(f"{API}/staff/carrier-applications/{app['id']}/decision", headers=mine,
                              json={"decision": "rejected", "note": "重复"})
    assert (await error_of(again, 409))["code"] == "not_allowed"
    mine_now = (await (await client.get(f"{API}/carrier-applications/mine", headers=headers)).json())["applications"]
    assert mine_now[0]["status_text"] == "已同意入驻"
    gone = await client.delete(f"{API}/staff/carriers/{base['id']}", headers=mine)
    assert (await error_of(gone, 409))["message"].endswith("已有入驻申请，不能删除；如已不再接收入驻，请在备注中说明")


async def test_carrier_applications_are_exported_with_the_other_ledgers(client: Any) -> None:
    base = await nearest_base(client)
    headers, _ = await login(client)
    await client.post(f"{API}/carrier-applications", json=settle(base["id"]), headers=headers)
    from handlers.appointments.windows import load_windows
    from orm_models import Window

    await load_windows()
    await make_staff("yuanmou", "county", county="元谋县")
    await make_staff("desk", "window", window_id=(await Window.get(county="元谋县")).id)
    for who, name, phone in (("yuanmou", "王小花", "13812348000"), ("desk", "王**", "138****8000")):
        resp = await client.get(f"{API}/staff/export/carrier-applications.xlsx", headers=await token(client, who))
        assert resp.status == 200
        sheet = load_workbook(io.BytesIO(await resp.read())).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert sheet.title == "入驻申请台账" and rows[0][:3] == ("编号", "县市", "创业载体")
        assert [r[4:6] for r in rows[1:]] == [(name, phone)]
    assert await AuditLog.filter(action="export", object_type="carrier-applications").count() == 2


async def test_staff_add_a_carrier_with_the_contracts_fields_and_answer(client: Any) -> None:
    await make_staff("yuanmou", "county", county="元谋县")
    body = {"kind": "village", "name": "元谋县某创业村落", "county": "元谋县", "industries": ["高原特色农业"],
            "address": "元谋县元马镇", "lat": 25.71, "lng": 101.88,
            "offers": {"space": "闲置村集体用房", "desks": "", "free_period": "1 年", "services": "电商培训"},
            "contact": "0878-0000000"}
    resp = await client.post(f"{API}/staff/carriers", json=body, headers=await token(client, "yuanmou"))
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["carrier"] == {"id": created["id"]} and created["kind"] == "创业村落" and created["demo"] is False
    listed = (await (await client.get(f"{API}/carriers", params={"kind": "village"})).json())["carriers"]
    assert [c["name"] for c in listed] == ["元谋县某创业村落"] and listed[0]["offers"]["free_period"] == "1 年"
    bad = await client.post(f"{API}/staff/carriers", json={**body, "name": "另一个", "lat": None},
                            headers=await token(client, "yuanmou"))
    assert (await error_of(bad, 422))["fields"] == {"lat": "位置：纬度 lat 和经度 lng 需同时填写，或都不填"}
    assert await CarrierApplication.all().count() == 0


async def test_changing_a_carrier_keeps_the_fields_left_out(client: Any) -> None:
    await make_staff("yuanmou", "county", county="元谋县")
    heads = await token(client, "yuanmou")
    body = {"kind": "base", "name": "元谋县某基地", "county": "元谋县", "lat": 25.7, "lng": 101.87,
            "offers": {"space": "500 平方米", "desks": "40 个", "free_period": "", "services": ""}}
    created = await (await client.post(f"{API}/staff/carriers", json=body, headers=heads)).json()
    resp = await client.put(f"{API}/staff/carriers/{created['id']}", headers=heads,
                            json={"kind": "孵化基地", "name": "元谋县某基地", "county": "元谋县", "note": "改过"})
    changed = await resp.json()
    assert resp.status == 200 and changed["note"] == "改过"
    assert (changed["lat"], changed["offers"]["space"]) == (25.7, "500 平方米")


async def test_the_dashboard_counts_applications_and_settlers_but_not_demo_carriers(client: Any) -> None:
    from handlers.reporting.stats import progress_stats

    base = await nearest_base(client)
    headers, _ = await login(client)
    await client.post(f"{API}/carrier-applications", json=settle(base["id"]), headers=headers)
    stats = await progress_stats()
    assert stats["demo_carriers"] == 7
    assert {t["key"]: t["actual"] for t in stats["targets"]}["bases"] == 0  # demo data is no recognised base
    assert {s["key"]: s["count"] for s in stats["carrier_services"]} == {"carrier_applications": 1, "carrier_settled": 0}
    yuanmou = next(c for c in stats["counties"] if c["county"] == "元谋县")
    assert yuanmou["carrier_services"] == {"carrier_applications": 1, "carrier_settled": 0}
