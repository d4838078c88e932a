"""jieba's dictionary kept ready in a plain-data file, held as a trie (knowledge/text.py): the same
dictionary and the same segmentation as jieba's own, in a fifth of the memory, loaded in a millisecond."""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import jieba
import pytest

import knowledge.text as kt
from chuangye import yamlio
from knowledge.documents import read_document
from tests.support.env import ROOT

SAMPLE = "咋个申请创业担保贷款嘛，我想开个民族药膳馆，社保卡丢了咋办"


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("CHUANGYE_CACHE_DIR", str(where))
    return where


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> kt.TrieTokenizer:
    """What ``shared_tokenizer`` makes in a new process, built here from jieba's files. Not this
    process's shared tokenizer: other tests may have taught that one staff words."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("CHUANGYE_CACHE_DIR", str(tmp_path_factory.mktemp("prepared")))
        tokenizer = kt._load_or_build()
    assert isinstance(tokenizer.FREQ, kt.WordTrie) and not tokenizer.FREQ.added
    return tokenizer


def _plain() -> jieba.Tokenizer:
    """jieba's own tokenizer (a dict for FREQ) with the programme's words, added as
    ``shared_tokenizer`` adds them when it has no cache file."""
    plain = kt.with_programme_words(jieba.Tokenizer())
    assert isinstance(plain.FREQ, dict)
    return plain


def _texts() -> list[str]:
    """Every question of the evaluation sets and every passage of the shipped documents."""
    texts = [case["q"] for path in sorted((ROOT / "knowledge" / "data").glob("*.yaml"))
             for case in yamlio.safe_load(path.read_text(encoding="utf-8")) or []]
    for path in sorted((ROOT / "knowledge" / "docs").glob("*.md")):
        texts += [f"{p.title} {p.section}\n{p.text}" for p in read_document(path)[1]]
    assert len(texts) > 800
    return texts


def test_the_saved_dictionary_loads_back_the_same(cache_dir: Path, prepared: kt.TrieTokenizer) -> None:
    built = prepared
    kt._save_dictionary(built)
    assert [p.suffix for p in cache_dir.iterdir()] == [".dict"]
    loaded = kt.TrieTokenizer()
    assert kt._cached_dictionary(loaded)
    assert isinstance(loaded.FREQ, kt.WordTrie) and loaded.FREQ is not built.FREQ
    assert loaded.initialized and loaded.total == built.total
    assert dict(loaded.FREQ.items()) == dict(built.FREQ.items()) and loaded.user_word_tag_tab == built.user_word_tag_tab
    assert list(loaded.cut_for_search(SAMPLE)) == list(built.cut_for_search(SAMPLE))
    assert "创业担保贷款" in loaded.lcut(SAMPLE)  # a programme term (terms.txt) is in it


def test_the_trie_is_jiebas_dictionary_and_cuts_as_jieba_does(prepared: kt.TrieTokenizer) -> None:
    """The same words with the same counts, every prefix as a key with 0, and the same segmentation,
    in both of jieba's modes, with and without its HMM, over every question and passage we have."""
    plain, trie = _plain(), prepared
    assert isinstance(trie.FREQ, kt.WordTrie) and not trie.FREQ.added
    assert len(trie.FREQ) == len(plain.FREQ) and trie.total == plain.total
    assert dict(trie.FREQ.items()) == plain.FREQ
    assert trie.FREQ.get("创业担保") == 0 and "创业担保" in trie.FREQ  # a prefix of 创业担保贷款
    assert trie.FREQ.get("不是一个词嘛") is None and trie.FREQ.get("不是一个词嘛", 1) == 1
    assert "不是一个词嘛" not in trie.FREQ
    with pytest.raises(KeyError):
        trie.FREQ["不是一个词嘛"]
    # Words whose last character is not a word (nor the start of one): the character's weight alone decides
    # whether they are cut whole (华蓥, 兵燹), so 2-character words like them are cut too.
    lone = [w for w, c in plain.FREQ.items() if c and len(w) == 2 and w[1] not in plain.FREQ]
    assert len(lone) > 50
    texts = _texts() + ["".join(lone[i:i + 5]) for i in range(0, len(lone), 5)]
    assert any(trie.get_DAG(t) != {k: [k] for k in range(len(t))} for t in texts)  # the fast path ran
    for text in texts:
        assert list(trie.cut_for_search(text)) == list(plain.cut_for_search(text)), text
        assert trie.lcut(text, HMM=False) == plain.lcut(text, HMM=False), text
        assert trie.get_DAG(text) == plain.get_DAG(text), text


def test_words_added_after_loading_win_over_the_trie(cache_dir: Path, prepared: kt.TrieTokenizer) -> None:
    """A staff word (``Analyzer._synonym_table``), a deleted word and a changed count go beside the
    trie and win over it; segmentation then follows jieba's own again, as with a plain dict."""
    kt._save_dictionary(prepared)
    trie, plain = kt.TrieTokenizer(), _plain()
    assert kt._cached_dictionary(trie)
    text = "我在楚雄开了一家绣花坊，想申请创业担保贷款"
    assert "绣花坊" not in trie.lcut(text)
    for tokenizer in (trie, plain):
        tokenizer.add_word("绣花坊", 30, "n")
        tokenizer.add_word("楚雄", 1)
        tokenizer.del_word("创业担保贷款")  # a programme term, in the trie
    assert trie.FREQ.added["绣花坊"] == 30 and trie.FREQ["创业担保贷款"] == 0 and trie.FREQ["楚雄"] == 1
    assert len(trie.FREQ) == len(plain.FREQ) and trie.total == plain.total
    assert isinstance(trie.get_DAG(text)[0], kt._Ends)  # still the trie's own way, not jieba's lookups
    for sample in [text, SAMPLE] + _texts()[::25]:
        assert list(trie.cut_for_search(sample)) == list(plain.cut_for_search(sample)), sample
        assert trie.lcut(sample, HMM=False) == plain.lcut(sample, HMM=False), sample
        assert trie.get_DAG(sample) == plain.get_DAG(sample), sample
    assert "绣花坊" in trie.lcut(text) and "创业担保贷款" not in trie.lcut(text)
    assert prepared.FREQ.get("绣花坊") is None  # the one it was loaded from is another tokenizer
    kt._save_dictionary(trie)  # a dictionary with words added is not the prepared one: never saved over it
    fresh = kt.TrieTokenizer()
    assert kt._cached_dictionary(fresh) and fresh.FREQ.get("绣花坊") is None


def test_a_damaged_file_is_rebuilt_not_used(cache_dir: Path, caplog: pytest.LogCaptureFixture,
                                            prepared: kt.TrieTokenizer) -> None:
    kt._save_dictionary(prepared)
    path = kt._cache_file()
    assert path is not None
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    assert not kt._cached_dictionary(jieba.Tokenizer())
    path.write_bytes(b"not a header\n")
    caplog.set_level(logging.WARNING, "chuangye.knowledge")
    assert not kt._cached_dictionary(jieba.Tokenizer())
    assert "rebuilding" in caplog.text


def test_a_directory_others_can_write_is_not_used(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    assert kt._cache_file() is None


def test_changed_programme_words_make_another_file(cache_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = kt._cache_file()
    words = tmp_path / "dict"
    shutil.copytree(kt.DICT_DIR, words)
    with open(words / "words.txt", "a", encoding="utf-8") as f:
        f.write("新词汇\n")
    monkeypatch.setattr(kt, "DICT_DIR", words)
    assert kt._cache_file() not in (None, before)


def _fresh_process(code: str) -> str:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip()


def test_a_worker_never_imports_pkg_resources_and_jieba_still_reads_its_own_files() -> None:
    """jieba reads its files with a plain open when pkg_resources is hidden from it (0.15 s of start-up);
    its HMM tables (finalseg, posseg) come from those files."""
    code = ("import sys, server.app, jieba.posseg\nfrom knowledge import KnowledgeBase\n"
            "kb = KnowledgeBase.load('knowledge/docs')\nassert kb.answer('咋个申请贷款嘛').text\n"
            "assert [w for w, _ in jieba.posseg.cut('彝绣')]\n"
            "assert jieba.Tokenizer().cut('我在楚雄开了一家彝绣工坊', HMM=True)\n"
            "print('pkg_resources' in sys.modules)")
    assert _fresh_process(code) == "False"


def test_a_pkg_resources_someone_else_imported_first_is_left_in_place() -> None:
    code = ("import warnings\nwarnings.simplefilter('ignore')\nimport sys, pkg_resources\n"
            "import knowledge.text\nprint(sys.modules.get('pkg_resources') is pkg_resources)")
    assert _fresh_process(code) == "True"
