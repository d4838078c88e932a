"""Mentor help over the API: profiles, a request in 姚安县 for 电商, matching, assignment, the
mentor notified at the WeChat stand-in, follow-ups and the user's history and rating."""
from __future__ import annotations

import base64
import io
from typing import Any

from openpyxl import Workbook

from chuangye import appkeys as K
from tests.support.api import error_of, login
from tests.support.outbox import drain
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import make_staff, token

API = "/api/v1"
YAOAN = "姚安县"
PROFILE = {"name": "杨丽华", "organisation": "姚安县电商服务中心", "title": "电商讲师", "expertise": ["电商", "营销"],
           "counties": [YAOAN], "phone": "13987650001", "capacity": 2}
REQUEST = {"county": YAOAN, "industry": "电商", "need": "网店刚开，想学怎么推广", "name": "李小梅",
           "phone": "13812345678"}


async def _admin(client: Any, county: str = YAOAN) -> dict[str, str]:
    await make_staff("yaoan_admin", "county", county=county)
    return await token(client, "yaoan_admin")


async def _mentor(client: Any, admin: dict[str, str], **extra: Any) -> int:
    resp = await client.post(f"{API}/staff/mentors", headers=admin, json={**PROFILE, **extra})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["mentor"]["id"]


async def test_a_mentor_profile_is_public_without_its_phone(client: Any) -> None:
    from orm_models import Mentor

    admin = await _admin(client)
    mid = await _mentor(client, admin)
    listed = await (await client.get(f"{API}/mentors?county={YAOAN}&industry=电商")).json()
    assert listed["mentors"] == [{"id": mid, "name": "杨丽华", "organisation": "姚安县电商服务中心", "title": "电商讲师",
                                  "expertise": ["电商", "营销"], "counties": [YAOAN], "team": None, "demo": False}]
    assert "13987650001" not in await (await client.get(f"{API}/mentors")).text()
    staff_list = await (await client.get(f"{API}/staff/mentors", headers=admin)).json()
    assert staff_list["items"][0]["phone"] == "139****0001"
    stored = await Mentor.get(id=mid)
    assert "13987650001" not in stored.phone_enc
    assert (await (await client.get(f"{API}/mentors?county=元谋县")).json())["mentors"] == []


async def test_a_bad_profile_names_each_field_in_chinese(client: Any) -> None:
    admin = await _admin(client)
    resp = await client.post(f"{API}/staff/mentors", headers=admin,
                             json={**PROFILE, "expertise": ["炼丹"], "capacity": 0})
    assert set((await error_of(resp, 422))["fields"]) == {"expertise.0", "capacity"}
    resp = await client.post(f"{API}/staff/mentors", headers=admin, json={**PROFILE, "phone": "123"})
    assert (await error_of(resp, 422))["fields"] == {"phone": "联系电话：应为 11 位中国大陆手机号码，以 13–19 开头"}
    another = await client.post(f"{API}/staff/mentors", headers=admin, json={**PROFILE, "counties": ["元谋县"]})
    assert another.status == 403


async def test_a_user_finds_an_e_commerce_mentor_in_yaoan_and_sees_the_follow_ups(client: Any, config: Any,
                                                                                    standin: Any) -> None:
    from handlers.staff.accounts import create_staff

    admin = await _admin(client)
    mid = await _mentor(client, admin)
    account = await create_staff("mentor_yang", "mentor", "correct-horse-battery", mentor_id=mid)
    account.wechat_openid = "openid-mentor-yang"
    await account.save()
    user, _ = await login(client, "xiaomei")

    made = await client.post(f"{API}/mentor-requests", headers={**user, "Idempotency-Key": "req-1"}, json=REQUEST)
    assert made.status == 201, await made.text()
    rid = (await made.json())["request"]["id"]
    assert (await made.json())["request"]["status"] == "submitted"

    queue = await (await client.get(f"{API}/staff/mentor-requests?status=submitted", headers=admin)).json()
    [row] = queue["requests"]
    assert row["phone"] == "138****5678"
    assert row["suggestions"][0]["mentor_id"] == mid and "擅长电商" in row["suggestions"][0]["reason"]

    assigned = await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={})
    assert assigned.status == 200, await assigned.text()
    assert (await assigned.json())["request"]["mentor"]["name"] == "杨丽华"
    await drain(client.server.app[K.WECHAT], config)
    sent = standin.calls_to("/cgi-bin/message/template/send", ok_only=True)
    assert "openid-mentor-yang" in [c.body["touser"] for c in sent]

    mentor_token = await token(client, "mentor_yang")
    mine = await (await client.get(f"{API}/staff/mentor-requests", headers=mentor_token)).json()
    assert [r["id"] for r in mine["requests"]] == [rid]
    wrote = await client.post(f"{API}/staff/mentor-requests/{rid}/follow-ups", headers=mentor_token,
                              json={"kind": "现场指导", "note": "到店里看了货架，讲了直播带货的做法", "date": "2025-03-03"})
    assert wrote.status == 201, await wrote.text()

    history = await (await client.get(f"{API}/mentor-requests/mine", headers=user)).json()
    [mine_row] = history["requests"]
    assert mine_row["status"] == "assigned" and mine_row["mentor"]["name"] == "杨丽华"
    assert "phone" not in mine_row["mentor"]
    assert [f["kind"] for f in mine_row["follow_ups"]] == ["现场指导"]
    rated = await client.post(f"{API}/mentor-requests/{rid}/rating", headers=user, json={"rating": 5, "comment": "很有帮助"})
    assert rated.status == 200 and (await rated.json())["request"]["rating"] == 5

    stats = await (await client.get(f"{API}/staff/stats", headers=admin)).json()
    guided = {t["key"]: t for t in stats["targets"]}["guided"]
    assert (guided["actual"], guided["target"]) == (1, 200)
    assert stats["mentor_help"] == {"requests": 1, "waiting": 0, "assigned": 1, "follow_ups": 1}
    assert {c["county"]: c["guided"] for c in stats["counties"]}[YAOAN] == 1


async def test_without_bound_wechat_the_mentor_is_told_through_the_wecom_robot(client: Any, make_config: Any,
                                                                                 standin: Any, aiohttp_client: Any) -> None:
    from server.app import create_app

    config = make_config(notify={"wecom_webhook_url": f"{standin.url}/cgi-bin/webhook/send?key=k"})
    client = await aiohttp_client(create_app(config))
    admin = await _admin(client)
    await _mentor(client, admin)
    user, _ = await login(client, "xiaomei")
    rid = (await (await client.post(f"{API}/mentor-requests", headers=user, json=REQUEST)).json())["request"]["id"]
    assert (await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={})).status == 200
    await drain(client.server.app[K.WECHAT], config)
    texts = [str(c.body) for c in standin.calls_to("/cgi-bin/webhook/send", ok_only=True)]
    assert any("杨丽华" in t and "138****5678" in t for t in texts), texts


async def test_other_counties_and_window_staff_cannot_assign(client: Any) -> None:
    admin = await _admin(client)
    await _mentor(client, admin)
    await make_staff("other", "county", county="元谋县")
    other = await token(client, "other")
    user, _ = await login(client, "xiaomei")
    rid = (await (await client.post(f"{API}/mentor-requests", headers=user, json=REQUEST)).json())["request"]["id"]
    assert (await client.get(f"{API}/staff/mentor-requests", headers=other)).status == 200
    assert (await (await client.get(f"{API}/staff/mentor-requests", headers=other)).json())["requests"] == []
    resp = await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=other, json={})
    assert resp.status == 404


async def test_a_full_mentor_is_not_suggested_and_a_second_open_request_is_a_duplicate(client: Any) -> None:
    admin = await _admin(client)
    await _mentor(client, admin, capacity=1)
    first, _ = await login(client, "first")
    second, _ = await login(client, "second")
    r1 = (await (await client.post(f"{API}/mentor-requests", headers=first, json=REQUEST)).json())["request"]["id"]
    again = await client.post(f"{API}/mentor-requests", headers=first, json=REQUEST)
    assert (await error_of(again, 409, ("existing_id",)))["code"] == "duplicate"
    await client.post(f"{API}/mentor-requests", headers=second, json=REQUEST)
    assert (await client.post(f"{API}/staff/mentor-requests/{r1}/assign", headers=admin, json={})).status == 200
    queue = await (await client.get(f"{API}/staff/mentor-requests?status=submitted", headers=admin)).json()
    assert queue["requests"][0]["suggestions"] == []


async def test_a_bad_request_and_a_bad_follow_up_name_the_field(client: Any) -> None:
    user, _ = await login(client, "xiaomei")
    err = await error_of(await client.post(f"{API}/mentor-requests", headers=user,
                                           json={**REQUEST, "phone": "12", "industry": "炼丹"}), 422)
    assert err["fields"]["phone"].startswith("手机号：") and err["fields"]["industry"].startswith("需要指导的领域：")
    admin = await _admin(client)
    err = await error_of(await client.post(f"{API}/staff/mentor-requests/1/follow-ups", headers=admin,
                                           json={"kind": "喝茶", "note": "好", "date": "昨天"}), 422)
    assert set(err["fields"]) == {"kind", "note", "date"}


def _sheet(rows: list[list[Any]]) -> str:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return base64.b64encode(buf.getvalue()).decode()


async def test_a_mentor_sheet_imports_all_rows_or_none(client: Any) -> None:
    from orm_models import Mentor

    admin = await _admin(client)
    header = ["姓名", "工作单位", "职称", "擅长领域", "服务县市", "联系电话", "同时帮扶人数"]
    good = [header, ["张云", "姚安县农业农村局", "农艺师", "高原特色农业、营销", YAOAN, "13900000001", 3],
            ["王芳", "姚安县会计师事务所", "注册会计师", "财务", YAOAN, "13900000002", 5]]
    bad = good + [["李", "", "", "炼丹", "昆明市", "123", 0]]
    resp = await client.post(f"{API}/staff/mentors/import", headers=admin, json={"file": _sheet(bad)})
    err = await error_of(resp, 422)
    assert "第 4 行" in err["fields"]["file"]
    assert not await Mentor.exists()
    resp = await client.post(f"{API}/staff/mentors/import", headers=admin, json={"file": _sheet(good), "demo": True})
    assert resp.status == 201 and (await resp.json())["created"] == 2
    listed = await (await client.get(f"{API}/mentors?industry=财务")).json()
    assert [(m["name"], m["demo"]) for m in listed["mentors"]] == [("王芳", True)]


async def test_the_mentor_ledger_exports_with_full_phones_for_the_county_and_is_audited(client: Any) -> None:
    from openpyxl import load_workbook
    from orm_models import AuditLog

    admin = await _admin(client)
    await _mentor(client, admin)
    user, _ = await login(client, "xiaomei")
    rid = (await (await client.post(f"{API}/mentor-requests", headers=user, json=REQUEST)).json())["request"]["id"]
    await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={})
    resp = await client.get(f"{API}/staff/export/mentor-requests.xlsx", headers=admin)
    assert resp.status == 200
    sheet = load_workbook(io.BytesIO(await resp.read())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "县市", "需要指导的领域")
    assert rows[1][5] == "13812345678" and rows[1][7] == "杨丽华"
    assert await AuditLog.filter(action="export", object_type="mentor-requests").exists()
    detail = await client.get(f"{API}/staff/mentor-requests/{rid}", headers=admin)
    assert (await detail.json())["request"]["phone"] == "13812345678"
    assert await AuditLog.filter(action="view_detail", object_type="mentor_request", object_id=str(rid)).exists()
