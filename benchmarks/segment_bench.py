"""What cutting costs with jieba's dictionary held as a trie (knowledge/text.py), against jieba's own dict.

    python -m benchmarks.segment_bench [--rounds 3]

In one process, in turn, for ``--rounds`` rounds: both cuts a question gets (search mode and plain)
of every question of the evaluation sets (knowledge/data/*.yaml), per question, with
- jieba's own tokenizer, its dictionary a dict of half a million Python strings (what a worker held
  before the trie);
- the trie tokenizer, as a worker loads it from the cache file;
- the trie tokenizer after a staff word was added (the path for words added at run time).
Then, once each, how long each dictionary takes to build with no cache file (a worker whose cache
directory is not writable). Repeated questions are not cut in a worker (the analysed-question cache):
these are the costs of a question seen for the first time. Checks that the three cut alike; prints,
never asserts otherwise.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import jieba

from chuangye import yamlio
from knowledge import text as kt

DATA = Path(__file__).resolve().parent.parent / "knowledge" / "data"


def _questions() -> list[str]:
    return [case["q"] for path in sorted(DATA.glob("*.yaml"))
            for case in yamlio.safe_load(path.read_text(encoding="utf-8")) or []]


def _per_question_us(tokenizer: jieba.Tokenizer, questions: list[str]) -> float:
    started = time.perf_counter()
    for q in questions:
        list(tokenizer.cut_for_search(q))
        tokenizer.lcut(q)
    return (time.perf_counter() - started) / len(questions) * 1e6


def _built(make) -> tuple[jieba.Tokenizer, float]:
    with tempfile.TemporaryDirectory() as empty:
        before = os.environ.get("CHUANGYE_CACHE_DIR")
        os.environ["CHUANGYE_CACHE_DIR"] = empty
        try:
            started = time.perf_counter()
            tokenizer = make()
            return tokenizer, time.perf_counter() - started
        finally:
            if before is None:
                del os.environ["CHUANGYE_CACHE_DIR"]
            else:
                os.environ["CHUANGYE_CACHE_DIR"] = before


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    questions = _questions()
    plain, plain_build = _built(lambda: kt.with_programme_words(jieba.Tokenizer()))
    trie, trie_build = _built(kt._load_or_build)
    staff = kt.TrieTokenizer()
    staff.FREQ, staff.total = kt.WordTrie(trie.FREQ.trie, trie.FREQ.counts, trie.FREQ.logs, trie.FREQ.longest), trie.total
    staff.user_word_tag_tab, staff.initialized = dict(trie.user_word_tag_tab), True
    for tokenizer in (plain, staff):
        tokenizer.add_word("绣花坊", 30, "n")  # as Analyzer._synonym_table adds a staff word
    for q in questions:
        assert list(trie.cut_for_search(q)) == list(plain.cut_for_search(q)) or "绣花坊" in q, q
        assert list(staff.cut_for_search(q)) == list(plain.cut_for_search(q)), q
    targets = (("jieba's dict (with the staff word)", plain), ("trie", trie), ("trie with the staff word", staff))
    times: dict[str, list[float]] = {name: [] for name, _ in targets}
    for _ in range(max(1, args.rounds)):
        for name, tokenizer in targets:
            times[name].append(_per_question_us(tokenizer, questions))
    print(f"both cuts of {len(questions)} evaluation questions, µs per question (median of {args.rounds} rounds; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    base = statistics.median(times[targets[0][0]])
    for name, _ in targets:
        median = statistics.median(times[name])
        print(f"  {name:36s} {median:6.0f}  ({' / '.join(f'{t:.0f}' for t in times[name])})  ÷ dict {median / base:.2f}")
    print(f"building the dictionary with no cache file: jieba's dict {plain_build:.2f} s, trie {trie_build:.2f} s "
          f"(built from the dict, then saved)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
