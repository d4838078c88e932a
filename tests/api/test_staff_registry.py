"""Registries (创业载体, 指导团队, 创业导师): validation in Chinese, county limits, audit, dashboard counts."""
from __future__ import annotations

import pytest

from tests.support.staff import COUNTY_A, COUNTY_B, make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff"


async def _admins(client):
    await make_staff("county_a", "county", county=COUNTY_A)
    await make_staff("pref", "prefecture")
    return await token(client, "county_a"), await token(client, "pref")


async def test_a_county_administrator_registers_a_carrier_and_the_dashboard_counts_it(client):
    from orm_models import AuditLog

    county, pref = await _admins(client)
    resp = await client.post(f"{API}/carriers", headers=county, json={
        "kind": "创业小镇", "name": "彝人古镇创业小镇", "county": COUNTY_A, "recognized_on": "2024-10-15"})
    assert resp.status == 201
    body = await resp.json()
    assert body["recognized_on"] == "2024-10-15" and body["created_at"].endswith("+08:00")
    listed = await (await client.get(f"{API}/carriers?kind=创业小镇", headers=pref)).json()
    assert [c["name"] for c in listed["items"]] == ["彝人古镇创业小镇"]
    stats = await (await client.get(f"{API}/stats", headers=pref)).json()
    assert {t["key"]: t["actual"] for t in stats["targets"]}["towns"] == 1
    assert await AuditLog.filter(action="registry_change", object_type="carriers").count() == 1


@pytest.mark.parametrize("body, field, message", [
    ({"kind": "孵化基地", "name": "X", "county": COUNTY_A}, "name", "名称：至少 2 个字符"),
    ({"kind": "孵化基地", "name": "楚雄孵化园"}, "county", "所在县市：不能为空，请填写"),
    ({"kind": "创业公园", "name": "楚雄孵化园", "county": COUNTY_A}, "kind", None),
    ({"kind": "孵化基地", "name": "楚雄孵化园", "county": "昆明市"}, "county", None),
    ({"kind": "孵化基地", "name": "楚雄孵化园", "county": COUNTY_A, "recognized_on": "去年"}, "recognized_on", None),
])
async def test_a_bad_carrier_names_the_field_and_stores_nothing(client, body, field, message):
    from orm_models import Carrier

    _, pref = await _admins(client)
    resp = await client.post(f"{API}/carriers", headers=pref, json=body)
    assert resp.status == 422
    fields = (await resp.json())["error"]["fields"]
    assert field in fields
    if message:
        assert fields[field] == message
    assert not await Carrier.exists()


async def test_a_duplicate_name_is_refused_in_chinese(client):
    _, pref = await _admins(client)
    body = {"kind": "创业村落", "name": "元马镇创业村", "county": COUNTY_B}
    assert (await client.post(f"{API}/carriers", headers=pref, json=body)).status == 201
    again = await client.post(f"{API}/carriers", headers=pref, json=body)
    assert again.status == 422
    assert (await again.json())["error"]["fields"]["name"] == "名称：已有同名的创业载体「元马镇创业村」"


async def test_a_county_administrator_cannot_register_for_another_county_or_the_prefecture(client):
    county, _ = await _admins(client)
    other = await client.post(f"{API}/guidance-teams", headers=county, json={"name": "元谋县指导团队", "county": COUNTY_B})
    assert other.status == 403
    assert (await other.json())["error"]["message"] == f"县市管理员只能登记和修改本县市（{COUNTY_A}）的信息"
    prefecture_level = await client.post(f"{API}/mentors", headers=county, json={"name": "州级导师"})
    assert prefecture_level.status == 403


async def test_mentors_join_a_team_and_an_unknown_team_is_refused(client):
    _, pref = await _admins(client)
    team = await (await client.post(f"{API}/guidance-teams", headers=pref, json={"name": "州级创业导师团"})).json()
    assert team["county"] is None
    ok = await client.post(f"{API}/mentors", headers=pref, json={"name": "杨明", "team_id": team["id"],
                                                                  "expertise": ["中彝医药+创业"]})
    assert ok.status == 201 and (await ok.json())["team_id"] == team["id"]
    assert (await ok.json())["team"] == "州级创业导师团"
    bad = await client.post(f"{API}/mentors", headers=pref, json={"name": "杨明", "team_id": 999})
    assert bad.status == 422
    assert (await bad.json())["error"]["fields"]["team"] == "所属指导团队：「999」不存在，请先在「登记」中登记该团队"


async def test_an_entry_is_changed_and_removed(client):
    county, _ = await _admins(client)
    made = await (await client.post(f"{API}/mentors", headers=county, json={"name": "李华", "county": COUNTY_A})).json()
    changed = await client.put(f"{API}/mentors/{made['id']}", headers=county,
                               json={"name": "李华", "county": COUNTY_A, "organization": "楚雄师范学院"})
    assert changed.status == 200 and (await changed.json())["organization"] == "楚雄师范学院"
    assert (await client.delete(f"{API}/mentors/{made['id']}", headers=county)).status == 200
    assert (await client.delete(f"{API}/mentors/{made['id']}", headers=county)).status == 404
