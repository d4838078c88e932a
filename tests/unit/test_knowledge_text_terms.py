"""An index build cuts only the passage texts that are new since the last one (Analyzer.text_terms),
and the terms are always those a fresh cut gives."""
from __future__ import annotations

from typing import Any

from knowledge.base import default_directory
from knowledge.documents import load_directory
from knowledge.index import PassageIndex
from knowledge.text import Analyzer


def _counting(analyzer: Analyzer) -> list[str]:
    """The texts the analyzer cuts from now on, in order."""
    cut: list[str] = []
    tokens = analyzer.tokens

    def counted(text: str, **kw: Any) -> list[str]:
        cut.append(text)
        return tokens(text, **kw)

    analyzer.tokens = counted  # type: ignore[method-assign]
    return cut


def _fresh(text: str) -> list[str]:
    a = Analyzer()
    return a.tokens(a.rewrite(text))


def test_a_second_build_of_the_same_passages_cuts_nothing_and_indexes_the_same_terms():
    passages = load_directory(default_directory())[1]
    analyzer = Analyzer()
    first = PassageIndex(passages, analyzer)
    cut = _counting(analyzer)
    second = PassageIndex(passages, analyzer)
    assert cut == []
    assert second.term_sets == first.term_sets and second.heading_sets == first.heading_sets
    assert second.idf == first.idf


def test_only_an_edited_text_is_cut_again_and_its_terms_are_a_fresh_cut():
    analyzer = Analyzer()
    texts = ["创业担保贷款的额度是多少", "个体工商户可以申请", "培训补贴怎么领"]
    assert analyzer.text_terms(texts) == [_fresh(t) for t in texts]
    cut = _counting(analyzer)
    edited = [texts[0], "个体工商户和小微企业可以申请", texts[2]]
    assert analyzer.text_terms(edited) == [_fresh(t) for t in edited]
    assert cut == [analyzer.rewrite(edited[1])]


def test_only_the_last_builds_texts_are_remembered():
    analyzer = Analyzer()
    analyzer.text_terms(["创业担保贷款的额度是多少"])
    analyzer.text_terms(["培训补贴怎么领"])
    cut = _counting(analyzer)
    analyzer.text_terms(["创业担保贷款的额度是多少"])
    assert len(cut) == 1


def test_a_word_added_to_the_shared_dictionary_makes_every_text_be_cut_again():
    analyzer = Analyzer()
    text = "开个绣花坊的补贴"
    before = analyzer.text_terms([text])[0]
    assert "绣花坊" not in before
    Analyzer(extra_synonyms=[("绣花坊", ["绣花铺子"])])  # a staff word: jieba learns it, for every analyzer
    cut = _counting(analyzer)
    after = analyzer.text_terms([text])[0]
    assert cut == [analyzer.rewrite(text)]
    assert "绣花坊" in after and after == _fresh(text)


def test_the_empty_index_a_process_starts_with_forgets_nothing():
    passages = load_directory(default_directory())[1]
    analyzer = Analyzer()
    PassageIndex(passages, analyzer)
    PassageIndex([], analyzer)
    cut = _counting(analyzer)
    PassageIndex(passages, analyzer)
    assert cut == []
