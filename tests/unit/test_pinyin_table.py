"""knowledge/pinyin.py: each character's reading from the shipped table, as pypinyin gives it, and no
pypinyin in a worker (10 MB, 65 MB with its phrase dictionary)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # before pypinyin loads: run readings character by character
from pypinyin import constants as pinyin_tables, lazy_pinyin  # noqa: E402

from knowledge.pinyin import FIRST, LAST, TABLE_FILE, sounds  # noqa: E402
from tests.support.answers_digest import questions  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUN = re.compile(r"[\u4e00-\u9fff]+")


def test_every_characters_reading_is_pypinyins() -> None:
    assert len(TABLE_FILE.read_text(encoding="ascii").splitlines()) == LAST - FIRST + 1
    differ = [chr(c) for c in range(FIRST, LAST + 1) if sounds(chr(c)) != (lazy_pinyin(chr(c))[0],)]
    assert differ == []
    assert sounds("贷款") == ("dai", "kuan") and sounds("带款") == sounds("贷款") and sounds("a贷") == ("a", "dai")


def test_a_runs_reading_is_its_characters_readings() -> None:
    # Every 2–6 character run typo repair looks at, over the evaluation questions and their typo copies.
    runs = {m[i:i + n] for q in questions() for m in RUN.findall(q) for n in range(2, 7) for i in range(len(m) - n + 1)}
    assert len(runs) > 10_000 and pinyin_tables.PHRASES_DICT == {}
    assert [r for r in runs if sounds(r) != tuple(lazy_pinyin(r))] == []


def test_a_worker_answering_questions_never_loads_pypinyin() -> None:
    code = ("import sys, server.app\nfrom knowledge import KnowledgeBase\n"
            "kb = KnowledgeBase.load('knowledge/docs')\nassert kb.answer('带款要什么条件').confident\n"
            "from handlers.forms import intent\nintent.classify('我想申请代款')\n"
            "print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"
