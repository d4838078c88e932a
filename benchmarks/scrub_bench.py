"""What masking a chat line costs (``chuangye.pii.scrub``), with and without its digit-run check.

    python -m benchmarks.scrub_bench [--rounds 5]

Every message's transcript line and reply goes through ``scrub``. This times it over what a
transcript holds: every evaluation question (knowledge/data) and the bot's answer to each (the
shipped knowledge base), against running its two patterns on every text as it did before the
check (the same result: tests/api/test_security_pii.py). Prints µs per text, best of ``--rounds``.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

from benchmarks.segment_bench import _questions
from chuangye import pii


def _both_patterns(text: str) -> str:
    text = pii._ID_TEXT.sub(lambda m: pii.mask_id(pii._plain(m).upper()), text)
    return pii._MOBILE_TEXT.sub(lambda m: pii.mask_phone(pii._plain(m)[-11:]), text)


def _per_text_us(scrub: Callable[[str], str], texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            scrub(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    from knowledge import KnowledgeBase

    kb = KnowledgeBase.load("knowledge/docs")
    questions = _questions()
    answers = [kb.answer(q).text for q in questions]
    rounds = max(1, min(args.rounds, 50))
    print(f"{len(questions)} questions, {len(answers)} answers (mean {sum(map(len, answers)) / len(answers):.0f} "
          "characters)")
    for label, texts in (("questions", questions), ("answers", answers)):
        before, now = _per_text_us(_both_patterns, texts, rounds), _per_text_us(pii.scrub, texts, rounds)
        print(f"  {label:<10} both patterns always {before:6.2f} µs   scrub {now:6.2f} µs   ({before / now:.1f}× faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
