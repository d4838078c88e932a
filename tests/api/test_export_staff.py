"""台账 exports: real .xlsx files (openpyxl), masked for window staff, full for administrators, audited."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.staff import build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff/export"


async def _sheet(client, username: str, kind: str, query: str = ""):
    resp = await client.get(f"{API}/{kind}.xlsx{query}", headers=await token(client, username))
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await resp.read()))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    about = dict(book["说明"].iter_rows(values_only=True))
    return rows[0], rows[1:], about


async def test_a_window_staff_export_of_loans_is_masked_and_only_their_county(client):
    w = await build_world()
    header, rows, about = await _sheet(client, "win_a", "loan-applications")
    assert header[:7] == ["编号", "县市", "贷款产品", "人员类别", "姓名", "身份证号", "手机号"]
    assert [r[0] for r in rows] == [w.a.loan.id]
    assert rows[0][5] == w.a.id_number[:4] + "*" * 10 + w.a.id_number[-4:]
    assert rows[0][6] == w.a.phone[:3] + "****" + w.a.phone[-4:]
    assert about["个人信息"] == "已脱敏" and about["记录数"] == "1"
    everything = str(rows)
    assert w.a.id_number not in everything and w.b.id_number not in everything and w.a.phone not in everything


async def test_a_county_administrators_export_carries_full_numbers(client):
    w = await build_world()
    _, rows, about = await _sheet(client, "county_a", "training-applications")
    assert [(r[0], r[6], r[7]) for r in rows] == [(w.a.training.id, w.a.id_number, w.a.phone)]
    assert about["个人信息"].startswith("完整")


async def test_the_prefecture_exports_every_countys_appointments(client):
    w = await build_world()
    header, rows, _ = await _sheet(client, "pref", "appointments")
    assert header[:3] == ["编号", "县市", "窗口"]
    assert {r[0] for r in rows} == {w.a.appointment.id, w.b.appointment.id}
    assert {r[1] for r in rows} == {"楚雄市", "元谋县"}


async def test_an_export_filtered_by_status_only_has_that_status(client):
    w = await build_world()
    _, rows, _ = await _sheet(client, "pref", "loan-applications", "?status=approved")
    assert rows == []
    _, rows, _ = await _sheet(client, "pref", "loan-applications", "?status=submitted")
    assert {r[0] for r in rows} == {w.a.loan.id, w.b.loan.id}


async def test_every_export_is_audited_with_its_row_count_and_masking(client):
    from orm_models import AuditLog

    await build_world()
    await _sheet(client, "win_b", "appointments")
    await _sheet(client, "county_a", "loan-applications")
    logs = await AuditLog.filter(action="export").order_by("id")
    assert [(l.username, l.object_type, l.detail["rows"], l.detail["masked"]) for l in logs] == [
        ("win_b", "appointments", 1, True), ("county_a", "loan-applications", 1, False)]


async def test_an_unknown_export_kind_or_status_is_refused(client):
    await build_world()
    heads = await token(client, "pref")
    assert (await client.get(f"{API}/users.xlsx", headers=heads)).status == 404
    bad = await client.get(f"{API}/appointments.xlsx?status=approved", headers=heads)
    assert bad.status == 422 and "status" in (await bad.json())["error"]["fields"]


async def test_the_download_is_named_by_the_ledger_in_chinese_with_an_ascii_fallback(client):
    import re
    from urllib.parse import unquote

    await build_world()
    resp = await client.get(f"{API}/loan-applications.xlsx", headers=await token(client, "pref"))
    disposition = resp.headers["Content-Disposition"]
    assert re.search(r'filename="loan-applications-\d{8}-\d{4}\.xlsx"', disposition), disposition
    display = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert re.fullmatch(r"贷款预申请台账-\d{8}\.xlsx", display), display
