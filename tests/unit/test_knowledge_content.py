"""The shipped documents say only what the policy fact sheets support, and say where to ask for the rest."""
import re
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase
from knowledge.documents import load_directory

DOCS = Path(__file__).resolve().parents[2] / "knowledge" / "docs"
TAX_DOCS = ("tax-key-groups", "tax-veterans", "small-scale-vat", "six-taxes-two-fees")
# Figures the tax fact sheet marks [已确认·译述]: usable, but to be checked against the original before launch.
PARAPHRASED = ("每户每年20000元", "上浮20%")


def _front_matter() -> dict[str, dict]:
    out = {}
    for path in sorted(DOCS.glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
        out[meta["id"]] = meta
    return out


def _texts() -> dict[str, str]:
    _, passages = load_directory(DOCS)
    texts: dict[str, str] = {}
    for p in passages:
        texts[p.doc_id] = texts.get(p.doc_id, "") + f"\n## {p.section}\n{p.text}"
    return texts


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load(str(DOCS))


def test_the_new_topics_each_have_a_document():
    assert set(_front_matter()) >= {*TAX_DOCS, "individual-business", "social-insurance-subsidy", "startup-subsidy"}


def test_front_matter_extras_fit_what_the_knowledge_store_keeps():
    for doc_id, meta in _front_matter().items():
        assert len(str(meta.get("doc_number") or "")) <= 100, doc_id
        assert isinstance(meta.get("needs_check", False), bool), doc_id
        assert meta["confidence"] in ("已确认", "部分确认"), doc_id


def test_documents_with_paraphrased_tax_figures_are_marked_for_checking():
    meta, texts = _front_matter(), _texts()
    marked = {doc_id for doc_id, text in texts.items() if any(f in text for f in PARAPHRASED)}
    assert marked >= {"tax-key-groups", "tax-veterans"}
    for doc_id in marked:
        assert meta[doc_id].get("needs_check") is True, doc_id


def test_the_stopped_2023_no_19_notice_is_never_given_as_the_current_basis():
    for doc_id, text in _texts().items():
        for section in text.split("\n## ")[1:]:
            if "2023年第19号" in section:
                assert "停止执行" in section and "2026年第10号" in section, (doc_id, section[:40])


def test_no_unverified_local_amount_or_phone_number_is_stated():
    for doc_id, text in _texts().items():
        assert "24000" not in text and "2.4万" not in text, doc_id  # Yunnan's 上浮 level was not found
        for number in re.findall(r"\d{5,}", text.replace("20000", "").replace("12000", "").replace("10000", "")):
            assert number == "12366", (doc_id, number)  # the national tax service line, named by the fact sheet
        assert not re.search(r"0\d{2,3}-\d{7,8}", text), doc_id


def test_every_tax_section_says_where_to_ask_or_names_its_basis():
    texts = _texts()
    for doc_id in TAX_DOCS:
        for section in texts[doc_id].split("\n## ")[1:]:
            assert "依据" in section or "税务局为准" in section, (doc_id, section[:40])


def test_a_veteran_asking_about_tax_gets_the_national_base_and_is_sent_to_the_tax_bureau(kb):
    answer = kb.answer("退伍了开个体户能减税不")
    assert answer.confident
    assert answer.sources[0].id == "tax-veterans#退役士兵创业能减多少税（退伍军人开个体户）"
    assert "每户每年20000元" in answer.text and "以当地税务局为准" in answer.text
    assert "2023年第14号" in answer.text


def test_small_scale_vat_is_answered_from_the_2026_notice(kb):
    answer = kb.answer("小规模纳税人要交增值税吗")
    assert answer.confident and answer.sources[0].id.startswith("small-scale-vat#")
    assert "2026年第10号" in answer.text and "10万元" in answer.text and "2023年第19号" not in answer.text


def test_someone_who_heard_of_notice_19_is_told_it_stopped(kb):
    answer = kb.answer("小规模纳税人免税还是按2023年第19号吗")
    assert answer.confident and answer.sources[0].id.startswith("small-scale-vat#")
    assert "停止执行" in answer.text and "2026年第10号" in answer.text


def test_unfound_subsidy_amounts_send_people_to_the_local_bureau(kb):
    answer = kb.answer("返乡创业一次性创业补贴能领好多")
    assert answer.confident and answer.sources[0].id.startswith("startup-subsidy#")
    assert "以当地人社部门为准" in answer.text
    assert re.findall(r"\d+万元", answer.text.split("来源：")[0]) == ["3万元"]  # only the confirmed graduate award


def test_registration_fees_are_not_claimed_to_be_free(kb):
    answer = kb.answer("办个体户执照收费不")
    assert answer.confident and answer.sources[0].id.startswith("individual-business#")
    assert "第三十条" in answer.text and "免费" not in answer.text
