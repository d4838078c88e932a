"""Checking a generated answer against the passages it was given, before anyone reads it.

``check(answer, passages)`` (passages numbered from 1, as the model saw them) passes an answer
only when:
- it cites at least one passage, and every citation [n] points to a passage it was given;
- every number in it (amounts, percentages, dates, ages, terms, 文号) appears in a passage it
  cites: 30万, 30万元, 300000元 and 三十万 are the same amount; a 文号 must appear whole;
- where a cited passage says something is unconfirmed (未确认, 尚未核实, 以当地……为准), the answer
  says so too and claims no certainty (已确认, 肯定 …);
- it does not echo instructions (忽略以上指令, 系统提示 …) or the system prompt.

Pure functions, no I/O: the same verdict for the same text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from knowledge.documents import Passage

CITATION = re.compile(r"\[(\d{1,2})\]|【(\d{1,2})】")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[（(【]\d{4}[〕\]）)】]\s*\d+\s*号")
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "（": "〔", "）": "〕", "(": "〔", ")": "〕", "【": "〔", "】": "〕"})
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_UNIT_AFTER = "元岁年月日倍人次个天周%％"
_ARABIC = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万亿|亿|万|千)?\s*(%|％)?")
_PERCENT_CN = re.compile(r"百分之([零〇一二两三四五六七八九十百]+)")
_CHINESE = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)|([一二三四五六七八九十]+)分之([一二三四五六七八九十]+)")
UNCONFIRMED = re.compile(r"未确认|尚未核实|未核实|尚未找到|没有查到|以当地[^。；，]{0,12}为准|以[^。；]{0,12}答复为准|是否[^。；]{0,24}为准")
HEDGE = re.compile(r"未确认|尚未|未核实|暂未|没有查到|不确定|为准|咨询|请问|以当地|核实")
CERTAIN = re.compile(r"已确认|已经确认|已核实|已经核实|已经定了|肯定(是|能|可以|有)|确定(是|为|就是)|就是这个标准|不用再问|无需咨询")
INJECTION = re.compile(r"忽略(以上|之前|上面|前面|所有)|系统提示|提示词|system\s*prompt|ignore\s+(all|previous|the above)"
                       r"|我是.{0,6}(模型|AI|助手)|作为.{0,6}(模型|AI)|指令", re.I)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # number, citation, unconfirmed, injection, empty
    detail: str = ""  # what failed (a number, a citation): for the log, never the whole answer


def citations(text: str) -> list[int]:
    return [int(a or b) for a, b in CITATION.findall(text)]


def _chinese_value(run: str) -> float | None:
    """三十万 → 300000, 两千 → 2000, 十二 → 12, 三 → 3; None for what is not a number."""
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None:  # 一二 written digit by digit: read as digits
                digit = digit * 10 + _CN_DIGITS[ch]
            else:
                digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in _CN_BIG:
            section += digit or 0
            total = (total + section) * _CN_BIG[ch] if ch == "亿" else total + section * _CN_BIG[ch]
            section, digit = 0, None
    value = total + section + (digit or 0)
    return float(value) if value or "零" in run or "〇" in run else None


def numbers(text: str) -> set[str]:
    """Every numeric fact in ``text``, normalised: values (amounts in 元 units: 30万 → 300000),
    percentages (pct:20), fractions (frac:2/3) and 文号 (doc:财税〔2019〕22号)."""
    text = CITATION.sub(" ", text)
    found: set[str] = set()
    for match in _DOC_NUMBER.finditer(text):
        found.add("doc:" + _doc_key(match.group(0)))
    for match in _FRACTION.finditer(text):
        if match.group(1):
            found.add(f"frac:{match.group(1)}/{match.group(2)}")
        else:
            den, num = _chinese_value(match.group(3)), _chinese_value(match.group(4))
            if den and num:
                found.add(f"frac:{num:g}/{den:g}")
    text = _FRACTION.sub(" ", text)
    for match in _PERCENT_CN.finditer(text):
        value = _chinese_value(match.group(1))
        if value is not None:
            found.add(f"pct:{value:g}")
    text = _PERCENT_CN.sub(" ", text)
    for match in _ARABIC.finditer(text):
        raw = match.group(1).replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        scale = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千": 1e3}.get(match.group(2) or "", 1)
        found.add(f"pct:{value:g}" if match.group(3) else f"{value * scale:g}")
    text = _ARABIC.sub(" ", text)
    for match in _CHINESE.finditer(text):
        run = match.group(0)
        after = text[match.end():match.end() + 1]
        # 一 alone is mostly a word (一次性, 统一): a number only when a unit follows (一年, 三万).
        if not (set(run) & set("十百千万亿") or (after and after in _UNIT_AFTER) or len(run) > 1):
            continue
        value = _chinese_value(run)
        if value is not None:
            found.add(f"{value:g}")
    return found


def _doc_key(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(_BRACKETS))


def _passage_text(p: Passage) -> str:
    return f"{p.title}\n{p.section}\n{p.text}"


def is_unconfirmed(p: Passage) -> bool:
    return p.confidence == "未确认" or bool(UNCONFIRMED.search(p.text))


def check(answer: str, passages: Sequence[Passage], system_prompt: str = "") -> Verdict:
    text = answer.strip()
    if not text:
        return Verdict(False, "empty")
    if INJECTION.search(text) or (system_prompt and _echoes(text, system_prompt)):
        return Verdict(False, "injection")
    cited = citations(text)
    if not cited:
        return Verdict(False, "citation", "no citation")
    wrong = sorted({n for n in cited if not 1 <= n <= len(passages)})
    if wrong:
        return Verdict(False, "citation", f"[{wrong[0]}] of {len(passages)}")
    sources = [passages[n - 1] for n in dict.fromkeys(cited)]
    allowed: set[str] = set()
    for p in sources:
        allowed |= numbers(_passage_text(p))
    for fact in sorted(numbers(text)):
        if fact not in allowed:
            return Verdict(False, "number", fact)
    if any(is_unconfirmed(p) for p in sources) and (CERTAIN.search(text) or not HEDGE.search(text)):
        return Verdict(False, "unconfirmed")
    return Verdict(True)


def _echoes(text: str, system_prompt: str, span: int = 12) -> bool:
    """Whether the answer repeats any ``span`` characters of the system prompt."""
    prompt = re.sub(r"\s+", "", system_prompt)
    flat = re.sub(r"\s+", "", text)
    return any(prompt[i:i + span] in flat for i in range(0, max(len(prompt) - span + 1, 0), 3))
