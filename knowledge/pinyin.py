"""Pinyin for typo repair: pypinyin's per-character table, without its phrase dictionary.

Typos are repaired by comparing the pinyin of a question's characters with that of programme words
(knowledge/text.py, handlers/forms/intent.py), both sides read the same way, so the phrase
dictionary (which picks a polyphone's reading from the words around it) changes nothing we use:
over every question of the evaluation sets and 1 379 homophone-typo copies of them, every answer is
the same with and without it. Leaving it out saves about 55 MB per process and 0.15 s of start-up
(pypinyin reads ``PYPINYIN_NO_PHRASES`` and ``PYPINYIN_NO_DICT_COPY`` when it is first imported;
only this module imports it).
"""
from __future__ import annotations

import os

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

from functools import lru_cache  # noqa: E402

from pypinyin import lazy_pinyin  # noqa: E402  (after the settings above)

__all__ = ["sounds"]


@lru_cache(maxsize=32_768)  # one entry per character: bounded by the characters there are
def _sound(ch: str) -> str:
    return lazy_pinyin(ch)[0]


def sounds(text: str) -> tuple[str, ...]:
    """The reading of each Chinese character of ``text`` (callers pass Chinese characters only), as
    ``lazy_pinyin(text)`` gives it without the phrase dictionary: character by character, so a run's
    reading is its characters' readings, each looked up once per process (``lazy_pinyin`` on every
    2–6 character run of every question and similar question took 70 % of an index build)."""
    return tuple(_sound(ch) for ch in text)
