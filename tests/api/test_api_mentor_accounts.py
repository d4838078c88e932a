"""A mentor's own login: created by an administrator (POST /staff/mentors/{id}/account), bound to the
mentor's WeChat with the one-time code through the official-account callback, then assignments reach
that WeChat; the mentor sees only their own mentees. A team's WeCom robot is told when the mentor has
no WeChat, before the global robot."""
from __future__ import annotations

from typing import Any

from chuangye import appkeys as K
from handlers import texts as T
from tests.support.api import error_of, login
from tests.support.chat import Chat
from tests.support.outbox import WECOM, drain
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import PASSWORD, make_staff, token

API = "/api/v1"
YAOAN = "姚安县"
PROFILE = {"name": "杨丽华", "organisation": "姚安县电商服务中心", "title": "电商讲师", "expertise": ["电商", "营销"],
           "counties": [YAOAN], "capacity": 3}
REQUEST = {"county": YAOAN, "industry": "电商", "need": "网店刚开，想学怎么推广", "name": "李小梅", "phone": "13812345678"}


async def _admin(client: Any, username: str = "yaoan_admin", county: str = YAOAN) -> dict[str, str]:
    await make_staff(username, "county", county=county)
    return await token(client, username)


async def _mentor(client: Any, admin: dict[str, str], **extra: Any) -> int:
    resp = await client.post(f"{API}/staff/mentors", headers=admin, json={**PROFILE, **extra})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["mentor"]["id"]


async def _account(client: Any, admin: dict[str, str], mid: int, username: str = "yang_lihua") -> Any:
    return await client.post(f"{API}/staff/mentors/{mid}/account", headers={**admin, "Idempotency-Key": f"acct-{mid}"},
                             json={"username": username, "password": PASSWORD})


async def _request(client: Any, openid: str, **extra: Any) -> int:
    user, _ = await login(client, openid)
    made = await client.post(f"{API}/mentor-requests", headers=user, json={**REQUEST, **extra})
    assert made.status == 201, await made.text()
    return (await made.json())["request"]["id"]


async def test_an_account_made_in_the_api_binds_wechat_by_code_and_the_assignment_reaches_that_wechat(
        client: Any, config: Any, standin: Any) -> None:
    from orm_models import AuditLog, Mentor, StaffAccount

    admin = await _admin(client)
    mid = await _mentor(client, admin)
    made = await _account(client, admin, mid)
    assert made.status == 201, await made.text()
    body = await made.json()
    assert body["account"]["username"] == "yang_lihua" and body["account"]["role"] == "mentor"
    assert body["account"]["display_name"] == "杨丽华" and body["account"]["county"] is None  # county lists stay empty
    code = body["bind_code"]["code"]
    assert len(code) == 6 and f"「绑定 {code}」" in body["bind_code"]["instruction"]
    account = await StaffAccount.get(username="yang_lihua")
    assert (await Mentor.get(id=mid)).account_id == account.id
    assert await AuditLog.filter(action="create_account", object_type="mentors", object_id=str(mid)).exists()
    listed = await (await client.get(f"{API}/staff/mentors", headers=admin)).json()
    assert listed["items"][0]["has_account"] is True

    again = await client.post(f"{API}/staff/mentors/{mid}/account", headers=admin,
                              json={"username": "yang2", "password": PASSWORD})
    assert (await error_of(again, 409))["message"] == f"导师杨丽华（编号 {mid}）已有登录账号 yang_lihua，不能再新建"
    assert not await StaffAccount.filter(username="yang2").exists()

    reply = await Chat(client, config, "o-mentor-yang").say(f"绑定 {code}")
    assert reply == T.BIND_OK.format(name="杨丽华", role="创业导师", where="")
    mentor_login = await token(client, "yang_lihua")
    me = await (await client.get(f"{API}/staff/me", headers=mentor_login)).json()
    assert (me["role"], me["role_label"], me["wechat_bound"], me["full_pii"]) == ("mentor", "创业导师", True, False)

    rid = await _request(client, "xiaomei")
    assert (await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={})).status == 200
    await drain(client.server.app[K.WECHAT], config)
    sent = standin.calls_to("/cgi-bin/message/template/send", ok_only=True)
    assert "o-mentor-yang" in [c.body["touser"] for c in sent]
    assert not standin.calls_to(WECOM)


async def test_only_administrators_of_the_mentors_counties_create_the_account_and_bad_fields_are_named(
        client: Any) -> None:
    admin = await _admin(client)
    mid = await _mentor(client, admin)
    other = await _admin(client, "yuanmou_admin", "元谋县")
    await make_staff("pref", "prefecture")
    resp = await _account(client, other, mid)
    assert (await error_of(resp, 403))["message"] == "县市管理员只能为本县市（元谋县）的导师开通登录账号"
    assert (await client.post(f"{API}/staff/mentors/99999/account", headers=admin,
                              json={"username": "x_y", "password": PASSWORD})).status == 404
    bad = await client.post(f"{API}/staff/mentors/{mid}/account", headers=admin,
                            json={"username": "杨 丽华!", "password": "short"})
    fields = (await error_of(bad, 422))["fields"]
    assert fields == {"username": "用户名必填，只能包含字母、数字、下划线、点和横线，最长 64 个字符",
                      "password": "密码至少 10 个字符"}
    taken = await client.post(f"{API}/staff/mentors/{mid}/account", headers=admin,
                              json={"username": "yaoan_admin", "password": PASSWORD})
    assert (await error_of(taken, 422))["fields"] == {"username": "用户名 yaoan_admin 已被使用"}
    pref = await token(client, "pref")
    assert (await _account(client, pref, mid)).status == 201


async def test_a_mentor_sees_only_their_own_mentees_and_writes_follow_ups_on_them(client: Any) -> None:
    admin = await _admin(client)
    mine = await _mentor(client, admin)
    theirs = await _mentor(client, admin, name="王芳")
    assert (await _account(client, admin, mine)).status == 201
    r_mine = await _request(client, "u1")
    r_theirs = await _request(client, "u2")
    r_waiting = await _request(client, "u3")
    for rid, mid in ((r_mine, mine), (r_theirs, theirs)):
        resp = await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={"mentor_id": mid})
        assert resp.status == 200, await resp.text()

    mentor = await token(client, "yang_lihua")
    listed = await (await client.get(f"{API}/staff/mentor-requests", headers=mentor)).json()
    assert [r["id"] for r in listed["requests"]] == [r_mine]
    assert listed["requests"][0]["phone"] == "138****5678"
    detail = await client.get(f"{API}/staff/mentor-requests/{r_mine}", headers=mentor)
    assert (await detail.json())["request"]["phone"] == "13812345678"  # their mentee's phone, audited
    for rid in (r_theirs, r_waiting):
        assert (await client.get(f"{API}/staff/mentor-requests/{rid}", headers=mentor)).status == 404
        resp = await client.post(f"{API}/staff/mentor-requests/{rid}/follow-ups", headers=mentor,
                                 json={"kind": "其他", "note": "电话回访", "date": "2025-03-03"})
        assert resp.status == 404
    wrote = await client.post(f"{API}/staff/mentor-requests/{r_mine}/follow-ups", headers=mentor,
                              json={"kind": "政策咨询", "note": "讲了创业担保贷款的条件", "date": "2025-03-03"})
    assert wrote.status == 201 and (await wrote.json())["follow_up"]["author_role"] == "mentor"
    assert (await client.post(f"{API}/staff/mentor-requests/{r_waiting}/assign", headers=mentor, json={})).status == 403
    profiles = await (await client.get(f"{API}/staff/mentors", headers=mentor)).json()
    assert [m["id"] for m in profiles["items"]] == [mine]
    assert (await client.post(f"{API}/staff/mentors/{theirs}/account", headers=mentor,
                              json={"username": "wang_fang", "password": PASSWORD})).status == 403
    loans = await (await client.get(f"{API}/staff/loan-applications", headers=mentor)).json()
    assert loans["applications"] == []


async def test_a_teams_robot_gets_the_notice_when_the_mentor_has_no_wechat_and_its_key_is_never_listed(
        make_config: Any, standin: Any, aiohttp_client: Any) -> None:
    from server.app import create_app

    config = make_config(notify={"wecom_webhook_url": f"{standin.url}{WECOM}?key=global-key"})
    client = await aiohttp_client(create_app(config))
    admin = await _admin(client)
    team_url = f"{standin.url}{WECOM}?key=team-secret-0042"
    bad = await client.post(f"{API}/staff/guidance-teams", headers=admin,
                            json={"name": "姚安县电商指导队", "county": YAOAN, "wecom_webhook_url": "http://example.com/hook?key=1"})
    assert (await error_of(bad, 422))["fields"]["wecom_webhook_url"].startswith("企业微信群机器人地址：应为以 https:// 开头")
    made = await client.post(f"{API}/staff/guidance-teams", headers=admin,
                             json={"name": "姚安县电商指导队", "county": YAOAN, "wecom_webhook_url": team_url})
    assert made.status == 201, await made.text()
    team = await made.json()
    assert "team-secret-0042" not in await made.text()
    assert team["wecom_webhook_url"].endswith("?key=********0042") and team["has_wecom_webhook"] is True
    listing = await client.get(f"{API}/staff/guidance-teams", headers=admin)
    assert "team-secret" not in await listing.text()
    # An edit form that sends the masked address back keeps the stored one.
    kept = await client.put(f"{API}/staff/guidance-teams/{team['id']}", headers=admin,
                            json={"name": "姚安县电商指导队", "county": YAOAN, "wecom_webhook_url": team["wecom_webhook_url"]})
    assert kept.status == 200, await kept.text()

    await _mentor(client, admin, team=team["id"])
    rid = await _request(client, "xiaomei")
    assert (await client.post(f"{API}/staff/mentor-requests/{rid}/assign", headers=admin, json={})).status == 200
    await drain(client.server.app[K.WECHAT], config)
    calls = standin.calls_to(WECOM, ok_only=True)
    assert [c.query["key"] for c in calls] == ["team-secret-0042"]
    assert "杨丽华" in str(calls[0].body) and "138****5678" in str(calls[0].body)
    from orm_models import Notification

    rows = await Notification.filter(kind="mentor_assigned").exclude(channel="event")
    assert [(r.channel, r.recipient) for r in rows] == [("wecom", f"team:{team['id']}")]  # never the key

    cleared = await client.put(f"{API}/staff/guidance-teams/{team['id']}", headers=admin,
                               json={"name": "姚安县电商指导队", "county": YAOAN, "wecom_webhook_url": ""})
    assert (await cleared.json())["has_wecom_webhook"] is False
