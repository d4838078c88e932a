"""PATCH /staff/kb/documents/{id}: staff correct a document's metadata after import (文号, 发文单位,
dates, 原文网址, 标题, 可信度, 适用范围, 类别, 末尾提示), renew its 有效期至 and clear its 待核对 mark.
Only what is sent changes; every change is a new version with an audit row, answers follow at once,
a restore brings the earlier metadata back, and an upgrade of a shipped file never overwrites it."""
from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest

from handlers import clock
from handlers.knowledge_ops import sync
from orm_models import AuditLog, KbDocument, KbRevision
from tests.api.test_staff_kb import TOPIC_MD, _staff, ask, cites, uploaded
from tests.support.api import API
from tests.support.staff import COUNTY_A, COUNTY_B
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def edit(client: Any, heads: dict[str, str], document_id: int, **body: Any) -> Any:
    return await client.patch(f"{API}/staff/kb/documents/{document_id}", json=body, headers=heads)


async def edited(client: Any, heads: dict[str, str], document_id: int, **body: Any) -> dict[str, Any]:
    resp = await edit(client, heads, document_id, **body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def listed(client: Any, heads: dict[str, str], document_id: int) -> dict[str, Any]:
    rows = (await (await client.get(f"{API}/staff/kb/documents", headers=heads)).json())["documents"]
    return next(d for d in rows if d["id"] == document_id)


async def test_every_field_can_be_corrected_and_a_partial_patch_changes_only_what_is_sent(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, confidence="未确认", issuer="楚雄州人社局（旧）")
    changes = {"title": "彝绣创业大赛通知（更正）", "issuer": "楚雄市人力资源和社会保障局", "doc_number": "楚人社发〔2026〕3号",
               "published_on": "2026-02-20", "source_url": "https://rsj.cxs.gov.cn/notice/3.html", "confidence": "已确认",
               "valid_until": "2027-12-31", "kind": "tax", "caveat": "具体以楚雄市人社局通知为准。", "needs_check": True}
    row = await edited(client, heads, doc["id"], **changes)
    assert row == await listed(client, heads, doc["id"])  # the same shape as the list's rows
    assert {k: row[k] for k in changes} == changes
    assert row["version"] == 2 and row["staff_edited"] is True and row["county"] == COUNTY_A and row["segments"] == 2
    audit = await AuditLog.get(action="kb_document_edit", object_id=str(doc["id"]))
    assert audit.object_type == "kb_document" and audit.detail == {"version": 2, "changed": list(changes)}

    row = await edited(client, heads, doc["id"], doc_number="楚人社发〔2026〕4号", valid_until=None)
    assert row["doc_number"] == "楚人社发〔2026〕4号" and row["valid_until"] is None and row["version"] == 3
    assert {k: row[k] for k in changes if k not in ("doc_number", "valid_until")} == \
        {k: v for k, v in changes.items() if k not in ("doc_number", "valid_until")}
    last = await AuditLog.filter(action="kb_document_edit").order_by("-id").first()
    assert last.detail == {"version": 3, "changed": ["doc_number", "valid_until"]}

    # The same values again, or nothing at all: no new version, no revision, no audit row.
    for body in ({"doc_number": "楚人社发〔2026〕4号", "title": " 彝绣创业大赛通知（更正） ", "valid_until": None}, {}):
        assert (await edited(client, heads, doc["id"], **body))["version"] == 3
    assert await KbRevision.filter(document_id=doc["id"]).count() == 3
    assert await AuditLog.filter(action="kb_document_edit").count() == 2
    revisions = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/revisions", headers=heads)).json())
    assert [r["action"] for r in revisions["revisions"]] == ["document_edit", "document_edit", "import"]


@pytest.mark.parametrize("body,messages", [
    ({"published_on": "2026-13-01"}, {"published_on": "发布日期"}),
    ({"published_on": "1900-01-01"}, {"published_on": "发布日期应在 2000 至 2099 年之间"}),
    ({"valid_until": "2100-01-01"}, {"valid_until": "有效期至应在 2000 至 2099 年之间"}),
    ({"source_url": "ftp://x.example/a"}, {"source_url": "原文网址应以 http:// 或 https:// 开头"}),
    ({"confidence": "大概"}, {"confidence": "可信度"}),
    ({"confidence": "部分确认"}, {"confidence": "请选择可信度：已确认 或 未确认"}),
    ({"county": "火星县"}, {"county": "适用范围"}),
    ({"kind": "loan"}, {"kind": "文档类别"}),
    ({"title": "  "}, {"title": "标题不能为空"}),
    ({"needs_check": "maybe"}, {"needs_check": "待核对"}),
    ({"published_on": "1999-12-31", "source_url": "www.example.com", "confidence": "大概"},
     {"published_on": "2000 至 2099", "source_url": "原文网址", "confidence": "可信度"}),
])
async def test_bad_fields_are_named_in_chinese_and_nothing_changes(client, body, messages):
    heads = await _staff(client, "prefecture")
    doc = await uploaded(client, heads, "a.md", TOPIC_MD)
    resp = await edit(client, heads, doc["id"], **body)
    assert resp.status == 422, await resp.text()
    fields = (await resp.json())["error"]["fields"]
    assert set(fields) == set(messages), fields
    for name, fragment in messages.items():
        assert fragment in fields[name], fields
    assert (await KbDocument.get(id=doc["id"])).version == 1
    assert await AuditLog.filter(action="kb_document_edit").count() == 0


async def test_the_upload_refuses_a_date_outside_the_years_the_service_accepts(client):
    from tests.api.test_staff_kb import upload

    heads = await _staff(client)
    resp = await upload(client, heads, "a.md", TOPIC_MD, published_on="1900-01-01", valid_until="2200-01-01")
    assert resp.status == 422
    assert (await resp.json())["error"]["fields"] == {"published_on": "发布日期应在 2000 至 2099 年之间",
                                                      "valid_until": "有效期至应在 2000 至 2099 年之间"}


async def test_who_may_edit_which_document_and_an_unknown_id(client, config):
    from orm_models import Window
    from tests.support.api import seed_windows_and_courses

    await seed_windows_and_courses()
    window = await Window.filter(county=COUNTY_A).first()
    window_heads = await _staff(client, "window", window_id=window.id)
    county_heads = await _staff(client)
    pref_heads = await _staff(client, "prefecture")
    own = await uploaded(client, county_heads, "a.md", TOPIC_MD)
    other = await uploaded(client, pref_heads, "b.md", TOPIC_MD, county=COUNTY_B)

    resp = await edit(client, window_heads, own["id"], needs_check=True)
    assert resp.status == 403 and "窗口工作人员" in (await resp.json())["error"]["message"]
    assert (await edit(client, county_heads, other["id"], doc_number="x")).status == 403
    for county in (COUNTY_B, "", None):  # another county, or the whole prefecture
        resp = await edit(client, county_heads, own["id"], county=county)
        assert resp.status == 403, (county, await resp.text())
        assert "县市管理员只能修改本县市的文档" in (await resp.json())["error"]["message"]
    assert (await KbDocument.get(id=own["id"])).county == COUNTY_A
    assert (await edited(client, county_heads, own["id"], county=COUNTY_A))["version"] == 1  # unchanged: fine

    moved = await edited(client, pref_heads, other["id"], county=None)
    assert moved["county"] is None and moved["version"] == 2
    assert (await edited(client, pref_heads, own["id"], county=COUNTY_B))["county"] == COUNTY_B

    resp = await edit(client, pref_heads, 987654, title="不存在")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"
    assert await AuditLog.filter(action="kb_document_edit").count() == 2


async def test_valid_until_in_the_past_stops_answers_at_once_and_a_renewal_brings_them_back(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD)
    assert (await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)).status == 200
    assert cites(await ask(client), doc["id"])

    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    row = await edited(client, heads, doc["id"], valid_until=yesterday)
    assert row["expired"] is True and row["valid_until"] == yesterday
    assert not cites(await ask(client), doc["id"])  # this process reloaded with the change

    renewed = (clock.today() + timedelta(days=365)).isoformat()
    row = await edited(client, heads, doc["id"], valid_until=renewed)
    assert row["expired"] is False and row["status"] == "published"
    assert cites(await ask(client), doc["id"])


async def test_a_restore_brings_back_the_earlier_metadata(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, doc_number="楚人社发〔2026〕1号", confidence="未确认")
    await edited(client, heads, doc["id"], needs_check=True, valid_until="2026-12-31", issuer="楚雄市人社局")  # v2
    await edited(client, heads, doc["id"], needs_check=False, doc_number="楚人社发〔2026〕2号", confidence="已确认",
                 valid_until="2028-06-30", kind="tax", caveat="以税务局为准。")  # v3

    resp = await client.post(f"{API}/staff/kb/documents/{doc['id']}/restore", json={"version": 2}, headers=heads)
    assert resp.status == 200 and (await resp.json())["document"]["version"] == 4
    row = await listed(client, heads, doc["id"])
    assert (row["needs_check"], row["valid_until"], row["issuer"], row["doc_number"], row["confidence"]) == \
        (True, "2026-12-31", "楚雄市人社局", "楚人社发〔2026〕1号", "未确认")
    assert (row["kind"], row["caveat"]) == ("", "")

    await client.post(f"{API}/staff/kb/documents/{doc['id']}/restore", json={"version": 1}, headers=heads)
    row = await listed(client, heads, doc["id"])
    assert (row["needs_check"], row["valid_until"], row["issuer"]) == (False, None, "")


async def test_a_checked_shipped_document_loses_its_mark_and_an_upgrade_of_its_file_keeps_the_edit(client, config,
                                                                                                  tmp_path):
    heads = await _staff(client, "prefecture")
    tax = await KbDocument.get(shipped_key="tax-key-groups")
    assert tax.needs_check and not tax.staff_edited
    row = await edited(client, heads, tax.id, needs_check=False, valid_until="2027-12-31")
    assert (row["needs_check"], row["staff_edited"], row["origin"]) == (False, True, "shipped")
    assert (await listed(client, heads, tax.id))["needs_check"] is False

    # 部分确认 (shipped only) is kept when something else changes, and can become 已确认.
    loan = await KbDocument.get(shipped_key="guaranteed-loan")
    assert loan.confidence == "部分确认"
    row = await edited(client, heads, loan.id, doc_number="财金〔2023〕75号（已核对）", confidence="部分确认")
    assert row["confidence"] == "部分确认" and row["doc_number"] == "财金〔2023〕75号（已核对）"
    assert (await edited(client, heads, loan.id, confidence="已确认"))["confidence"] == "已确认"

    folder = tmp_path / "docs"
    shutil.copytree(config.knowledge.dir, folder)
    path = folder / "09-tax-key-groups.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## 新增小节\n升级带来的新内容（测试）。\n", encoding="utf-8")
    result = await sync.import_shipped(folder)
    assert (result.updated, result.waiting, result.created) == (0, 1, 0)
    row = await listed(client, heads, tax.id)
    assert (row["needs_check"], row["valid_until"], row["upstream_changed"]) == (False, "2027-12-31", True)
