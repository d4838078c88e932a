"""The second held-out sets (knowledge/data/heldout2_*.yaml), written blind before any run of the bot,
the evaluation or retrieval. Their first run (k9) measured top-3 85/91 (93.4 %), 42 of 44 confident
answers right and no bluffs: short of issue 8's 95 % top-3. Their misses were then tuned on in round 3
(colloquial words in knowledge/dict, places out of the topic), so they are a regression guard now, no longer held out; the
third held-out sets (test_knowledge_heldout3.py), written blind before round 3, guard the targets.
The figures after round 3 (`python -m knowledge.evaluate --heldout2` and `--heldout2 --scale 20`) are
pinned here as floors and ceilings."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import HELDOUT2, OUT_OF_SCOPE2, evaluate, load_cases, main, scaled_knowledge_base
from tests.support.heldout import below_measured, figures

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"

# Measured after round 3 (with the similar questions, 问法) at 1× (16 documents, 87 passages): top-1
# 87/91, top-3 91/91, confident 62/91 of which 59 right, 0 of 74 out-of-scope questions answered
# confidently.
MEASURED_1X = {"answerable": 91, "out_of_scope": 74, "top1": 87, "top3": 91, "confident": 62,
               "confident_wrong": 3, "bluffs": 0}
# Measured after round 3 at 20× (1740 passages): top-1 85/91, top-3 91/91, confident 55/91 of which
# 53 right, no bluffs.
MEASURED_20X = {"answerable": 91, "out_of_scope": 74, "top1": 85, "top3": 91, "confident": 55,
                "confident_wrong": 2, "bluffs": 0}


@pytest.fixture(scope="module")
def at_1x() -> dict[str, int]:
    return figures(evaluate(KnowledgeBase.load(str(DOCS)), HELDOUT2, OUT_OF_SCOPE2))


@pytest.fixture(scope="module")
def at_20x() -> dict[str, int]:
    return figures(evaluate(scaled_knowledge_base(str(DOCS), 20), HELDOUT2, OUT_OF_SCOPE2, scale=20))


def test_the_second_held_out_sets_are_big_and_cover_every_document():
    answerable, out_of_scope = load_cases(HELDOUT2), load_cases(OUT_OF_SCOPE2)
    assert len(answerable) >= 60 and len(out_of_scope) >= 60
    assert all(c.get("unanswerable") is True and "expect" not in c for c in out_of_scope)
    passages = {p.id for p in KnowledgeBase.load(str(DOCS)).passages}
    expected = {e for c in answerable for e in c["expect"]}
    assert sorted(expected - passages) == []
    assert {e.split("#")[0] for e in expected} == {p.split("#")[0] for p in passages}


def test_the_second_held_out_figures_do_not_fall_below_those_measured(at_1x):
    assert (at_1x["answerable"], at_1x["out_of_scope"]) == (91, 74)
    assert below_measured(at_1x, MEASURED_1X) == []


def test_the_second_held_out_figures_hold_up_at_20_times_the_passages(at_20x):
    assert below_measured(at_20x, MEASURED_20X) == []


def test_at_least_90_percent_of_confident_answers_are_right_and_none_out_of_scope(at_1x, at_20x):
    for got in (at_1x, at_20x):
        right, confident = got["confident"] - got["confident_wrong"], got["confident"]
        assert right >= 0.90 * confident
        assert got["bluffs"] == 0


def test_at_least_95_percent_have_the_right_passage_in_the_top_3(at_1x):
    assert at_1x["top3"] >= 0.95 * at_1x["answerable"]


def test_the_evaluation_command_takes_the_second_held_out_sets(capsys):
    assert main(["--heldout2", "--rounds", "0"]) == 0
    out = capsys.readouterr().out
    assert "heldout2_answerable.yaml + heldout2_out_of_scope.yaml" in out
    assert "answerable: 91" in out and "out-of-scope: 74" in out
