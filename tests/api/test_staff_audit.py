"""The audit log: written for views, exports and decisions, readable by the prefecture, never editable."""
from __future__ import annotations

import pytest

from tests.support.staff import build_world, make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def test_audit_rows_cannot_be_changed_or_deleted(db):
    from handlers.staff import audit
    from orm_models import AuditLog
    from orm_models.staff import AuditLogImmutable

    staff = await make_staff("pref", "prefecture")
    row = await audit.record(staff, "export", "appointments", None, ip="10.0.0.1", detail={"rows": 3})
    row.detail = {"rows": 0}
    with pytest.raises(AuditLogImmutable):
        await row.save()
    with pytest.raises(AuditLogImmutable):
        await row.delete()
    kept = await AuditLog.get(id=row.id)
    assert kept.detail == {"rows": 3} and kept.username == "pref" and kept.ip == "10.0.0.1"


async def test_recorded_decisions_cannot_be_changed_either(db):
    from orm_models import ReviewDecision
    from orm_models.staff import AuditLogImmutable

    decision = await ReviewDecision.create(kind="loan", application_id=1, decision="approved", county="楚雄市")
    decision.decision = "rejected"
    with pytest.raises(AuditLogImmutable):
        await decision.save()


async def test_an_unknown_audit_action_is_a_programming_error(db):
    from handlers.staff import audit

    with pytest.raises(ValueError):
        await audit.record(None, "edited_by_hand")


async def test_the_prefecture_reads_the_audit_log_newest_first_and_filtered(client):
    w = await build_world()
    heads = await token(client, "pref")
    await client.get(f"/api/v1/staff/loan-applications/{w.a.loan.id}", headers=heads)
    await client.get("/api/v1/staff/export/appointments.xlsx", headers=heads)
    body = await (await client.get("/api/v1/staff/audit", headers=heads)).json()
    actions = [i["action"] for i in body["items"]]
    assert actions[:3] == ["export", "view_detail", "login"]
    assert body["items"][0]["action_label"] == "导出" and body["items"][0]["at"].endswith("+08:00")
    only = await (await client.get("/api/v1/staff/audit?action=view_detail", headers=heads)).json()
    assert only["total"] == 1 and only["items"][0]["object_id"] == str(w.a.loan.id)


async def test_there_is_no_endpoint_to_change_or_delete_audit_rows(client):
    await build_world()
    heads = await token(client, "pref")
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        resp = await client.request(method, "/api/v1/staff/audit", headers=heads, json={})
        assert resp.status == 405, method
        resp = await client.request(method, "/api/v1/staff/audit/1", headers=heads, json={})
        assert resp.status == 404, method
