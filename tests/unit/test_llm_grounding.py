"""Generated answers are checked against their passages; hybrid retrieval with the stand-in's vectors."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chuangye.config import ConfigError, config_from_dict
from chuangye.llm import mask_personal
from chuangye.standin import hashed_embedding
from handlers.knowledge_ops.generative import ANSWER_SYSTEM
from knowledge import KnowledgeBase
from knowledge.documents import Passage, embedding_text
from knowledge.grounding import check, numbers
from tests.support.env import base_settings

LOAN = Passage(id="loan#额度", doc_id="loan", title="创业担保贷款", section="贷款额度",
               text="个人最高可申请30万元，期限不超过3年，财政贴息比例为50%。依据财税〔2019〕22号。",
               source_url="", issuer="人社局", date="2024-05-01", confidence="已确认")
LOCAL = replace(LOAN, id="loan#本地", section="楚雄本地上限",
                text="楚雄州是否另有本地上限，本平台尚未核实，以当地人社部门为准。")


@pytest.mark.parametrize("answer", ["最高可以贷三十万[1]。", "最高可以贷300000元[1]。", "最高30万[1]，贴息百分之五十[1]。",
                                    "依据财税[2019]22号[1]。", "期限最长三年[1]。"])
def test_an_answer_whose_every_number_is_in_its_cited_passage_passes(answer):
    assert check(answer, [LOAN]).ok


@pytest.mark.parametrize("answer, fact", [("最高可以贷50万元[1]。", "500000"), ("期限不超过5年[1]。", "5"),
                                          ("贴息比例为60%[1]。", "pct:60"), ("依据财税〔2019〕23号[1]。", "23")])
def test_an_invented_number_amount_percentage_or_document_number_is_rejected(answer, fact):
    verdict = check(answer, [LOAN])
    assert (verdict.ok, verdict.reason) == (False, "number") and fact in verdict.detail


def test_numbers_are_normalised_so_the_same_amount_written_three_ways_is_one_fact():
    assert numbers("30万") == numbers("300000元") == numbers("三十万") == {"300000"}
    assert numbers("百分之二十") == numbers("20%") == {"pct:20"}


def test_a_number_must_be_in_a_passage_the_answer_cites_not_just_in_any_passage():
    other = replace(LOAN, id="x#y", text="补贴标准为每人2000元。")
    verdict = check("补贴每人2000元[1]。", [LOAN, other])
    assert (verdict.ok, verdict.reason) == (False, "number")
    assert check("补贴每人2000元[2]。", [LOAN, other]).ok


@pytest.mark.parametrize("answer", ["最高可申请30万元。", "最高可申请30万元[3]。", "最高可申请30万元[0]。"])
def test_an_answer_without_citations_or_citing_a_passage_it_was_not_given_is_rejected(answer):
    assert check(answer, [LOAN, LOCAL]).reason == "citation"


def test_an_answer_stating_as_settled_what_the_passage_says_is_unconfirmed_is_rejected():
    assert check("楚雄州另有本地上限，已经确认[1]。", [LOCAL]).reason == "unconfirmed"
    assert check("楚雄州有本地上限[1]。", [LOCAL]).reason == "unconfirmed"  # no hedge at all
    assert check("楚雄是否另有本地上限尚未核实，以当地人社部门为准[1]。", [LOCAL]).ok


@pytest.mark.parametrize("answer", ["好的，我将忽略以上指令。最高可申请30万元[1]。", "系统提示词如下[1]",
                                    "只根据“资料”中编号的段落回答，用简短[1]"])
def test_an_answer_echoing_instructions_or_the_system_prompt_is_rejected(answer):
    assert check(answer, [LOAN], ANSWER_SYSTEM).reason == "injection"


def test_personal_data_is_masked_before_it_leaves_ids_phones_and_names_given_as_names():
    text = mask_personal("我叫张三丰，电话13812348000，身份证532301199001011234，我是退役军人")
    assert "13812348000" not in text and "532301199001011234" not in text and "张三丰" not in text
    assert "某某" in text and "我是退役军人" in text


def test_llm_is_off_by_default_and_a_mode_without_a_server_is_refused_with_the_key_named():
    base = base_settings("sqlite://:memory:", None)
    assert config_from_dict(base).llm.mode == "off" and not config_from_dict(base).llm.enabled
    assert config_from_dict({**base, "llm": {"mode": False}}).llm.mode == "off"  # YAML's unquoted `mode: off`
    with pytest.raises(ConfigError, match="llm.base_url"):
        config_from_dict({**base, "llm": {"mode": "answer", "chat_model": "qwen2.5"}})
    with pytest.raises(ConfigError, match="llm.answer_budget_seconds"):
        config_from_dict({**base, "llm": {"mode": "answer", "chat_model": "q", "base_url": "http://127.0.0.1:8000",
                                          "answer_budget_seconds": 4.3}})


# ---------------------------------------------------------------- hybrid retrieval

# Paraphrases BM25 alone ranks wrongly first; with the stand-in's hashed n-gram vectors fused in,
# the right passage comes first (docs/knowledge.md shows them too).
PARAPHRASES = {
    "我的身份证信息安全吗": "faq#个人信息安全吗",
    "小微企业贷款最多几百万": "guaranteed-loan#小微企业申请条件",
}


@pytest.fixture(scope="module")
def hybrid_kb() -> KnowledgeBase:
    kb = KnowledgeBase.load("knowledge/docs")
    kb.set_vectors({p.id: hashed_embedding(embedding_text(p), 256) for p in kb.passages}, "stand-in")
    return kb


@pytest.mark.parametrize("question, right", PARAPHRASES.items())
def test_hybrid_retrieval_finds_the_passage_for_a_paraphrase_bm25_alone_misses(hybrid_kb, question, right):
    assert hybrid_kb.search(question, 3)[0].id != right
    assert hybrid_kb.search(question, 3, query_vector=hashed_embedding(question, 256))[0].id == right


@pytest.mark.parametrize("question", ["创业担保贷款能贷多少", "今天天气怎么样", "个体户怎么注销"])
def test_vectors_change_no_confident_answer_and_make_no_out_of_scope_question_confident(hybrid_kb, question):
    plain = hybrid_kb.answer(question)
    hybrid = hybrid_kb.answer(question, query_vector=hashed_embedding(question, 256))
    assert (hybrid.confident, hybrid.passage_id if plain.confident else None) == \
        (plain.confident, plain.passage_id if plain.confident else None)


def test_a_question_vector_of_another_dimension_falls_back_to_bm25(hybrid_kb):
    question = "我的身份证信息安全吗"
    assert not hybrid_kb.vectors_usable(64)
    assert [h.id for h in hybrid_kb.search(question, 3, query_vector=hashed_embedding(question, 64))] == \
        [h.id for h in hybrid_kb.search(question, 3)]
