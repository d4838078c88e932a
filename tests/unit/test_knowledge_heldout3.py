"""The third held-out sets (knowledge/data/heldout3_*.yaml): written blind by someone who read only the
documents (knowledge/docs) and the policy facts, never the tuning data, the other held-out sets, the
dictionary or the retrieval code, and who ran nothing; committed before the third tuning round and
never tuned on. They guard issue 8's targets. Failures report counts only, never the questions: do
not print the set (no --verbose), do not tune on it.

Measured three times, each after a change made without looking at these sets (`python -m
knowledge.evaluate --heldout3` and `--heldout3 --scale 20`, never with --verbose):
1. after the round-3 colloquial words: at 1× top-3 99/108 (91.7 %), 33 of 37 confident answers right
   (89.2 %), 1 of 63 out-of-scope questions answered confidently: all three targets missed;
2. after the similar questions (问法) of every passage: at 1× top-1 94/108, top-3 105/108 (97.2 %),
   61 of 65 confident answers right (93.8 %), no bluffs; at 20× top-1 95, top-3 104/108 (96.3 %),
   58 of 61 right (95.1 %), no bluffs;
3. after places stopped counting as a question's topic (a bluff of the second set at 20×): the same;
4. after an unsure best hit gives way to a confident one among the top 3, and near-equal confident
   hits are decided by their headings (two tuning-set regressions): the same, except 60 of 65
   confident answers right at 1× (92.3 %).
The last figures are the floors and ceilings below; the targets are plain asserts."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import HELDOUT3, OUT_OF_SCOPE3, evaluate, load_cases, main, scaled_knowledge_base
from tests.support.heldout import below_measured, figures

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"

MEASURED_1X = {"answerable": 108, "out_of_scope": 63, "top1": 94, "top3": 105, "confident": 65,
               "confident_wrong": 5, "bluffs": 0}
MEASURED_20X = {"answerable": 108, "out_of_scope": 63, "top1": 95, "top3": 104, "confident": 61,
                "confident_wrong": 3, "bluffs": 0}


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


def test_at_least_95_percent_have_the_right_passage_in_the_top_3(at_1x, at_20x):
    for got in (at_1x, at_20x):
        assert got["top3"] >= 0.95 * got["answerable"]


def test_at_least_90_percent_of_confident_answers_are_right(at_1x, at_20x):
    for got in (at_1x, at_20x):
        assert got["confident"] - got["confident_wrong"] >= 0.90 * got["confident"]


def test_no_out_of_scope_question_gets_a_confident_answer(at_1x, at_20x):
    assert (at_1x["bluffs"], at_20x["bluffs"]) == (0, 0)


def test_the_evaluation_command_takes_the_third_held_out_sets(capsys):
    assert main(["--heldout3", "--rounds", "0"]) == 0
    out = capsys.readouterr().out
    assert "heldout3_answerable.yaml + heldout3_out_of_scope.yaml" in out
    assert "answerable: 108" in out and "out-of-scope: 63" in out
