"""`python -m knowledge.evaluate --mode answer|rewrite` against the stand-in model server."""
from __future__ import annotations

from knowledge import KnowledgeBase
from knowledge.evaluate import HELDOUT, OUT_OF_SCOPE, evaluate, evaluate_with_model, format_model_report, load_cases


async def test_the_held_out_set_through_answer_mode_reports_the_usual_figures_and_rejections_by_reason(standin):
    kb = KnowledgeBase.load("knowledge/docs")
    plain = evaluate(kb, HELDOUT, OUT_OF_SCOPE)
    standin.script_llm(*["invented_amount"] * 3)
    report, model = await evaluate_with_model(kb, HELDOUT, OUT_OF_SCOPE, mode="answer", base_url=standin.url,
                                              chat_model="stand-in")
    # The checks keep the extractive answer's confidence: the same confident answers and bluffs.
    assert (report.confident, report.confident_right, report.confident_out_of_scope) == \
        (plain.confident, plain.confident_right, plain.confident_out_of_scope)
    assert model.rejected["number"] == 3 and model.generated == plain.confident + plain.confident_out_of_scope - 3
    text = format_model_report(report, model, "answer")
    assert "rejected by the checks: 3 (number 3)" in text
    for case in load_cases(HELDOUT) + load_cases(OUT_OF_SCOPE):  # held-out questions are never printed
        assert case["q"] not in text


async def test_rewrite_mode_with_embeddings_runs_against_the_stand_in(standin):
    kb = KnowledgeBase.load("knowledge/docs")
    report, model = await evaluate_with_model(kb, HELDOUT, None, mode="rewrite", base_url=standin.url,
                                              chat_model="stand-in", embedding_model="hash-ngrams")
    assert model.questions == report.answerable and len(kb.vectors) == kb.passage_count
    assert len(standin.calls_to("/v1/chat/completions")) == report.answerable
