"""Dates a client sends are held to the range the service accepts (2000-01-01 to 2099-12-31).

Year 9999 used to overflow in ``day_bounds`` and answer 500; now every date input answers a 422 that
names its field in Chinese, and stores nothing.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import API, error_of, seed_windows_and_courses, window_id
from tests.support.staff import make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

OUT_OF_RANGE = "超出可受理的范围，应在 2000-01-01 至 2099-12-31 之间"


async def _admin(client: Any) -> dict[str, str]:
    await make_staff("pref", "prefecture")
    return await token(client, "pref")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
async def test_the_desk_agenda_of_a_date_out_of_range_is_422_naming_the_date(client: Any, day: str) -> None:
    heads = await _admin(client)
    err = await error_of(await client.get(f"{API}/staff/appointments", params={"date": day}, headers=heads), 422)
    assert err["fields"] == {"date": f"日期：{OUT_OF_RANGE}"}


async def test_the_desk_agenda_accepts_the_last_and_the_first_date_of_the_range(client: Any) -> None:
    heads = await _admin(client)
    for day in ("2099-12-31", "2000-01-01"):
        resp = await client.get(f"{API}/staff/appointments", params={"date": day}, headers=heads)
        assert resp.status == 200, await resp.text()
        assert (await resp.json()) == {"date": day, "appointments": []}


@pytest.mark.parametrize("kind", ["appointments", "loan-applications", "training-applications"])
@pytest.mark.parametrize("field, label", [("since", "起始日期"), ("until", "截止日期")])
async def test_an_export_bounded_by_a_date_out_of_range_is_422_naming_the_field(
        client: Any, kind: str, field: str, label: str) -> None:
    from orm_models import AuditLog

    heads = await _admin(client)
    resp = await client.get(f"{API}/staff/export/{kind}.xlsx", params={field: "9999-12-31"}, headers=heads)
    err = await error_of(resp, 422)
    assert err["fields"] == {field: f"{label}：{OUT_OF_RANGE}"}
    assert await AuditLog.filter(action="export").count() == 0


async def test_slots_of_a_date_out_of_range_are_422_naming_the_date(client: Any) -> None:
    await seed_windows_and_courses()
    wid = await window_id(client)
    err = await error_of(await client.get(f"{API}/windows/{wid}/slots", params={"date": "9999-12-31"}), 422)
    assert err["fields"] == {"date": f"日期：{OUT_OF_RANGE}"}


async def test_a_carrier_recognised_on_a_date_out_of_range_is_422_and_not_stored(client: Any) -> None:
    from orm_models import Carrier

    heads = await _admin(client)
    body = {"kind": "孵化基地", "name": "楚雄创业园", "county": "楚雄市", "recognized_on": "9999-12-31"}
    err = await error_of(await client.post(f"{API}/staff/carriers", json=body, headers=heads), 422)
    assert err["fields"] == {"recognized_on": f"认定日期：{OUT_OF_RANGE}"}
    assert await Carrier.all().count() == 0
