"""Retrieval quality and speed: `python -m knowledge.evaluate [--heldout] [--scale 20] [--verbose]`.

- the default question set is the tuning set (knowledge/data/questions.yaml);
- `--heldout` uses the sets written before tuning and never tuned on: heldout_answerable.yaml
  and out_of_scope.yaml (the regression guard of tests/unit/test_knowledge_eval.py);
- `--scale N` replicates the corpus N× with perturbed copies (sentences dropped and shuffled, a
  county in the title), to see whether ranking and confidence hold up as the knowledge grows; a hit
  on a copy counts as a hit on its original;
- timing: p50/p99 per query of `search` (retrieval) and of `answer` (retrieval and composition).
"""
from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from knowledge.base import KnowledgeBase, default_directory
from knowledge.documents import Passage, load_directory

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS = DATA / "questions.yaml"
HELDOUT = DATA / "heldout_answerable.yaml"
OUT_OF_SCOPE = DATA / "out_of_scope.yaml"
COPY_MARK = "~"
COUNTIES = ("楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县")
_SENTENCE = re.compile(r"(?<=[。；！？\n])")


@dataclass
class Report:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    top3_raw: int = 0
    confident: int = 0
    confident_right: int = 0
    out_of_scope: int = 0
    confident_out_of_scope: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    bluffs: list[str] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    first_search_ms: list[float] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.answerable if self.answerable else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.answerable if self.answerable else 0.0

    @property
    def precision(self) -> float:
        """Share of confident answers (to answerable questions) that use an expected passage."""
        return self.confident_right / self.confident if self.confident else 1.0

    # Kept for callers of the first version of this module.
    @property
    def unanswerable(self) -> int:
        return self.out_of_scope

    @property
    def refused(self) -> int:
        return self.out_of_scope - self.confident_out_of_scope


def original_id(passage_id: str) -> str:
    """The id of the passage a perturbed copy was made from (itself for an original)."""
    doc, _, section = passage_id.partition("#")
    return f"{doc.split(COPY_MARK)[0]}#{section}"


def load_cases(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def evaluate(kb: KnowledgeBase, path: Path = QUESTIONS, out_of_scope: Path | None = None,
             scale: int = 1) -> Report:
    """Cases with `expect` are answerable; `unanswerable: true` cases and the out_of_scope file are not."""
    cases = load_cases(path) + [dict(c, unanswerable=True) for c in (load_cases(out_of_scope) if out_of_scope else [])]
    r = Report()
    for case in cases:
        q = case["q"]
        t0 = time.perf_counter()
        hits = kb.search(q, 3)
        t1 = time.perf_counter()
        answer = kb.answer(q)
        t2 = time.perf_counter()
        raw = [original_id(h.id) for h in hits]
        # Copies of one passage (at --scale N) are one answer: rank the distinct originals.
        ids = list(dict.fromkeys(original_id(s.passage.id) for s in kb._index.search(q, 3 * scale)))[:3] \
            if scale > 1 else raw
        r.search_ms.append((t1 - t0) * 1000)
        r.answer_ms.append((t2 - t1) * 1000)
        if case.get("unanswerable"):
            r.out_of_scope += 1
            if answer.confident:
                r.confident_out_of_scope += 1
                r.bluffs.append(f"{q} → {answer.passage_id} ({answer.score:.2f})")
            continue
        r.answerable += 1
        expect = set(case["expect"])
        r.top1 += bool(ids[:1] and ids[0] in expect)
        r.top3 += bool(expect & set(ids))
        r.top3_raw += bool(expect & set(raw))
        if not expect & set(ids):
            r.misses.append(f"{q} → {ids} (want {sorted(expect)})")
        if answer.confident:
            r.confident += 1
            if answer.passage_id and original_id(answer.passage_id) in expect:
                r.confident_right += 1
            else:
                r.wrong.append(f"{q} → {answer.passage_id} (want {sorted(expect)})")
    return r


def perturbed_copies(passages: list[Passage], factor: int) -> list[Passage]:
    """The passages plus factor-1 perturbed copies of each: the same topics written again, as
    county versions would be (a sentence in three dropped, the rest shuffled). Deterministic."""
    out = list(passages)
    for k in range(1, factor):
        for p in passages:
            rng = random.Random(f"{p.id}{COPY_MARK}{k}")
            sentences = [s for s in _SENTENCE.split(p.text) if s.strip()]
            kept = [s for s in sentences if rng.random() >= 1 / 3] or sentences[:1]
            rng.shuffle(kept)
            doc_id = f"{p.doc_id}{COPY_MARK}{k}"
            out.append(replace(p, id=f"{doc_id}#{p.section}", doc_id=doc_id,
                               title=f"{p.title}（{COUNTIES[k % len(COUNTIES)]}）", text="".join(kept)))
    return out


def scaled_knowledge_base(directory: str, factor: int) -> KnowledgeBase:
    count, passages = load_directory(directory)
    return KnowledgeBase.from_passages(perturbed_copies(passages, factor), document_count=count * factor,
                                       directory=directory)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def timed(kb: KnowledgeBase, path: Path, out_of_scope: Path | None, rounds: int, scale: int = 1) -> Report:
    """Evaluate once for the figures and the first-pass timing (question caches cold), then `rounds`
    more times for the steady timings."""
    report = evaluate(kb, path, out_of_scope, scale)
    report.first_search_ms = report.search_ms
    search_ms: list[float] = []
    answer_ms: list[float] = []
    for _ in range(rounds):
        again = evaluate(kb, path, out_of_scope, scale)
        search_ms += again.search_ms
        answer_ms += again.answer_ms
    if rounds:
        report.search_ms, report.answer_ms = search_ms, answer_ms
    return report


def format_report(r: Report, kb: KnowledgeBase, factor: int) -> str:
    lines = [
        f"corpus: {kb.document_count} documents, {kb.passage_count} passages (scale {factor}×)",
        f"answerable: {r.answerable}  top-1 {r.top1_rate:.1%} ({r.top1}/{r.answerable})"
        f"  top-3 {r.top3_rate:.1%} ({r.top3}/{r.answerable})"
        + (f"  [top-3 counting copies separately: {r.top3_raw}/{r.answerable}]" if factor > 1 else ""),
        f"confident answers: {r.confident}/{r.answerable}, right: {r.confident_right}/{r.confident}"
        f" ({r.precision:.1%})",
        f"out-of-scope: {r.out_of_scope}  confident (bluffs): {r.confident_out_of_scope}",
        f"search per query: p50 {percentile(r.search_ms, 50):.2f} ms  p99 {percentile(r.search_ms, 99):.2f} ms"
        f"   answer per query: p50 {percentile(r.answer_ms, 50):.2f} ms  p99 {percentile(r.answer_ms, 99):.2f} ms"
        f"  ({len(r.search_ms)} queries)",
        f"search, first pass (caches cold): p50 {percentile(r.first_search_ms, 50):.2f} ms"
        f"  p99 {percentile(r.first_search_ms, 99):.2f} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=default_directory())
    parser.add_argument("--questions", type=Path, default=None, help="question file (default: the tuning set)")
    parser.add_argument("--out-of-scope", type=Path, default=None, help="extra file of out-of-scope questions")
    parser.add_argument("--heldout", action="store_true",
                        help="the held-out sets: heldout_answerable.yaml and out_of_scope.yaml (never tune on them)")
    parser.add_argument("--scale", type=int, default=1, help="replicate the corpus N× with perturbed copies")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds over the question set")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    questions = args.questions or (HELDOUT if args.heldout else QUESTIONS)
    out_of_scope = args.out_of_scope or (OUT_OF_SCOPE if args.heldout else None)
    factor = max(1, args.scale)
    kb = scaled_knowledge_base(args.dir, factor) if factor > 1 else KnowledgeBase.load(args.dir)
    r = timed(kb, questions, out_of_scope, args.rounds, scale=factor)
    print(f"questions: {questions.name}" + (f" + {out_of_scope.name}" if out_of_scope else ""))
    print(format_report(r, kb, factor))
    if args.verbose:
        for line in r.misses:
            print("MISS (not in top 3)", line)
        for line in r.wrong:
            print("WRONG (confident)", line)
        for line in r.bluffs:
            print("BLUFF (out of scope, confident)", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
