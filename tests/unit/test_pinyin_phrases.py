"""knowledge/pinyin.py: readings character by character, and pypinyin without its phrase dictionary
(55 MB per process)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from knowledge.pinyin import sounds  # first: it decides how pypinyin loads (no phrases)
from pypinyin import constants as pinyin_tables, lazy_pinyin  # noqa: E402,I001
from tests.support.answers_digest import questions

ROOT = Path(__file__).resolve().parents[2]
RUN = re.compile(r"[\u4e00-\u9fff]+")


def test_the_app_loads_no_phrase_dictionary() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    out = subprocess.run([sys.executable, "-c", "import server.app, pypinyin.constants as c; print(len(c.PHRASES_DICT))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == "0"


def test_a_runs_reading_is_its_characters_readings_as_pypinyin_gives_them() -> None:
    # Every 2–6 character run typo repair looks at, over the evaluation questions and their typo copies.
    runs = {m[i:i + n] for q in questions() for m in RUN.findall(q) for n in range(2, 7) for i in range(len(m) - n + 1)}
    assert len(runs) > 10_000 and pinyin_tables.PHRASES_DICT == {}
    differ = [r for r in runs if sounds(r) != tuple(lazy_pinyin(r))]
    assert differ == []
    assert sounds("贷款") == ("dai", "kuan") and sounds("带款") == sounds("贷款")
