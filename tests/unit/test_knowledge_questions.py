"""Similar questions (问法) of a passage: found through them, never shown; and what never makes a
question's topic (places) or counts as covered (an everyday compound in a similar question)."""
from __future__ import annotations

from pathlib import Path

from knowledge import KnowledgeBase
from knowledge.documents import Passage, load_directory, parse_document, split_questions

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"


def _passage(pid: str, section: str, text: str, questions: tuple[str, ...] = ()) -> Passage:
    return Passage(id=f"d#{pid}", doc_id="d", title="彝绣大赛通知", section=section, text=text,
                   source_url="https://example.gov.cn/a", issuer="楚雄州人社局", date="2026-01-01",
                   confidence="已确认", questions=questions)


SIGN_UP = "报名时间为2026年3月1日至3月31日，在各县市创业服务窗口报名。"
PRIZE = "一等奖1名，奖金1万元；二等奖3名。"


def test_similar_question_lines_are_split_from_the_text():
    text, questions = split_questions(f"{SIGN_UP}\n问法：哪阵报名｜报名截止哪天\n问法: 几号之前报|哪阵报名")
    assert text == SIGN_UP
    assert questions == ("哪阵报名", "报名截止哪天", "几号之前报")


def test_every_shipped_passage_carries_similar_questions_and_none_shows_in_its_text():
    _, passages = load_directory(DOCS)
    assert all(len(p.questions) >= 4 for p in passages)
    assert all("问法" not in p.text for p in passages)
    assert parse_document(DOCS / "01-guaranteed-loan.md")[0].questions


def test_a_passage_is_found_through_its_similar_questions_and_they_never_show_in_the_answer():
    question = "绣花比赛截止到几号"
    plain = KnowledgeBase.from_passages([_passage("1", "报名", SIGN_UP), _passage("2", "奖励", PRIZE)])
    asked = KnowledgeBase.from_passages([_passage("1", "报名", SIGN_UP, ("绣花比赛截止到几号了", "哪阵报名")),
                                         _passage("2", "奖励", PRIZE)])
    assert plain.search(question, 3) == []  # no word in common with the text
    assert asked.search(question, 3)[0].id == "d#1"
    answer = asked.answer("哪阵报名")
    assert "哪阵报名" not in answer.text and "问法" not in answer.text


def test_an_everyday_compound_in_a_similar_question_ranks_a_passage_but_never_covers_it():
    kb = KnowledgeBase.load(str(DOCS))
    credit = next(p for p in kb.passages if p.id == "guaranteed-loan#征信和其他条件")
    assert any("房贷" in q for q in credit.questions)  # 「我有房贷 还能申请创业贷款吗」
    answer = kb.answer("房贷能贷几年")
    assert not answer.confident


def test_a_place_says_where_the_asker_is_not_what_is_asked():
    kb = KnowledgeBase.load(str(DOCS))
    index = kb._index
    assert index.topic(["元谋", "天气"]) == ["天气"] and index.topic(["楚雄州", "禄丰市", "贷款"]) == ["贷款"]
    assert not kb.answer("元谋这几天好热 好多度").confident


def test_an_unsure_best_hit_gives_way_to_a_confident_one_among_the_top_three():
    kb = KnowledgeBase.load(str(DOCS))
    question = "我是返乡农民工，想贷款开个药膳馆，能贷多少？"
    hits = kb.search(question, 3)
    assert hits[0].id == "faq#返乡创业有什么支持"  # found through its similar question 「返乡创业能贷好多」
    answer = kb.answer(question)
    assert answer.confident and answer.passage_id == "guaranteed-loan#贷款额度" and "30万元" in answer.text
