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


def test_everyday_compounds_stay_whole_and_are_not_made_of_programme_words():
    a = _analyzer()
    assert "助学贷款" in a.content_terms("助学贷款怎么申请")
    assert "失业金" in a.content_terms("失业金怎么领")
    assert a.sub_words("信用卡") == () and a.sub_words("失业金") == ()


def test_a_compound_inside_a_longer_word_is_not_cut_out_of_it():
    assert "房贷" not in _analyzer().tokens("除住房贷款以外", query=True)


def test_ge_shui_is_personal_income_tax_but_not_inside_na_ge():
    a = _analyzer()
    assert "个人所得税" in a.normalize("个体户个税能减半吗").split()
    assert "个人所得税" not in a.normalize("先扣哪个税")


def test_a_business_subject_is_recognised_in_a_question_or_inside_one_of_its_words():
    a = _analyzer()
    assert a.names_subject(a.content_terms("个体户增值税按几个点交"))
    assert not a.names_subject(a.content_terms("工资个税怎么算"))
    assert not a.names_subject(a.content_terms("一般纳税人增值税税率是多少"))
