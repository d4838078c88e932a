"""Fitting the best passage into one WeChat text that names its source."""
from __future__ import annotations

import re

from knowledge.index import Scored

MAX_CHARS = 600
CAVEAT = "以上为政策要点，具体以当地人社部门和经办银行为准。"
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


def compose(best: Scored, related: Scored | None = None) -> str:
    src = source_line(best)
    caveat = CAVEAT if best.passage.doc_id not in ("plan-2024", "faq-staff") else ""
    see_also = f"\n相关：{related.passage.label}" if related else ""
    # A document staff marked 未确认 is never stated as fact: the reply says so up front.
    warn = UNCONFIRMED if best.passage.confidence == "未确认" else ""
    fixed = len(src) + len(caveat) + len(see_also) + len(warn) + 3
    body = warn + fit(best.passage.text, MAX_CHARS - fixed)
    parts = [body, src] + ([caveat] if caveat else [])
    text = "\n".join(parts) + see_also
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def compose_unsure(best: Scored | None) -> str:
    if best is None:
        return NOT_SURE
    hint = f"\n\n也许和这个有关：{best.passage.label}，可回复关键词再问一次。"
    return (NOT_SURE + hint)[:MAX_CHARS]
