"""The knowledge base's answer cache: same answers as without it, per (question, county), and
emptied by every reload (a knowledge version is a new index)."""
import dataclasses
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge import base as kb_base
from knowledge.documents import load_directory

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"
QUESTION = "创业担保贷款最多能贷多少"


@pytest.fixture
def kb():
    _, passages = load_directory(DOCS)
    return KnowledgeBase.from_passages(passages)


def test_a_cached_answer_is_the_uncached_one_and_each_caller_gets_its_own_copy(kb):
    uncached = kb._answer(QUESTION, None, None)
    first, second = kb.answer(QUESTION), kb.answer(QUESTION)
    assert first == uncached and second == uncached and first.confident
    assert first is not second and first.sources is not second.sources
    first.sources.clear()
    first.text = "changed by a caller"
    assert kb.answer(QUESTION) == uncached


def test_the_county_is_part_of_the_key(kb):
    for county in (None, "姚安县", "元谋县"):
        assert kb.answer(QUESTION, county=county) == kb._answer(QUESTION, county, None)
    assert len(kb._answers[1]) == 3


async def test_a_reload_with_new_passages_answers_from_them_at_once(kb):
    before = kb.answer(QUESTION)
    _, passages = load_directory(DOCS)
    target = next(p for p in passages if p.id == before.passage_id)
    changed = [dataclasses.replace(p, text=p.text + "（新版本：最高可贷九十九万元）") if p is target else p
               for p in passages]
    await kb.reload_passages(changed, kb.document_count)  # what a knowledge version bump does
    after = kb.answer(QUESTION)
    assert "九十九万元" in after.text and "九十九万元" not in before.text
    assert after == kb._answer(QUESTION, None, None)


def test_the_cache_is_bounded(kb, monkeypatch):
    monkeypatch.setattr(kb_base, "ANSWER_CACHE_SIZE", 3)
    for i in range(10):
        kb.answer(f"贷款问题{i}")
    assert len(kb._answers[1]) == 3 and ("贷款问题9", None) in kb._answers[1]


def test_answers_with_a_question_vector_are_not_cached(kb):
    kb.answer(QUESTION, query_vector=[1.0, 0.0])
    assert len(kb._answers[1]) == 0
