"""A knowledge base reload after a staff edit: how long the index rebuild takes, and how long it
stalls the event loop that answers WeChat, at today's size and at ``--scale`` times the passages.

    python -m benchmarks.kb_reload_bench [--scale 20] [--runs 5]

A reload (``KnowledgeBase.reload_passages``, after every publish, edit or synonym change in any
process) builds the whole index again in a thread. jieba cuts in pure Python and holds the GIL,
so the event loop gets it back only between the thread's turns and answers more slowly meanwhile.
For each size it times, in one process and in turn:

- **cut all**: every passage text cut again (an analyzer that has not seen them: the code before
  ``Analyzer.text_terms`` remembered the last build's texts, and a first start-up now);
- **one edit**: the same passages with one document's first passage edited, on the analyzer that
  built the index before (what a reload after a staff edit does now, saving its terms too);
- **saved**: the same, on a new analyzer that finds the terms the build before saved in the cache
  directory (what a process's first build does now, ``Analyzer.text_terms``).

Each uses a temporary cache directory: an empty one for cut all. For each it prints the build's wall
time (p50 of ``--runs``) and the event loop's longest lag while the build ran in a thread (a task that
sleeps 1 ms, timed; the worst of the runs), and cut all ÷ one edit and ÷ saved. The scaled corpus is ``knowledge.evaluate.perturbed_copies`` (county versions of each passage).
Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from knowledge.base import default_directory
from knowledge.documents import Passage, load_directory
from knowledge.evaluate import perturbed_copies
from knowledge.index import PassageIndex
from knowledge.text import Analyzer, shared_tokenizer


@contextmanager
def _cache_dir(path: Path) -> Iterator[None]:
    """Analyzers save and find their texts' terms in ``path`` meanwhile."""
    before = os.environ.get("CHUANGYE_CACHE_DIR")
    os.environ["CHUANGYE_CACHE_DIR"] = str(path)
    try:
        yield
    finally:
        if before is None:
            del os.environ["CHUANGYE_CACHE_DIR"]
        else:
            os.environ["CHUANGYE_CACHE_DIR"] = before


async def _build(passages: list[Passage], analyzer: Analyzer) -> tuple[float, float]:
    """(the build's wall seconds, the event loop's longest lag meanwhile, seconds)."""
    lag, done = 0.0, False

    async def probe() -> None:
        nonlocal lag
        loop = asyncio.get_running_loop()
        while not done:
            before = loop.time()
            await asyncio.sleep(0.001)
            lag = max(lag, loop.time() - before - 0.001)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0.01)  # the probe is running
    started = time.perf_counter()
    await asyncio.to_thread(PassageIndex, passages, analyzer)
    wall = time.perf_counter() - started
    done = True
    await task
    return wall, lag


def _edited(passages: list[Passage], n: int) -> list[Passage]:
    """The passages with the first passage's text edited (a sentence added, as staff would), edit ``n``."""
    first = passages[0]
    return [replace(first, text=f"{first.text}（第{n}次修改：补充说明。）")] + passages[1:]


async def _measure(passages: list[Passage], runs: int) -> dict[str, tuple[float, float]]:
    cut_all: list[tuple[float, float]] = []
    one_edit: list[tuple[float, float]] = []
    saved: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "kept"  # the processes' cache directory
        with _cache_dir(kept):
            shared = Analyzer()
            await _build(passages, shared)  # the index the process had before the edit
        for n in range(1, runs + 1):
            with _cache_dir(Path(tmp) / f"empty-{n}"):
                cut_all.append(await _build(_edited(passages, n), Analyzer()))  # has seen no text
            with _cache_dir(kept):
                one_edit.append(await _build(_edited(passages, n), shared))
                saved.append(await _build(_edited(passages, n), Analyzer()))  # a new process's first build
    return {name: (statistics.median(w for w, _ in rows), max(lag for _, lag in rows))
            for name, rows in (("cut all", cut_all), ("one edit", one_edit), ("saved", saved))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=20, help="also measure at this many times the passages")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    _, passages = load_directory(default_directory())
    shared_tokenizer()  # jieba's dictionary from the usual cache directory, before any temporary one
    for factor in sorted({1, max(1, args.scale)}):
        corpus = perturbed_copies(passages, factor) if factor > 1 else passages
        result = asyncio.run(_measure(corpus, args.runs))
        (all_wall, all_lag), (edit_wall, edit_lag) = result["cut all"], result["one edit"]
        saved_wall, saved_lag = result["saved"]
        print(f"{factor}× ({len(corpus)} passages): cut all {all_wall * 1000:.0f} ms (loop lag up to "
              f"{all_lag * 1000:.0f} ms); one edit {edit_wall * 1000:.0f} ms (loop lag up to {edit_lag * 1000:.0f} ms); "
              f"saved {saved_wall * 1000:.0f} ms (loop lag up to {saved_lag * 1000:.0f} ms); "
              f"cut all ÷ one edit {all_wall / edit_wall:.1f}, ÷ saved {all_wall / saved_wall:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
