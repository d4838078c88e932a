"""The question analysis shortcuts the search uses give the same terms as the plain methods."""
from __future__ import annotations

from knowledge.base import _analyzer

QUESTIONS = ["我是返乡农民工，想贷款开个药膳馆，能贷多少？", "带款要不要担报人", "咋个申请云岭创业贷",
             "今天天气怎么样", "", "ABC 123 贷款"]


def test_one_normalization_gives_the_query_tokens_and_the_content_terms():
    a = _analyzer()
    for q in QUESTIONS:
        assert a.question_terms(q) == (a.tokens(q, query=True), a.content_terms(q))


def test_sub_words_are_a_terms_own_tokens_without_itself_the_same_every_time():
    a = _analyzer()
    for term in ("创业担保贷款", "药膳馆", "贷款", "天气"):
        expected = tuple(p for p in a.tokens(term) if p != term)
        assert a.sub_words(term) == expected == a.sub_words(term)
    assert a.sub_words("创业担保贷款")  # a compound term has parts
