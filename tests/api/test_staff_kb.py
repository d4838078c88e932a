"""Contract §7: staff import, preview, edit, publish, disable and restore knowledge; answers follow
in every process within 5 s; bad files leave nothing behind."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from handlers import clock
from handlers.knowledge_ops import parsers
from orm_models import AuditLog, KbDocument, KbRevision, KbSegment
from tests.support.api import API
from tests.support.kb_files import (TOPIC_FACT, TOPIC_QUESTION, docx_bytes, encrypted_pdf, pdf_bytes, pdf_without_text,
                                    xlsx_bytes)
from tests.support.staff import COUNTY_A, COUNTY_B, make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

TOPIC_MD = f"# 彝绣创业大赛\n\n## 报名时间\n{TOPIC_FACT}\n\n## 奖励\n一等奖1名（测试数据）。\n".encode()


async def _staff(client: Any, role: str = "county", **kw: Any) -> dict[str, str]:
    if role == "county":
        kw.setdefault("county", COUNTY_A)
    name = f"kb_{role}_{kw.get('county') or ''}_{kw.get('window_id') or ''}"
    await make_staff(name, role, **kw)
    return await token(client, name)


async def upload(client: Any, heads: dict[str, str], filename: str, data: bytes, **fields: str) -> Any:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    fields.setdefault("confidence", "已确认")
    for name, value in fields.items():
        form.add_field(name, value)
    return await client.post(f"{API}/staff/kb/documents", data=form, headers=heads)


async def uploaded(client: Any, heads: dict[str, str], filename: str, data: bytes, **fields: str) -> dict[str, Any]:
    resp = await upload(client, heads, filename, data, **fields)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["document"]


async def ask(client: Any, question: str = TOPIC_QUESTION, **extra: Any) -> dict[str, Any]:
    resp = await client.post(f"{API}/ask", json={"question": question, **extra})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def cites(answer: dict[str, Any], document_id: int) -> bool:
    return answer["confident"] and any(s["id"].startswith(f"kb{document_id}#") for s in answer["sources"])


async def within(seconds: float, check: Any) -> float:
    """Poll ``check`` (async, returns bool) until true; the time it took. Fails after ``seconds``."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def _nothing_uploaded() -> None:
    assert await KbDocument.filter(origin="uploaded").count() == 0
    shipped = await KbDocument.filter(origin="shipped").values_list("id", flat=True)
    assert await KbSegment.exclude(document_id__in=shipped).count() == 0
    assert await KbRevision.exclude(document_id__in=shipped).count() == 0
    assert await AuditLog.filter(action="kb_import").count() == 0


@pytest.mark.parametrize("filename,make", [
    ("notice.docx", lambda: docx_bytes([("报名时间", "Heading 1"), (TOPIC_FACT, None)], title="彝绣创业大赛通知")),
    ("qa.xlsx", lambda: xlsx_bytes([["问题", "答案", "依据"], [TOPIC_QUESTION, TOPIC_FACT, "州人社局通知（测试）"]])),
    ("notice.pdf", lambda: pdf_bytes(f"第一章 彝绣创业大赛报名时间\n{TOPIC_FACT}")),
    ("notice.md", lambda: TOPIC_MD),
    ("notice.html", lambda: f"<h1>彝绣创业大赛</h1><h2>报名时间</h2><p>{TOPIC_FACT}</p><script>x()</script>".encode()),
    ("notice.txt", lambda: f"一、彝绣创业大赛报名时间\n{TOPIC_FACT}".encode()),
    ("qa.csv", lambda: f"问题,答案\n{TOPIC_QUESTION},{TOPIC_FACT}\n".encode()),
])
async def test_an_imported_draft_is_previewed_hit_tested_then_answered_once_published(client, filename, make):
    heads = await _staff(client)
    doc = await uploaded(client, heads, filename, make(), issuer="楚雄州人社局", published_on="2026-03-01")
    assert doc["status"] == "draft" and doc["segments"] >= 1
    segments = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/segments", headers=heads)).json())["segments"]
    assert len(segments) == doc["segments"] and any(TOPIC_FACT in s["text"] for s in segments)

    assert not cites(await ask(client), doc["id"])  # a draft never reaches users
    live = await (await client.post(f"{API}/staff/kb/hit-test", json={"question": TOPIC_QUESTION}, headers=heads)).json()
    assert all(h["document_id"] != doc["id"] for h in live["hits"])
    draft = await (await client.post(f"{API}/staff/kb/hit-test", json={"question": TOPIC_QUESTION, "include_drafts": True},
                                     headers=heads)).json()
    assert draft["confident"] and draft["hits"][0]["document_id"] == doc["id"] and TOPIC_FACT in draft["reply"]

    assert (await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)).status == 200
    answer = await ask(client)
    assert cites(answer, doc["id"]) and TOPIC_FACT in answer["answer"]
    assert answer["answer"] == draft["reply"]  # the hit test showed exactly what a user gets
    listed = (await (await client.get(f"{API}/staff/kb/documents", headers=heads)).json())["documents"]
    row = next(d for d in listed if d["id"] == doc["id"])
    assert row["status"] == "published" and row["county"] == COUNTY_A and row["confidence"] == "已确认"
    assert row["version"] == 2 and row["origin"] == "uploaded"
    assert await AuditLog.filter(action__in=["kb_import", "kb_publish"], object_id=str(doc["id"])).count() == 2


@pytest.mark.parametrize("filename,make,status,message", [
    ("virus.exe", lambda: b"MZ\x90\x00", 422, "不支持的文件类型 .exe"),
    ("broken.docx", lambda: b"PK\x03\x04 not a zip" * 10, 422, "文件已损坏，或不是有效的 .docx 文件"),
    ("locked.pdf", encrypted_pdf, 422, "PDF 已加密"),
    ("scan.pdf", pdf_without_text, 422, "PDF 没有文字层（可能是扫描件）"),
    ("empty.txt", lambda: b"", 422, "文件是空的"),
    ("huge.txt", lambda: b"a" * (21 * 1024 * 1024), 413, "20 MB"),
])
async def test_bad_files_are_refused_and_leave_nothing_behind(client, filename, make, status, message):
    heads = await _staff(client)
    resp = await upload(client, heads, filename, make())
    assert resp.status == status, await resp.text()
    assert message in (await resp.json())["error"]["message"]
    await _nothing_uploaded()


async def test_bad_form_fields_are_named_and_nothing_is_stored(client):
    heads = await _staff(client, "prefecture")
    resp = await upload(client, heads, "a.md", TOPIC_MD, confidence="大概", published_on="2026-13-01",
                        source_url="ftp://x", county="火星县")
    assert resp.status == 422
    assert set((await resp.json())["error"]["fields"]) == {"confidence", "published_on", "source_url", "county"}
    await _nothing_uploaded()


async def test_window_staff_may_not_import_and_a_county_may_not_import_for_another(client, config):
    from orm_models import Window
    from tests.support.api import seed_windows_and_courses

    await seed_windows_and_courses()
    window = await Window.filter(county=COUNTY_A).first()
    window_heads = await _staff(client, "window", window_id=window.id)
    assert (await upload(client, window_heads, "a.md", TOPIC_MD)).status == 403
    county_heads = await _staff(client)
    assert (await upload(client, county_heads, "a.md", TOPIC_MD, county=COUNTY_B)).status == 403
    await _nothing_uploaded()


async def test_publishing_reaches_a_second_process_within_5_seconds_and_disabling_stops_it(client, aiohttp_client, config):
    from server.app import create_app

    other = await aiohttp_client(create_app(config))  # another process on the same database
    heads = await _staff(client, "prefecture")
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, title="彝绣创业大赛通知")
    assert not cites(await ask(other), doc["id"])
    assert (await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)).status == 200

    async def other_cites() -> bool:
        return cites(await ask(other), doc["id"])

    await within(5, other_cites)
    assert "彝绣创业大赛通知" in (await ask(other))["sources"][0]["title"]

    assert (await client.post(f"{API}/staff/kb/documents/{doc['id']}/disable", headers=heads)).status == 200

    async def other_stopped() -> bool:
        return not cites(await ask(other), doc["id"])

    await within(5, other_stopped)
    assert not cites(await ask(client), doc["id"])


async def test_an_edit_makes_a_new_version_keeps_the_old_one_and_any_version_can_be_restored(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD)
    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    segments = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/segments", headers=heads)).json())["segments"]
    first = segments[0]
    edited = "彝绣创业大赛每年4月1日至4月30日报名（测试数据，已更正）。"
    resp = await client.patch(f"{API}/staff/kb/segments/{first['id']}", json={"text": edited}, headers=heads)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["document"]["version"] == 3
    assert "4月1日" in (await ask(client))["answer"]

    revisions = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/revisions", headers=heads)).json())["revisions"]
    assert [(r["version"], r["action"]) for r in revisions] == [(3, "segment_edit"), (2, "publish"), (1, "import")]
    old = await KbRevision.get(document_id=doc["id"], version=2)
    assert old.snapshot["segments"][0]["text"] == TOPIC_FACT

    resp = await client.post(f"{API}/staff/kb/documents/{doc['id']}/restore", json={"version": 1}, headers=heads)
    assert resp.status == 200 and (await resp.json())["document"] == {"id": doc["id"], "status": "published", "version": 4}
    assert TOPIC_FACT in (await ask(client))["answer"]
    assert (await KbSegment.get(id=first["id"])).text == TOPIC_FACT  # the same segment, its counts kept
    bad = await client.post(f"{API}/staff/kb/documents/{doc['id']}/restore", json={"version": 99}, headers=heads)
    assert bad.status == 422 and "version" in (await bad.json())["error"]["fields"]

    resp = await client.patch(f"{API}/staff/kb/segments/{first['id']}", json={"enabled": False}, headers=heads)
    assert resp.status == 200
    assert not cites(await ask(client), doc["id"]) or "3月1日" not in (await ask(client))["answer"]
    assert await AuditLog.filter(action__in=["kb_segment_edit", "kb_restore"]).count() == 3


async def test_a_document_past_its_valid_until_is_not_used(client):
    heads = await _staff(client)
    today = clock.today()
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, valid_until=today.isoformat())
    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    assert cites(await ask(client), doc["id"])  # valid through its last day
    clock.clock.freeze(clock.now() + timedelta(days=1))
    try:
        async def stopped() -> bool:
            return not cites(await ask(client), doc["id"])

        await within(5, stopped)  # the next day, with no change made by anyone
        from handlers.knowledge_ops.documents import list_documents  # (the staff token has expired by now)

        assert next(d for d in await list_documents() if d["id"] == doc["id"])["expired"] is True
    finally:
        clock.clock.reset()


async def test_a_county_document_is_preferred_there_and_never_shown_to_other_counties(client):
    pref = await _staff(client, "prefecture")
    wide = await uploaded(client, pref, "wide.md", TOPIC_MD, title="彝绣创业大赛（全州）")
    local_md = TOPIC_MD.replace("3月1日至3月31日".encode(), "5月1日至5月20日".encode())
    local = await uploaded(client, pref, "local.md", local_md, title="彝绣创业大赛（楚雄市）", county=COUNTY_A)
    for d in (wide, local):
        await client.post(f"{API}/staff/kb/documents/{d['id']}/publish", headers=pref)
    assert cites(await ask(client, county=COUNTY_A), local["id"])
    in_b = await ask(client, county=COUNTY_B)
    assert cites(in_b, wide["id"]) and not any(s["id"].startswith(f"kb{local['id']}#") for s in in_b["sources"])
    assert "5月1日" not in in_b["answer"]
    hit = await (await client.post(f"{API}/staff/kb/hit-test", json={"question": TOPIC_QUESTION, "county": COUNTY_B},
                                   headers=pref)).json()
    assert all(h["document_id"] != local["id"] for h in hit["hits"])


async def test_an_unconfirmed_document_is_never_stated_as_fact(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, confidence="未确认")
    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    answer = await ask(client)
    assert cites(answer, doc["id"]) and "以当地人社部门为准" in answer["answer"].split("\n")[0]


async def test_a_confident_answer_counts_as_a_use_of_its_segment(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "a.md", TOPIC_MD)
    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    await ask(client)
    segments = (await (await client.get(f"{API}/staff/kb/documents/{doc['id']}/segments", headers=heads)).json())["segments"]
    assert [s["used_count"] for s in segments] == [1, 0]


def test_the_upload_limit_is_20_mb():
    assert parsers.MAX_BYTES == 20 * 1024 * 1024


async def test_a_multipart_part_whose_header_is_not_valid_is_a_422_not_a_500(client):
    """Found by schemathesis: a part header with bytes HTTP does not allow made aiohttp raise InvalidHeader."""
    heads = await _staff(client, "prefecture")
    boundary = "b0undary"
    body = (f"--{boundary}\r\n".encode() + b'Content-Disposition: form-data; name="a\x06_\xc2\x84"\r\n\r\n[]\r\n'
            + f"--{boundary}\r\n".encode()
            + b'Content-Disposition: form-data; name="file"; filename="a.md"\r\n\r\n' + TOPIC_MD + b"\r\n"
            + f"--{boundary}--\r\n".encode())
    resp = await client.post(f"{API}/staff/kb/documents", data=body,
                             headers={**heads, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status == 422, await resp.text()
    assert "file" in (await resp.json())["error"]["fields"]
    await _nothing_uploaded()
