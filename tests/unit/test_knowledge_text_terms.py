"""An index build cuts only the passage texts that are new since the last one (Analyzer.text_terms),
also across processes (the terms saved in the cache directory), and the terms are always those a
fresh cut gives."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

import knowledge.text as kt
from knowledge.base import default_directory
from knowledge.documents import load_directory
from knowledge.index import PassageIndex
from knowledge.text import Analyzer

TEXTS = ["创业担保贷款的额度是多少", "个体工商户可以申请", "培训补贴怎么领"]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory of this test's own: what other tests (or runs) saved never counts here."""
    where = tmp_path / "cache"
    monkeypatch.setenv("CHUANGYE_CACHE_DIR", str(where))
    return where


def _counting(analyzer: Analyzer) -> list[str]:
    """The texts the analyzer cuts from now on, in order (a question it analyses as ``?question``)."""
    cut: list[str] = []
    tokens, question_terms = analyzer.tokens, analyzer.question_terms

    def counted(text: str, **kw: Any) -> list[str]:
        cut.append(text)
        return tokens(text, **kw)

    def counted_question(question: str) -> tuple[list[str], list[str]]:
        cut.append(f"?{question}")
        return question_terms(question)

    analyzer.tokens = counted  # type: ignore[method-assign]
    analyzer.question_terms = counted_question  # type: ignore[method-assign]
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


def test_a_new_analyzer_starts_from_the_terms_the_last_build_saved():
    """As a new process does: its first index build cuts nothing and analyses no similar question."""
    passages = load_directory(default_directory())[1]
    builder = Analyzer()
    cut = _counting(builder)
    first = PassageIndex(passages, builder)
    assert len([c for c in cut if c.startswith("?")]) == len({q for p in passages for q in p.questions}) > 300
    assert kt._terms_file() is not None and kt._terms_file().is_file()
    analyzer = Analyzer()
    cut = _counting(analyzer)
    second = PassageIndex(passages, analyzer)
    assert cut == []
    assert second.term_sets == first.term_sets and second.heading_sets == first.heading_sets
    assert second.question_sets == first.question_sets and second.question_topics == first.question_topics
    assert second.idf == first.idf
    assert [h.passage.id for h in second.search("咋个申请贷款嘛")] == [h.passage.id for h in first.search("咋个申请贷款嘛")]
    edited = [TEXTS[0], "个体工商户和小微企业可以申请"]
    analyzer.text_terms(TEXTS)
    fresh = Analyzer()
    cut = _counting(fresh)
    assert fresh.text_terms(edited) == [_fresh(t) for t in edited]
    assert cut == [fresh.rewrite(edited[1])]  # only the text the saved build did not have


def test_saved_terms_count_only_for_the_same_synonyms_and_dictionary_files(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    Analyzer().text_terms(TEXTS)
    # Staff synonyms (a canonical jieba knows, so the shared dictionary stays as it is)
    staff = Analyzer(extra_synonyms=[("创业担保贷款", ["借创业的钱"])])
    cut = _counting(staff)
    staff.text_terms(TEXTS)
    assert len(cut) == len(TEXTS)
    Analyzer().text_terms(TEXTS)  # the plain analyzer's terms saved again
    # A changed file of the dictionary directory (a new stop word)
    words = tmp_path / "dict"
    shutil.copytree(kt.DICT_DIR, words)
    with open(words / "stopwords.txt", "a", encoding="utf-8") as f:
        f.write("\n领\n")
    with monkeypatch.context() as patched:
        patched.setattr(kt, "DICT_DIR", words)
        changed = Analyzer()
        cut = _counting(changed)
        assert "领" not in changed.text_terms(TEXTS)[2]
        assert len(cut) == len(TEXTS)
    same = Analyzer()
    cut = _counting(same)
    assert "领" in same.text_terms(TEXTS)[2] and len(cut) == len(TEXTS)  # the file held the changed one's


@pytest.mark.parametrize("content", [b"{not json", b'["a list"]', "terms", "questions"])
def test_a_damaged_or_malformed_terms_file_is_not_used_and_is_written_again(content, caplog):
    builder = Analyzer()
    builder.text_terms(TEXTS)
    builder.similar_question_terms(["咋个贷款"])
    path = kt._terms_file()
    saved = json.loads(path.read_bytes())
    assert saved["terms"] and saved["questions"]
    if content == "terms":  # the right key, a text's terms not a list
        saved["terms"][TEXTS[0]] = "创业"
    if content == "questions":  # the right key, a question's analysis not a pair
        saved["questions"]["咋个贷款"] = [["贷款"]]
    if isinstance(content, str):
        content = json.dumps(saved, ensure_ascii=False).encode()
    path.write_bytes(content)
    caplog.set_level(logging.WARNING, "chuangye.knowledge")
    analyzer = Analyzer()
    cut = _counting(analyzer)
    assert analyzer.text_terms(TEXTS) == [_fresh(t) for t in TEXTS]
    assert len(cut) == len(TEXTS)
    assert json.loads(path.read_bytes())["terms"][TEXTS[0]] == _fresh(TEXTS[0])
    assert content == b'["a list"]' or "cutting the texts again" in caplog.text


def test_no_cache_directory_of_our_own_means_cutting_as_before(cache_dir: Path):
    cache_dir.mkdir(mode=0o700)
    cache_dir.chmod(0o777)  # another user could plant terms here
    assert kt._terms_file() is None
    Analyzer().text_terms(TEXTS)
    analyzer = Analyzer()
    cut = _counting(analyzer)
    assert analyzer.text_terms(TEXTS) == [_fresh(t) for t in TEXTS] and len(cut) == len(TEXTS)


def test_a_new_analyzer_after_an_edit_cuts_the_edited_text_and_reads_every_similar_question_saved():
    """A process starting after one passage changed: its first build cuts that passage's text, and
    still takes every similar question's analysis from the file (the save after the cut must not
    cost it the questions' part)."""
    import dataclasses

    passages = load_directory(default_directory())[1]
    PassageIndex(passages, Analyzer())
    edited = [dataclasses.replace(passages[0], text=passages[0].text + "（已更新）"), *passages[1:]]
    analyzer = Analyzer()
    cut = _counting(analyzer)
    PassageIndex(edited, analyzer)
    assert [c for c in cut if c.startswith("?")] == []
    assert len(cut) == 1 and "已更新" in cut[0]
