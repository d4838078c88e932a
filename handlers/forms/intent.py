"""A request in free phrasing: 「贷款」, 「我想贷款」, 「要贷款咋个整」, 「咋个申请带款嘛」.

The rule, so that questions still reach the knowledge base: a short message is a request when,
once its topic word (``texts.INTENT_TOPICS``; a homophone such as 带款 counts), its "how do I" words
(``INTENT_HOW``: 咋个整, 怎么...), its wishes (``INTENT_WISHES``: 我想, 要, 申请...) and particles
(嘛, 呢, 请...) are taken out, nothing is left. Anything left over (「能贷多少」, 「利息谁出」,
「条件」, 「吗」) is what the user asks about: a question, for the knowledge base.

- a wish alone (「我想贷款」, 「要贷款」) starts the form: ``Intent(form, "start")``;
- the bare topic or a "how do I" (「贷款」, 「咋个申请贷款嘛」) may be either a wish or a question:
  ``Intent(form, "offer")`` asks which, with two options (apply, or learn about the policy).

Pure: no I/O. The exact commands (``texts.FLOW_INTENTS``) are matched before this, by the channel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

from knowledge.pinyin import sounds

from handlers import texts as T

MAX_REQUEST_CHARS = 16  # longer messages say more than a request: the knowledge base answers them
_NOISE = re.compile(r"[\s，,。.？?！!~～、…：:；;\"'“”‘’]")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class Intent:
    form: str
    kind: Literal["start", "offer"]


@lru_cache(maxsize=None)
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _take(text: str, words: Iterable[str]) -> tuple[str, bool]:
    rest, count = _words(tuple(words)).subn("", text)
    return rest, count > 0


def repair_homophones(text: str, words: Iterable[str]) -> str:
    """Each run of Chinese characters that sounds like one of ``words`` but is written otherwise
    (带款, 代款 for 贷款) is rewritten as that word, longest words first."""
    for word in sorted(words, key=len, reverse=True):
        size, sound, i = len(word), sounds(word), 0
        while i + size <= len(text):
            chunk = text[i:i + size]
            if chunk != word and _CJK.match(chunk) and sounds(chunk) == sound:
                text = text[:i] + word + text[i + size:]
            i += 1
    return text


@lru_cache(maxsize=10_000)  # pure (the word lists are constants; Intent is frozen); every text message asks
def classify(text: str) -> Intent | None:
    """The form a short request asks for, and whether to start it or ask first; None for anything
    else (a question above all)."""
    text = _NOISE.sub("", T.norm(text).lower())
    if not text or len(text) > MAX_REQUEST_CHARS:
        return None
    for form, topics in T.INTENT_TOPICS.items():
        rest, named = _take(repair_homophones(text, topics), topics)
        if not named:
            continue
        rest, how = _take(rest, T.INTENT_HOW)
        rest, wish = _take(rest, T.INTENT_WISHES)
        rest, _ = _take(rest, T.INTENT_PARTICLES)
        if rest:
            return None
        return Intent(form, "start" if wish and not how else "offer")
    return None


def offer_options(form: str) -> list[tuple[str, str]]:
    """``[(value, label)]`` of the two-option question, the labels first (they are numbered), then
    the other words that choose each option (for ``handlers.forms.chat.match_option``)."""
    offers = T.INTENT_OFFERS[form]
    return [(value, label) for value, label, _ in offers] + [(value, w) for value, _, words in offers for w in words]


def offer_question(form: str) -> str:
    lines = [T.INTENT_OFFER_QUESTION[form]]
    lines += [f"{n}. {label}" for n, (_, label, _) in enumerate(T.INTENT_OFFERS[form], 1)]
    return "\n".join(lines + [T.INTENT_OFFER_FOOTER])
