"""Figures of a held-out evaluation as counts only (never the questions), and the comparison of a run
with the figures measured and pinned for a set (tests/unit/test_knowledge_heldout*.py)."""
from __future__ import annotations

from knowledge.evaluate import Report


def figures(r: Report) -> dict[str, int]:
    """The counts of a report, without the questions its miss lists carry."""
    return {"answerable": r.answerable, "out_of_scope": r.out_of_scope, "top1": r.top1, "top3": r.top3,
            "confident": r.confident, "confident_wrong": r.confident - r.confident_right,
            "bluffs": r.confident_out_of_scope}


def below_measured(got: dict[str, int], measured: dict[str, int]) -> list[str]:
    """Figures worse than measured: fewer hits or confident answers, more wrong answers or bluffs."""
    worse = [f"{k} {got[k]} < {measured[k]}" for k in ("top1", "top3", "confident") if got[k] < measured[k]]
    worse += [f"{k} {got[k]} > {measured[k]}" for k in ("confident_wrong", "bluffs") if got[k] > measured[k]]
    return worse
