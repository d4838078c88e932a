"""Retrieval quality and speed: `python -m knowledge.evaluate [--heldout | --heldout2 | --heldout3] [--scale 20] [--verbose]`.

- the default question set is the tuning set (knowledge/data/questions.yaml);
- `--heldout` uses the sets written before tuning and never tuned on: heldout_answerable.yaml
  and out_of_scope.yaml (the regression guard of tests/unit/test_knowledge_eval.py);
- `--heldout2` uses the second held-out sets, written blind (before any run of the bot, the
  evaluation or retrieval): heldout2_answerable.yaml and heldout2_out_of_scope.yaml. Their misses
  were tuned on in the third round, so they are now a regression guard, no longer held out;
- `--heldout3` uses the third held-out sets, written blind before the third tuning round and never
  tuned on: heldout3_answerable.yaml and heldout3_out_of_scope.yaml (the guard of issue 8's targets,
  tests/unit/test_knowledge_heldout3.py). Run it without --verbose: its questions stay unseen;
- `--scale N` replicates the corpus N× with perturbed copies (sentences dropped and shuffled, a
  county in the title), to see whether ranking and confidence hold up as the knowledge grows; a hit
  on a copy counts as a hit on its original;
- timing: p50/p99 per query of `search` (retrieval) and of `answer` (retrieval and composition);
- `--mode rewrite|answer --llm-base-url URL [--chat-model M] [--embedding-model E]` runs the set
  through the model helper (knowledge/assist.py) against an OpenAI-compatible server (the stand-in
  in tests, vLLM/Ollama for an operator; key from CHUANGYE__LLM__API_KEY): the same figures from
  the answers it gives, plus generated answers sent, rejections by reason and the model's latency.
  Questions are never printed in this mode, not even with --verbose.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from chuangye import yamlio
from knowledge.base import KnowledgeBase, default_directory
from knowledge.documents import Passage, embedding_text, load_directory

DATA = Path(__file__).resolve().parent / "data"
QUESTIONS = DATA / "questions.yaml"
HELDOUT = DATA / "heldout_answerable.yaml"
OUT_OF_SCOPE = DATA / "out_of_scope.yaml"
HELDOUT2 = DATA / "heldout2_answerable.yaml"
OUT_OF_SCOPE2 = DATA / "heldout2_out_of_scope.yaml"
HELDOUT3 = DATA / "heldout3_answerable.yaml"
OUT_OF_SCOPE3 = DATA / "heldout3_out_of_scope.yaml"
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
    return yamlio.safe_load(path.read_text(encoding="utf-8")) or []


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
            questions = tuple(q for q in p.questions if rng.random() >= 1 / 3)
            doc_id = f"{p.doc_id}{COPY_MARK}{k}"
            out.append(replace(p, id=f"{doc_id}#{p.section}", doc_id=doc_id,
                               title=f"{p.title}（{COUNTIES[k % len(COUNTIES)]}）", text="".join(kept),
                               questions=questions))
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


@dataclass
class ModelReport:
    questions: int = 0
    generated: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)


async def evaluate_with_model(kb: KnowledgeBase, path: Path, out_of_scope: Path | None, *, mode: str, base_url: str,
                              chat_model: str, embedding_model: str = "",
                              api_key: str | None = None) -> tuple[Report, ModelReport]:
    """The question set through the model helper: answers as users would get them."""
    import aiohttp

    from chuangye import metrics
    from chuangye.config import LlmConfig
    from chuangye.llm import LlmClient
    from knowledge.assist import Assistant

    config = LlmConfig(mode=mode, base_url=base_url, chat_model=chat_model, embedding_model=embedding_model,
                       api_key=api_key)
    reasons = metrics.LLM_REJECT_REASONS
    before = {r: metrics.LLM_REJECTED.labels(r)._value.get() for r in reasons}
    cases = load_cases(path) + [dict(c, unanswerable=True) for c in (load_cases(out_of_scope) if out_of_scope else [])]
    r, m = Report(), ModelReport()
    async with aiohttp.ClientSession() as session:
        client = LlmClient(session, config.base_url or "", api_key=api_key, chat_model=chat_model,
                           embedding_model=embedding_model, connect_timeout=config.connect_timeout_seconds)
        if embedding_model:
            vectors: dict[str, list[float]] = {}
            for start in range(0, kb.passage_count, 16):
                part = kb.passages[start:start + 16]
                for p, v in zip(part, await client.embed([embedding_text(p) for p in part], timeout=60)):
                    vectors[p.id] = v
            kb.set_vectors(vectors, embedding_model)
        assistant = Assistant(client, config, None)
        for case in cases:
            q = case["q"]
            t0 = time.perf_counter()
            answer = await assistant.answer(kb, q)
            m.latency_ms.append((time.perf_counter() - t0) * 1000)
            m.questions += 1
            m.generated += "[1]" in answer.text
            if case.get("unanswerable"):
                r.out_of_scope += 1
                r.confident_out_of_scope += answer.confident
                continue
            r.answerable += 1
            expect = set(case["expect"])
            ids = [original_id(s.id) for s in answer.sources]
            r.top1 += bool(ids[:1] and ids[0] in expect)
            r.top3 += bool(expect & set(ids))
            if answer.confident:
                r.confident += 1
                r.confident_right += bool(answer.passage_id and original_id(answer.passage_id) in expect)
    m.rejected = {x: int(metrics.LLM_REJECTED.labels(x)._value.get() - before[x]) for x in reasons}
    return r, m


def format_model_report(r: Report, m: ModelReport, mode: str) -> str:
    rejected = ", ".join(f"{k} {v}" for k, v in m.rejected.items() if v) or "none"
    return "\n".join([
        f"mode: {mode}  questions: {m.questions}",
        f"answerable: {r.answerable}  answered from a right passage {r.top1_rate:.1%} ({r.top1}/{r.answerable})",
        f"confident answers: {r.confident}/{r.answerable}, right: {r.confident_right}/{r.confident} ({r.precision:.1%})",
        f"out-of-scope: {r.out_of_scope}  confident (bluffs): {r.confident_out_of_scope}",
        f"generated answers sent: {m.generated}  rejected by the checks: {sum(m.rejected.values())} ({rejected})",
        f"answer with the model: p50 {percentile(m.latency_ms, 50):.0f} ms  p99 {percentile(m.latency_ms, 99):.0f} ms",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=default_directory())
    parser.add_argument("--questions", type=Path, default=None, help="question file (default: the tuning set)")
    parser.add_argument("--out-of-scope", type=Path, default=None, help="extra file of out-of-scope questions")
    held = parser.add_mutually_exclusive_group()
    held.add_argument("--heldout", action="store_true",
                      help="the held-out sets: heldout_answerable.yaml and out_of_scope.yaml (never tune on them)")
    held.add_argument("--heldout2", action="store_true",
                      help="the second held-out sets, written blind: heldout2_answerable.yaml and "
                           "heldout2_out_of_scope.yaml (tuned on in round 3: a regression guard)")
    held.add_argument("--heldout3", action="store_true",
                      help="the third held-out sets, written blind: heldout3_answerable.yaml and "
                           "heldout3_out_of_scope.yaml (never tune on them)")
    parser.add_argument("--scale", type=int, default=1, help="replicate the corpus N× with perturbed copies")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds over the question set")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--mode", choices=("off", "rewrite", "answer"), default="off",
                        help="with a model server: rewrite the questions, or generate checked answers")
    parser.add_argument("--llm-base-url", default=None, help="OpenAI-compatible server root (needed with --mode)")
    parser.add_argument("--chat-model", default="qwen2.5-7b-instruct")
    parser.add_argument("--embedding-model", default="", help="also fuse vectors of this embedding model")
    args = parser.parse_args(argv)
    questions = args.questions or (HELDOUT if args.heldout else HELDOUT2 if args.heldout2
                                    else HELDOUT3 if args.heldout3 else QUESTIONS)
    out_of_scope = args.out_of_scope or (OUT_OF_SCOPE if args.heldout else OUT_OF_SCOPE2 if args.heldout2
                                       else OUT_OF_SCOPE3 if args.heldout3 else None)
    factor = max(1, args.scale)
    kb = scaled_knowledge_base(args.dir, factor) if factor > 1 else KnowledgeBase.load(args.dir)
    if args.mode != "off":
        if not args.llm_base_url:
            parser.error("--mode 需要 --llm-base-url（模型服务地址）")
        r, m = asyncio.run(evaluate_with_model(
            kb, questions, out_of_scope, mode=args.mode, base_url=args.llm_base_url, chat_model=args.chat_model,
            embedding_model=args.embedding_model, api_key=os.environ.get("CHUANGYE__LLM__API_KEY")))
        print(f"questions: {questions.name}" + (f" + {out_of_scope.name}" if out_of_scope else ""))
        print(format_model_report(r, m, args.mode))
        return 0
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
