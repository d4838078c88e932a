"""Knowledge base: documents, retrieval on real villager questions, the composed answer."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.compose import MAX_CHARS, caveat_for, compose
from knowledge.documents import DocumentError, load_directory
from knowledge.evaluate import QUESTIONS, evaluate
from knowledge.index import Scored

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "knowledge" / "docs"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load(str(DOCS))


def test_every_document_has_complete_front_matter_and_sections():
    count, passages = load_directory(DOCS)
    assert count >= 8
    assert {p.doc_id for p in passages} >= {"plan-2024", "guaranteed-loan", "yunling-loan", "training",
                                              "service-windows", "faq"}
    for p in passages:
        assert p.source_url.startswith("http") and p.confidence in ("已确认", "部分确认")


def test_the_plan_itself_is_carried_in_full(kb):
    seed = (ROOT.parent / "shared" / "seeds" / "楚雄州特色创业平台建设专项行动方案.txt")
    text = (DOCS / "00-plan-2024.md").read_text(encoding="utf-8")
    if seed.exists():
        # The last line of the published page is a link to a commentary, not part of the plan.
        lines = [ln for ln in seed.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("解读")]
        for line in lines:
            body = line.strip().split("。", 1)[-1][:30]
            assert body in text, body
    assert "设立10个“创业服务窗口”" in text


def test_no_unconfirmed_interest_percentages_are_stated():
    for path in DOCS.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "LPR" not in text and "50%贴息" not in text, path.name


def test_a_document_without_front_matter_is_refused(tmp_path):
    (tmp_path / "x.md").write_text("## 小节\n内容", encoding="utf-8")
    with pytest.raises(DocumentError, match="front matter"):
        load_directory(tmp_path)


def test_the_returning_migrant_worker_gets_the_amount_with_its_source(kb):
    answer = kb.answer("我是返乡农民工，想贷款开个药膳馆，能贷多少？")
    assert answer.confident
    assert "30万元" in answer.text
    assert "来源：《创业担保贷款政策要点》· 贷款额度" in answer.text
    assert answer.sources[0].id == "guaranteed-loan#贷款额度"
    assert answer.sources[0].source.startswith("https://www.gov.cn/")


def test_dialect_and_typos_find_the_right_passage(kb):
    assert kb.search("咋个申请贷款嘛", 1)[0].id == "guaranteed-loan#怎么申请创业担保贷款（办理流程）"
    assert kb.search("带款要不要担报人", 1)[0].id == "guaranteed-loan#要不要担保人或抵押（反担保）"
    assert kb.search("想学手艺，有啥子培训", 1)[0].id == "training#楚雄有哪些培训"


def test_a_typo_in_a_programme_term_is_repaired(kb):
    analyzer = kb._index.analyzer
    assert analyzer.repair_typos("创业担报带款") == "创业担保贷款"
    assert analyzer.repair_typos("今天吃饭") == "今天吃饭"


def test_top3_accuracy_on_villager_questions_is_at_least_90_percent(kb):
    report = evaluate(kb, QUESTIONS)
    assert report.answerable >= 60
    assert report.top3_rate >= 0.90, report.misses


def test_questions_off_the_programme_are_not_answered_confidently(kb):
    for q in ("今天天气怎么样", "昆明到楚雄的火车票多少钱", "你们这里卖手机吗", "帮我写个作文"):
        answer = kb.answer(q)
        assert not answer.confident, q
        assert "回复「人工」" in answer.text and "回复「预约」" in answer.text
        assert answer.sources == []


def test_every_answer_fits_one_wechat_text(kb):
    import yaml

    for case in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8")):
        assert len(kb.answer(case["q"]).text) <= MAX_CHARS


def test_unconfirmed_facts_send_people_to_ask(kb):
    answer = kb.answer("云岭创业贷利率多少")
    assert "尚未核实" in answer.text and "为准" in answer.text
    assert "%" not in answer.text


def test_search_results_are_ranked_best_first(kb):
    hits = kb.search("创业担保贷款额度", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].snippet and hits[0].source.startswith("http")


async def test_reload_picks_up_staff_faq_without_restart(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text((DOCS / "02-yunling-loan.md").read_text(encoding="utf-8"), encoding="utf-8")
    kb = await KnowledgeBase.load_async(str(docs))
    before = kb.passage_count
    q = "牟定县彝绣合作社怎么加入"
    assert not kb.answer(q).confident
    await kb.reload(extra=[{"id": 7, "question": "牟定县彝绣合作社怎么加入",
                            "answer": "请到牟定县创业服务窗口登记，工作人员会介绍合作社。"}])
    assert kb.passage_count == before + 1
    answer = kb.answer(q)
    assert answer.confident and "牟定县创业服务窗口登记" in answer.text
    assert answer.sources[0].id == "faq-staff#7"


def test_kb_search_cli_prints_json(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text((ROOT / "config.example.yaml").read_text(encoding="utf-8").replace(
        'knowledge: {dir: "knowledge/docs"}', f'knowledge: {{dir: "{DOCS}"}}'), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "server.cli", "--config", str(cfg), "kb", "search",
                           "贷款能贷多少", "--top", "2", "--json"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["results"]) == 2 and data["answer"]["confident"]


def _doc(tmp_path, extra: str = "") -> Path:
    (tmp_path / "x.md").write_text(
        "---\nid: x\ntitle: 测试文件\nissuer: 测试\ndate: 2026-01-01\nsource_url: https://example.org/x\n"
        f"confidence: 已确认\n{extra}---\n## 测试小节\n测试小节的内容。\n", encoding="utf-8")
    return tmp_path


def test_a_tax_answer_ends_by_sending_people_to_the_tax_bureau(kb):
    answer = kb.answer("个体户一个月卖十万以下要交增值税不")
    assert answer.confident and answer.passage_id.startswith("small-scale-vat#")
    assert answer.text.endswith("以上为政策要点，具体以当地税务局为准。")
    assert "经办银行" not in answer.text


def test_a_loan_answer_still_ends_with_the_bureau_and_bank_caveat(kb):
    answer = kb.answer("创业担保贷款期限多长")
    assert answer.confident and answer.text.endswith("以上为政策要点，具体以当地人社部门和经办银行为准。")


def test_a_documents_own_caveat_closes_every_answer_from_it(tmp_path):
    passages = load_directory(_doc(tmp_path, "caveat: 以上为政策要点，具体以当地市场监督管理部门为准。\n"))[1]
    assert passages[0].caveat == "以上为政策要点，具体以当地市场监督管理部门为准。"
    text = compose(Scored(passages[0], score=5.0, coverage=1.0, heading=1.0))
    assert text.endswith("\n以上为政策要点，具体以当地市场监督管理部门为准。") and "经办银行" not in text


def test_a_document_of_the_tax_kind_gets_the_tax_caveat_without_writing_it(tmp_path):
    passages = load_directory(_doc(tmp_path, "kind: tax\n"))[1]
    assert passages[0].kind == "tax" and passages[0].caveat == ""
    assert caveat_for(passages[0]) == "以上为政策要点，具体以当地税务局为准。"


def test_a_document_of_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(DocumentError, match="kind"):
        load_directory(_doc(tmp_path, "kind: 税\n"))


def test_building_the_index_logs_nothing_below_a_warning(caplog):
    """bm25s sets its logger to DEBUG; a refresh every few seconds must not fill the operator's log."""
    import logging

    from knowledge.documents import load_directory as load
    from knowledge.index import PassageIndex
    from knowledge.text import Analyzer

    caplog.set_level(logging.DEBUG)
    PassageIndex(load(ROOT / "knowledge" / "docs")[1], Analyzer())
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bm25s")] == []

