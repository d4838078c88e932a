"""Similar questions (相似问法) of a segment: imported with a document, shown and edited in the console's
segment view, kept in every version, and used to find the segment (never shown in an answer)."""
from __future__ import annotations

from typing import Any

from orm_models import KbDocument, KbRevision
from tests.support.api import API
from tests.support.kb_files import TOPIC_FACT
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.api.test_staff_kb import _staff, ask, cites, uploaded

# Asked the way the sheet's writer expects villagers to ask: no word in common with the fact.
COLLOQUIAL = "绣花比赛哪阵截止"
MD_WITH_QUESTIONS = f"# 彝绣创业大赛\n\n## 报名时间\n{TOPIC_FACT}\n问法：{COLLOQUIAL}｜绣花比赛几号之前报\n".encode()


async def _segments(client: Any, heads: dict[str, str], document_id: int) -> list[dict[str, Any]]:
    resp = await client.get(f"{API}/staff/kb/documents/{document_id}/segments", headers=heads)
    assert resp.status == 200
    return (await resp.json())["segments"]


async def test_imported_similar_questions_find_the_segment_and_never_show_in_the_answer(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "notice.md", MD_WITH_QUESTIONS)
    (segment,) = await _segments(client, heads, doc["id"])
    assert segment["questions"] == [COLLOQUIAL, "绣花比赛几号之前报"] and "问法" not in segment["text"]
    assert not cites(await ask(client, COLLOQUIAL), doc["id"])  # a draft never answers

    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    answer = await ask(client, COLLOQUIAL)
    assert cites(answer, doc["id"]) and "3月1日" in answer["answer"]
    assert COLLOQUIAL not in answer["answer"] and "问法" not in answer["answer"]


async def test_staff_edit_similar_questions_as_a_new_version_that_can_be_restored(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "notice.md", MD_WITH_QUESTIONS)
    await client.post(f"{API}/staff/kb/documents/{doc['id']}/publish", headers=heads)
    (segment,) = await _segments(client, heads, doc["id"])
    new = "刺绣大赛报名截止日子"
    assert not cites(await ask(client, new), doc["id"])

    resp = await client.patch(f"{API}/staff/kb/segments/{segment['id']}",
                              json={"questions": [f" {new} ", new, ""]}, headers=heads)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["segment"]["questions"] == [new] and body["document"]["version"] == 3
    assert cites(await ask(client, new), doc["id"])
    assert not cites(await ask(client, COLLOQUIAL), doc["id"])
    old = await KbRevision.get(document_id=doc["id"], version=2)
    assert old.snapshot["segments"][0]["questions"] == [COLLOQUIAL, "绣花比赛几号之前报"]

    resp = await client.post(f"{API}/staff/kb/documents/{doc['id']}/restore", json={"version": 2}, headers=heads)
    assert resp.status == 200
    (restored,) = await _segments(client, heads, doc["id"])
    assert restored["questions"] == [COLLOQUIAL, "绣花比赛几号之前报"]
    assert cites(await ask(client, COLLOQUIAL), doc["id"])


async def test_too_many_or_too_long_similar_questions_are_named_and_change_nothing(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "notice.md", MD_WITH_QUESTIONS)
    (segment,) = await _segments(client, heads, doc["id"])
    for questions in ([f"问法{n}" for n in range(21)], ["长" * 101]):
        resp = await client.patch(f"{API}/staff/kb/segments/{segment['id']}", json={"questions": questions},
                                  headers=heads)
        assert resp.status == 422, await resp.text()
        fields = (await resp.json())["error"]["fields"]
        assert [k.split(".")[0] for k in fields] == ["questions"] and "相似问法" in next(iter(fields.values()))
    assert (await KbDocument.get(id=doc["id"])).version == 1
    (unchanged,) = await _segments(client, heads, doc["id"])
    assert unchanged["questions"] == [COLLOQUIAL, "绣花比赛几号之前报"]


async def test_window_staff_may_not_edit_similar_questions(client):
    heads = await _staff(client)
    doc = await uploaded(client, heads, "notice.md", MD_WITH_QUESTIONS)
    (segment,) = await _segments(client, heads, doc["id"])
    from orm_models import Window
    from tests.support.api import seed_windows_and_courses
    from tests.support.staff import COUNTY_A

    await seed_windows_and_courses()
    desk = await Window.filter(county=COUNTY_A).first()
    window = await _staff(client, "window", window_id=desk.id)
    resp = await client.patch(f"{API}/staff/kb/segments/{segment['id']}", json={"questions": ["x"]}, headers=window)
    assert resp.status == 403


async def test_the_shipped_documents_carry_their_similar_questions_into_the_database(client):
    heads = await _staff(client, "prefecture")
    shipped = await KbDocument.filter(origin="shipped").order_by("id").first()
    segments = await _segments(client, heads, shipped.id)
    assert segments and all(len(s["questions"]) >= 4 for s in segments)
