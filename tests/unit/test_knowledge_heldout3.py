"""The third held-out sets (knowledge/data/heldout3_*.yaml): written blind by someone who read only the
documents (knowledge/docs) and the policy facts, never the tuning data, the other held-out sets, the
dictionary or the retrieval code, and who ran nothing; committed before the third tuning round and
never tuned on. They guard issue 8's targets. Failures report counts only, never the questions: do
not print the set (no --verbose), do not tune on it.

First run, after tuning round 3 (`python -m knowledge.evaluate --heldout3` and `--heldout3 --scale
20`): at 1× top-1 81/108, top-3 99/108 (91.7 %), confident 37/108 of which 33 right (89.2 %), 1 of 63
out-of-scope questions answered confidently; at 20× top-3 98/108, confident 33 of which 28 right, 1
bluff. Those figures are the floors and ceilings below; the targets are strict xfails until met."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import HELDOUT3, OUT_OF_SCOPE3, Report, evaluate, load_cases, main, scaled_knowledge_base

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"

MEASURED_1X = {"answerable": 108, "out_of_scope": 63, "top1": 81, "top3": 99, "confident": 37,
               "confident_wrong": 4, "bluffs": 1}
MEASURED_20X = {"answerable": 108, "out_of_scope": 63, "top1": 79, "top3": 98, "confident": 33,
                "confident_wrong": 5, "bluffs": 1}


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


@pytest.fixture(scope="module")
def at_1x() -> dict[str, int]:
    return figures(evaluate(KnowledgeBase.load(str(DOCS)), HELDOUT3, OUT_OF_SCOPE3))


@pytest.fixture(scope="module")
def at_20x() -> dict[str, int]:
    return figures(evaluate(scaled_knowledge_base(str(DOCS), 20), HELDOUT3, OUT_OF_SCOPE3, scale=20))


def test_the_third_held_out_sets_are_big_and_cover_every_passage():
    answerable, out_of_scope = load_cases(HELDOUT3), load_cases(OUT_OF_SCOPE3)
    assert len(answerable) >= 100 and len(out_of_scope) >= 60
    assert all(c.get("unanswerable") is True and "expect" not in c for c in out_of_scope)
    passages = {p.id for p in KnowledgeBase.load(str(DOCS)).passages}
    expected = {e for c in answerable for e in c["expect"]}
    assert sorted(expected - passages) == []
    assert sorted(passages - expected) == []


def test_the_third_held_out_figures_do_not_fall_below_those_measured(at_1x):
    assert (at_1x["answerable"], at_1x["out_of_scope"]) == (108, 63)
    assert below_measured(at_1x, MEASURED_1X) == []


def test_the_third_held_out_figures_hold_up_at_20_times_the_passages(at_20x):
    assert below_measured(at_20x, MEASURED_20X) == []


@pytest.mark.xfail(strict=True, reason="target of issue 8 not met on the third held-out set: top-3 99/108 (91.7 %)")
def test_at_least_95_percent_have_the_right_passage_in_the_top_3(at_1x):
    assert at_1x["top3"] >= 0.95 * at_1x["answerable"]


@pytest.mark.xfail(strict=True, reason="target of issue 8 not met on the third held-out set: 33 of 37 confident "
                                      "answers right (89.2 %)")
def test_at_least_90_percent_of_confident_answers_are_right(at_1x):
    assert at_1x["confident"] - at_1x["confident_wrong"] >= 0.90 * at_1x["confident"]


@pytest.mark.xfail(strict=True, reason="target of issue 8 not met on the third held-out set: 1 of 63 "
                                      "out-of-scope questions answered confidently")
def test_no_out_of_scope_question_gets_a_confident_answer(at_1x):
    assert at_1x["bluffs"] == 0


def test_the_evaluation_command_takes_the_third_held_out_sets(capsys):
    assert main(["--heldout3", "--rounds", "0"]) == 0
    out = capsys.readouterr().out
    assert "heldout3_answerable.yaml + heldout3_out_of_scope.yaml" in out
    assert "answerable: 108" in out and "out-of-scope: 63" in out
