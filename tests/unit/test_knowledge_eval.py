"""Retrieval quality as a regression guard: the first held-out sets (written before the first tuning
round; their misses were tuned on in round 3, so they guard against regressions now, and the third
held-out sets in test_knowledge_heldout3.py guard the targets), the issue's examples, colloquial
words staff can extend, and the sparse index's reproducibility."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import HELDOUT, OUT_OF_SCOPE, QUESTIONS, evaluate, main, original_id, perturbed_copies, \
    scaled_knowledge_base
from knowledge.documents import load_directory
from knowledge.text import Analyzer

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"
# Measured on the first held-out sets: one out-of-scope near-miss got a confident answer when they
# were first run (k2-retrieval); five after the tax and subsidy documents 09-15 were added; one again
# after the recalibration for them (k5, at 1× and 20×); none since round 3 (社保卡 is an everyday
# compound of words.txt, not 社保).
MEASURED_BLUFFS = 0


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(str(DOCS))


@pytest.fixture(scope="module")
def heldout(kb):
    return evaluate(kb, HELDOUT, OUT_OF_SCOPE)


@pytest.fixture(scope="module")
def heldout_at_20x():
    return evaluate(scaled_knowledge_base(str(DOCS), 20), HELDOUT, OUT_OF_SCOPE, scale=20)


def test_the_held_out_sets_are_big_enough_to_mean_something(heldout):
    assert heldout.answerable >= 60 and heldout.out_of_scope >= 40


def test_at_least_95_percent_of_held_out_questions_have_the_right_passage_in_the_top_3(heldout):
    assert heldout.top3_rate >= 0.95, heldout.misses


def test_at_least_90_percent_of_confident_held_out_answers_are_right(heldout):
    assert heldout.confident >= heldout.answerable // 2
    assert heldout.precision >= 0.90, heldout.wrong


def test_out_of_scope_questions_get_no_more_confident_answers_than_measured(heldout):
    assert heldout.confident_out_of_scope <= MEASURED_BLUFFS, heldout.bluffs


def test_no_out_of_scope_question_gets_a_confident_answer(heldout):
    assert heldout.confident_out_of_scope == 0, heldout.bluffs


def test_ranking_and_confidence_hold_up_at_20_times_the_passages(heldout_at_20x):
    r = heldout_at_20x
    assert r.top3_rate >= 0.95, r.misses
    assert r.precision >= 0.90, r.wrong
    assert r.confident_out_of_scope <= MEASURED_BLUFFS, r.bluffs


def test_the_tuning_set_stays_calibrated(kb):
    r = evaluate(kb, QUESTIONS)
    assert r.top3_rate >= 0.95 and r.precision >= 0.90 and r.confident_out_of_scope == 0, (r.misses, r.wrong, r.bluffs)


@pytest.mark.parametrize("question", ["怎么办理护照", "房贷利率现在多少", "护照咋个办", "买车能贷几年"])
def test_the_issues_out_of_scope_questions_get_the_honest_dont_know(kb, question):
    answer = kb.answer(question)
    assert not answer.confident and answer.sources == []
    assert "不敢乱说" in answer.text and "回复「人工」" in answer.text


@pytest.mark.parametrize("question", [
    "工资个税怎么算", "发票怎么开", "一般纳税人增值税税率是多少", "上市公司企业所得税税率是多少",
    "信用卡分期手续费是多少", "助学贷款怎么申请", "消费贷能贷多少", "社保怎么转移", "失业金怎么领",
])
def test_ordinary_peoples_tax_loan_and_social_security_questions_get_the_honest_dont_know(kb, question):
    answer = kb.answer(question)
    assert not answer.confident and answer.sources == []


@pytest.mark.parametrize("question, passage", [
    ("个体户个税能减半吗", "six-taxes-two-fees#个体户个人所得税能减半吗"),
    ("个体户一个月卖十万以下要交增值税不", "small-scale-vat#小规模纳税人要交增值税吗（起征点10万元）"),
    ("小型微利企业企业所得税交多少", "six-taxes-two-fees#小型微利企业企业所得税怎么减"),
])
def test_a_business_asking_about_its_tax_gets_the_relief_passage(kb, question, passage):
    answer = kb.answer(question)
    assert answer.confident and answer.passage_id == passage


def test_a_tax_passage_is_not_the_answer_to_a_veterans_loan_question(kb):
    hits = kb.search("当兵回来的可以贷款不", 3)
    assert hits[0].id == "guaranteed-loan#哪些人可以申请（十类人群）"


@pytest.mark.parametrize("question, passage", [
    ("网店店主贷款能贷好多", "guaranteed-loan#贷款额度"),
    ("建档立卡贫困户创业有贷款吗", "guaranteed-loan#哪些人可以申请（十类人群）"),
    ("当兵回来的可以贷款不", "guaranteed-loan#哪些人可以申请（十类人群）"),
    ("打工回来想创业有啥支持", "faq#返乡创业有什么支持"),
    ("黑户能贷款吗", "guaranteed-loan#征信和其他条件"),
    ("利息谁出哦", "guaranteed-loan#利息和财政贴息"),
    ("咋个预约窗口", "service-windows#怎么预约窗口"),
    ("带款要不要担报人", "guaranteed-loan#要不要担保人或抵押（反担保）"),
    ("我是返乡农民工，想贷款开个药膳馆，能贷多少？", "guaranteed-loan#贷款额度"),
])
def test_colloquial_questions_get_a_confident_right_answer(kb, question, passage):
    answer = kb.answer(question)
    assert answer.confident and answer.passage_id == passage
    assert answer.sources[0].id == passage


@pytest.mark.parametrize("said, canonical", [
    ("网店店主", "网络商户"), ("贫困户", "脱贫人口"), ("建档立卡", "脱贫人口"), ("当兵回来", "退役军人"),
    ("退伍", "退役军人"), ("打工回来", "返乡创业农民工"), ("征信不好", "征信"), ("黑户", "征信"),
    ("利息谁出", "贴息"), ("咋个", "怎么"), ("哪点", "哪里"), ("哪样", "什么"),
])
def test_the_issues_colloquial_words_are_rewritten_to_the_documents_terms(kb, said, canonical):
    assert canonical in kb._index.analyzer.normalize(f"我{said}了").split()


def test_yao_de_is_a_politeness_word_that_does_not_change_the_question(kb):
    analyzer = kb._index.analyzer
    assert analyzer.tokens("要得，贷款能贷几年", query=True) == analyzer.tokens("贷款能贷几年", query=True)


def test_staff_synonyms_given_at_build_time_make_a_new_word_understood():
    question = "微商能申请创业担保贷款吗"
    plain = KnowledgeBase.load(str(DOCS))
    assert not plain.answer(question).confident
    staff = KnowledgeBase.load(str(DOCS), extra_synonyms=[("网络商户", ["微商", "做微商的"])])
    answer = staff.answer(question)
    assert answer.confident and answer.passage_id == "guaranteed-loan#哪些人可以申请（十类人群）"


async def test_reload_takes_new_staff_synonyms_and_keeps_them_when_not_given():
    kb = await KnowledgeBase.load_async(str(DOCS))
    question = "微商能申请创业担保贷款吗"
    await kb.reload(extra_synonyms=[("网络商户", ["微商"])])
    assert kb.answer(question).confident
    await kb.reload(extra=[{"id": 1, "question": "合作社怎么加入", "answer": "请到窗口登记。"}])
    assert kb.answer(question).confident and kb.passage_count == len(load_directory(DOCS)[1]) + 1
    await kb.reload(extra_synonyms=[])
    assert not kb.answer(question).confident


def test_a_staff_synonym_wins_over_the_shipped_table_for_the_same_word():
    analyzer = Analyzer(extra_synonyms=[("小微企业", ["网店"])])
    assert "小微企业" in analyzer.rewrite("网店").split()
    assert "网络商户" in Analyzer().rewrite("网店").split()


def test_a_staff_focus_entry_marks_what_is_asked():
    analyzer = Analyzer(extra_synonyms=[("!贷款额度", ["能借好多"])])
    assert "贷款额度" in analyzer.focus and "贷款额度" in analyzer.rewrite("能借好多").split()


def test_scores_are_reproducible_across_builds():
    one, two = KnowledgeBase.load(str(DOCS)), KnowledgeBase.load(str(DOCS))
    for q in ("创业担保贷款额度", "咋个申请贷款嘛", "培训", "贷款"):
        assert [(h.id, h.score, h.coverage) for h in one.search(q, 10)] == \
               [(h.id, h.score, h.coverage) for h in two.search(q, 10)]


def test_the_index_is_built_on_sparse_matrices_without_scipy(kb):
    index = kb._index
    assert index.bm25 is not None and index.bm25.csc_backend == "numpy"
    terms = [i for t, i in index.vocab.items() if t]  # bm25s adds "", which no question holds
    assert len(terms) > 1000 and index.bm25.scores["num_docs"] == kb.passage_count
    assert (index.bm25.get_scores(terms) > 0).all()  # every indexed term can be asked for; each passage has one
    assert all(rows.max() < kb.passage_count for rows in index.titled.values())


def test_perturbed_copies_are_deterministic_and_keep_their_original():
    _, passages = load_directory(DOCS)
    a, b = perturbed_copies(passages, 3), perturbed_copies(passages, 3)
    assert len(a) == 3 * len(passages) and a == b
    assert {p.doc_id.split("~")[0] for p in a} == {p.doc_id for p in passages}
    assert {original_id(p.id) for p in a} == {p.id for p in passages}
    assert all(p.text for p in a)


def test_the_evaluation_command_reports_quality_and_speed(capsys):
    assert main(["--heldout", "--rounds", "0"]) == 0
    out = capsys.readouterr().out
    for expected in ("top-1", "top-3", "right:", "confident (bluffs)", "p50", "p99"):
        assert expected in out
