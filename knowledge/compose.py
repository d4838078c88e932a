"""Fitting the best passage into one WeChat text that names its source."""
from __future__ import annotations

import re

from knowledge.documents import Passage
from knowledge.index import Scored

MAX_CHARS = 600
CAVEAT = "以上为政策要点，具体以当地人社部门和经办银行为准。"
TAX_CAVEAT = "以上为政策要点，具体以当地税务局为准。"
# Documents that are their own authority (the plan's text, staff answers) end without a caveat.
_NO_CAVEAT = ("plan-2024", "faq-staff")
NOT_SURE = (
    "抱歉，这个问题我暂时没有找到可靠的答案，不敢乱说。您可以：\n"
    "· 换个说法再问我，比如“创业担保贷款能贷多少”\n"
    "· 回复「预约」预约创业服务窗口当面咨询\n"
    "· 回复「人工」转人工服务"
)
UNCONFIRMED = "（以下内容尚未核实，以当地人社部门为准）"
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


def source_line(hit: Scored) -> str:
    p = hit.passage
    return f"来源：{p.label}（{p.date}）" if p.date else f"来源：{p.label}"


def fit(text: str, budget: int) -> str:
    """Cut at a sentence end so the text fits the budget; never mid-sentence unless unavoidable."""
    if len(text) <= budget:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        if len(kept) + len(sentence) > budget - 1:
            break
        kept += sentence
    return (kept or text[: budget - 1]) + "…"


def caveat_for(passage: Passage) -> str:
    """Where the answer sends people to check: the document's own `caveat`, else its kind's."""
    if passage.caveat:
        return passage.caveat
    if passage.doc_id in _NO_CAVEAT:
        return ""
    return TAX_CAVEAT if passage.kind == "tax" else CAVEAT


def compose(best: Scored, related: Scored | None = None) -> str:
    """Body, source, related passage, then the caveat: the reply always ends with where to check."""
    src = source_line(best)
    caveat = caveat_for(best.passage)
    see_also = f"相关：{related.passage.label}" if related else ""
    # A document staff marked 未确认 is never stated as fact: the reply says so up front.
    warn = UNCONFIRMED if best.passage.confidence == "未确认" else ""
    tail = [line for line in (src, see_also, caveat) if line]
    body = warn + fit(best.passage.text, MAX_CHARS - len(warn) - sum(len(line) + 1 for line in tail))
    text = "\n".join([body] + tail)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def compose_unsure(best: Scored | None) -> str:
    if best is None:
        return NOT_SURE
    hint = f"\n\n也许和这个有关：{best.passage.label}，可回复关键词再问一次。"
    return (NOT_SURE + hint)[:MAX_CHARS]
