"""Loan eligibility pre-check (预审) from the rules in knowledge/rules/loan_eligibility.yaml.

The result is never an approval: every outcome carries the rules file's notice
(预审结果，不是审批结论) and reasons citing the policy document they come from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chuangye import yamlio

RULES_PATH = Path(__file__).resolve().parents[1] / "knowledge" / "rules" / "loan_eligibility.yaml"
SEVERITY = {"eligible": 0, "needs_review": 1, "not_eligible": 2}


@lru_cache(maxsize=4)
def load_rules(path: str = str(RULES_PATH)) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yamlio.safe_load(fh)


def products() -> list[str]:
    return list(load_rules()["products"])


def categories() -> list[str]:
    return list(load_rules()["categories"])


@dataclass
class Eligibility:
    """Outcome of a pre-check: ``result`` is eligible, needs_review or not_eligible."""

    result: str
    reasons: list[str] = field(default_factory=list)
    label: str = ""
    notice: str = ""

    def to_dict(self) -> dict[str, Any]:
        # `eligible` is a yes/no a front end can test for truth; `result` keeps the three outcomes.
        return {"eligible": self.result == "eligible", "result": self.result, "label": self.label,
                "reasons": list(self.reasons), "notice": self.notice}

    def summary(self) -> str:
        """One Chinese text for the chat: notice, outcome and the reasons."""
        lines = [f"预审结果：{self.label}", *(f"· {r}" for r in self.reasons), self.notice]
        return "\n".join(lines)


def _applies(when: dict[str, Any], facts: dict[str, Any]) -> bool:
    checks = {
        "category_in": lambda v: facts["category"] in v,
        "category_not_in": lambda v: facts["category"] not in v,
        "age_below": lambda v: facts["age"] < v,
        "age_above": lambda v: facts["age"] > v,
        "amount_above": lambda v: facts["amount"] > v,
        "amount_at_most": lambda v: facts["amount"] <= v,
    }
    unknown = set(when) - set(checks)
    if unknown:
        raise ValueError(f"unknown rule condition(s) {sorted(unknown)} in {RULES_PATH.name}")
    return all(checks[name](value) for name, value in when.items())


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def evaluate(product: str, category: str, amount: int, birth_date: date, today: date | None = None,
             rules: dict[str, Any] | None = None) -> Eligibility:
    """Apply every rule of ``product``; the most severe result wins, info rules add reasons."""
    rules = rules or load_rules()
    today = today or datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the applicant's day in China, not the server's
    facts = {"category": category, "amount": amount, "age": age_on(birth_date, today)}
    result, reasons = "eligible", []
    for rule in rules["rules"]:
        if rule["product"] != product or not _applies(rule.get("when") or {}, facts):
            continue
        if rule["result"] != "info" and SEVERITY[rule["result"]] > SEVERITY[result]:
            result = rule["result"]
        source = rules["sources"][rule["source"]]
        reasons.append(f"{rule['reason'].format(**facts)}（依据：{source}）")
    return Eligibility(result=result, reasons=reasons, label=rules["labels"][result], notice=rules["notice"])
