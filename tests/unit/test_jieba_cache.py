"""jieba's dictionary kept ready in a plain-data file (knowledge/text.py): the same dictionary, 3x faster to load."""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import jieba
import pytest

import knowledge.text as kt
from tests.support.env import ROOT

SAMPLE = "咋个申请创业担保贷款嘛，我想开个民族药膳馆，社保卡丢了咋办"


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("CHUANGYE_CACHE_DIR", str(where))
    return where


def test_the_saved_dictionary_loads_back_the_same(cache_dir: Path) -> None:
    built = kt.shared_tokenizer()
    kt._save_dictionary(built)
    assert [p.suffix for p in cache_dir.iterdir()] == [".dict"]
    loaded = jieba.Tokenizer()
    assert kt._cached_dictionary(loaded)
    assert loaded.initialized and loaded.total == built.total
    assert loaded.FREQ == built.FREQ and loaded.user_word_tag_tab == built.user_word_tag_tab
    assert list(loaded.cut_for_search(SAMPLE)) == list(built.cut_for_search(SAMPLE))
    assert "创业担保贷款" in loaded.lcut(SAMPLE)  # a programme term (terms.txt) is in it


def test_a_damaged_file_is_rebuilt_not_used(cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    kt._save_dictionary(kt.shared_tokenizer())
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
