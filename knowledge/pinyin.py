"""Pinyin for typo repair: each Chinese character's reading, from a table shipped with the code.

Typos are repaired by comparing the readings of a question's characters with those of programme
words (knowledge/text.py, handlers/forms/intent.py), character by character, both sides read the
same way. ``dict/pinyin.txt`` holds the reading pypinyin gives every character of U+4E00–U+9FFF
(``lazy_pinyin(ch)[0]``, tone marks dropped; "" where it has none, and the character then stands for
itself, as pypinyin does): 20 992 lines made by ``python -m knowledge.pinyin --write``, checked
against pypinyin by tests/unit/test_pinyin_table.py. Reading that table costs 0.2 MB and a few
milliseconds; pypinyin itself would cost each worker 10 MB (65 MB with its phrase dictionary, which
character-by-character reading never uses) and 0.2 s of start-up.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

TABLE_FILE = Path(__file__).resolve().parent / "dict" / "pinyin.txt"
FIRST, LAST = 0x4E00, 0x9FFF  # the characters typo repair looks at ([\u4e00-\u9fff])


@functools.cache
def _readings() -> list[str]:
    readings = TABLE_FILE.read_text(encoding="ascii").split("\n")[:LAST - FIRST + 1]
    if len(readings) != LAST - FIRST + 1:
        raise RuntimeError(f"{TABLE_FILE} is incomplete: run python -m knowledge.pinyin --write")
    # About 480 distinct syllables: one string each, shared by every character that reads so.
    return [sys.intern(r) if r else chr(FIRST + i) for i, r in enumerate(readings)]


def reading(ch: str) -> str | None:
    """The reading of one character of U+4E00–U+9FFF (the character itself where it has none);
    None for any other character, which no run of readings crosses."""
    code = ord(ch)
    return _readings()[code - FIRST] if FIRST <= code <= LAST else None


def sounds(text: str) -> tuple[str, ...]:
    """The reading of each character of ``text`` (characters outside U+4E00–U+9FFF stand for themselves)."""
    return tuple(reading(ch) or ch for ch in text)


def _write() -> None:
    """Make dict/pinyin.txt from pypinyin (a development dependency)."""
    from pypinyin import lazy_pinyin

    readings = []
    for code in range(FIRST, LAST + 1):
        reading = lazy_pinyin(chr(code))[0]
        readings.append("" if reading == chr(code) else reading)
    TABLE_FILE.write_text("\n".join(readings) + "\n", encoding="ascii")
    print(f"{TABLE_FILE}: {len(readings)} characters, {len(set(readings))} readings")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m knowledge.pinyin --write")
    _write()
