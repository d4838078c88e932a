"""The carrier directory and applications to settle in, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest

from chuangye import pii
from handlers.carriers.applications import apply_to_settle, my_carrier_applications, withdraw_carrier_application
from handlers.carriers.directory import list_carriers, seed_demo_carriers
from handlers.carriers.review import decide_carrier_application
from handlers.errors import DuplicateApplication, InvalidInput, NotAllowed, NotFound
from handlers.users import find_or_create_user
from orm_models import Carrier, CarrierApplication, Notification, ReviewDecision

pytestmark = pytest.mark.backend
YUANMOU = (25.70, 101.87)


def settle(carrier_id: int, **changes: object) -> dict:
    return {"carrier_id": carrier_id, "name": "王小花", "phone": "13812348000", "project": "彝绣文创工作室",
            "team_size": 3, "needs": "20 平方米场地和 3 个工位", **changes}


async def base_near_yuanmou() -> Carrier:
    await seed_demo_carriers()
    (nearest, *_) = await list_carriers(kind="base", lat=YUANMOU[0], lng=YUANMOU[1])
    return await Carrier.get(id=nearest.id)


async def test_the_nearest_base_from_yuanmou_is_yuanmous_and_labelled_demo(db):
    await seed_demo_carriers()
    found = await list_carriers(kind="base", lat=YUANMOU[0], lng=YUANMOU[1])
    assert [c.county for c in found][:1] == ["元谋县"] and found[0].distance_km == 0.0
    assert [c.distance_km for c in found] == sorted(c.distance_km for c in found)
    assert all(c.kind == "base" and c.kind_label == "孵化基地" for c in found)
    assert found[0].demo and "地址待核实" in found[0].address and set(found[0].offers) == {
        "space", "desks", "free_period", "services"}


async def test_seeding_demo_carriers_twice_adds_nothing_and_keeps_staff_edits(db):
    assert await seed_demo_carriers() == 7
    carrier = await Carrier.get(name="元谋县创业孵化基地（演示）")
    await Carrier.filter(id=carrier.id).update(demo=False, contact="0878-0000000")
    assert await seed_demo_carriers() == 0
    assert (await Carrier.get(id=carrier.id)).demo is False


async def test_listing_filters_by_kind_county_and_industry(db):
    await seed_demo_carriers()
    assert {c.kind for c in await list_carriers(kind="village")} == {"village"}
    assert {c.county for c in await list_carriers(county="禄丰市")} == {"禄丰市"}
    assert all("高原特色农业" in c.industries for c in await list_carriers(industry="高原特色农业"))
    with pytest.raises(InvalidInput) as bad:
        await list_carriers(lat=25.7)
    assert bad.value.fields == {"lng": "按位置查找时，纬度 lat 和经度 lng 需同时提供"}
    with pytest.raises(InvalidInput) as bad:
        await list_carriers(lat="nan", lng=101.87)
    assert bad.value.fields == {"lat": "纬度：应为有限的数字"}


async def test_an_application_is_stored_encrypted_in_the_carriers_county(db):
    base = await base_near_yuanmou()
    user = await find_or_create_user("mp", "settler")
    app = await apply_to_settle(user.id, settle(base.id))
    assert (app.status, app.county, app.name_masked, app.phone_masked) == ("submitted", "元谋县", "王**", "138****8000")
    assert pii.decrypt(app.name_enc) == "王小花" and "13812348000" not in app.phone_enc
    assert [a.id for a in await my_carrier_applications(user.id)] == [app.id]


async def test_bad_fields_are_named_in_chinese_and_nothing_is_stored(db):
    user = await find_or_create_user("mp", "settler")
    with pytest.raises(InvalidInput) as bad:
        await apply_to_settle(user.id, settle(999, team_size=0, phone="123"))
    assert set(bad.value.fields) == {"team_size", "phone"}
    assert bad.value.fields["team_size"] == "团队人数：请填写 1–500 之间的整数"
    with pytest.raises(InvalidInput) as bad:
        await apply_to_settle(user.id, settle(999))
    assert bad.value.fields == {"carrier_id": "创业载体：没有找到该创业载体，请重新选择"}
    assert await CarrierApplication.all().count() == 0


async def test_a_second_open_application_to_the_same_carrier_is_refused_until_the_first_closes(db):
    base = await base_near_yuanmou()
    user = await find_or_create_user("mp", "settler")
    first = await apply_to_settle(user.id, settle(base.id))
    with pytest.raises(DuplicateApplication) as dup:
        await apply_to_settle(user.id, settle(base.id, project="另一个项目"))
    assert dup.value.existing_id == first.id and "请勿重复提交" in dup.value.message
    other = await find_or_create_user("oa", "same-person-in-the-official-account")
    with pytest.raises(DuplicateApplication):  # the same phone from another account
        await apply_to_settle(other.id, settle(base.id))
    await withdraw_carrier_application(user.id, first.id)
    again = await apply_to_settle(user.id, settle(base.id))
    assert again.status == "submitted"


async def test_simultaneous_submissions_store_exactly_one(db):
    base = await base_near_yuanmou()
    user = await find_or_create_user("mp", "settler")
    results = await asyncio.gather(*(apply_to_settle(user.id, settle(base.id)) for _ in range(6)),
                                   return_exceptions=True)
    stored = [r for r in results if isinstance(r, CarrierApplication)]
    assert len(stored) == 1 and all(isinstance(r, DuplicateApplication) for r in results if r not in stored)
    assert await CarrierApplication.filter(status="submitted").count() == 1


async def test_a_decision_by_the_carriers_county_notifies_once_and_closes_the_application(db):
    from handlers.staff.accounts import create_staff

    base = await base_near_yuanmou()
    user = await find_or_create_user("mp", "settler")
    app = await apply_to_settle(user.id, settle(base.id))
    other_county = await create_staff("chuxiong", "county", "correct-horse-battery", county="楚雄市")
    with pytest.raises(NotFound):
        await decide_carrier_application(other_county, app.id, "approved")
    admin = await create_staff("yuanmou", "county", "correct-horse-battery", county="元谋县")
    with pytest.raises(InvalidInput) as bad:
        await decide_carrier_application(admin, app.id, "rejected", "")
    assert bad.value.fields == {"note": "不通过时请填写原因，申请人会收到这段说明"}
    row = await decide_carrier_application(admin, app.id, "approved", "欢迎入驻，请带营业执照到基地办理")
    assert row["status"] == "approved" and row["status_label"] == "已同意入驻"
    with pytest.raises(NotAllowed):
        await decide_carrier_application(admin, app.id, "rejected", "重复")
    with pytest.raises(NotAllowed):
        await withdraw_carrier_application(user.id, app.id)
    notices = await Notification.filter(kind="carrier_decided")
    assert len(notices) == 1 and notices[0].payload["application_id"] == app.id
    assert await ReviewDecision.filter(kind="carrier", application_id=app.id).count() == 1
    fresh = await CarrierApplication.get(id=app.id)
    assert fresh.open_user_key is None and fresh.open_phone_key is None
