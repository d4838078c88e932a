"""Retrieval accuracy on the evaluation set: `python -m knowledge.evaluate [--verbose]`."""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.base import KnowledgeBase, default_directory

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.yaml"


@dataclass
class Report:
    answerable: int
    top1: int
    top3: int
    confident_right: int
    unanswerable: int
    refused: int
    misses: list[str]

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.answerable if self.answerable else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.answerable if self.answerable else 0.0


def evaluate(kb: KnowledgeBase, path: Path = QUESTIONS) -> Report:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    answerable = top1 = top3 = confident_right = unanswerable = refused = 0
    misses: list[str] = []
    for case in cases:
        if case.get("unanswerable"):
            unanswerable += 1
            refused += not kb.answer(case["q"]).confident
            continue
        answerable += 1
        ids = [h.id for h in kb.search(case["q"], 3)]
        expect = set(case["expect"])
        top1 += bool(ids[:1] and ids[0] in expect)
        top3 += bool(expect & set(ids))
        answer = kb.answer(case["q"])
        confident_right += answer.confident and answer.passage_id in expect
        if not expect & set(ids):
            misses.append(f"{case['q']} → {ids} (want {sorted(expect)})")
    return Report(answerable, top1, top3, confident_right, unanswerable, refused, misses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default=default_directory())
    parser.add_argument("--questions", type=Path, default=QUESTIONS,
                        help="question file (default: the tuning set; knowledge/data/questions_holdout.yaml is held out)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    r = evaluate(KnowledgeBase.load(args.dir), args.questions)
    print(f"questions: {r.answerable} answerable, {r.unanswerable} unanswerable")
    print(f"top-1 accuracy: {r.top1_rate:.1%} ({r.top1}/{r.answerable})")
    print(f"top-3 accuracy: {r.top3_rate:.1%} ({r.top3}/{r.answerable})")
    print(f"confident and right: {r.confident_right}/{r.answerable}")
    print(f"unanswerable refused: {r.refused}/{r.unanswerable}")
    if args.verbose:
        for miss in r.misses:
            print("MISS", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
