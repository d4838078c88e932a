"""A digest of what users would read for every evaluation question and homophone-typo copies of them
(answers and form intents): ``python -m tests.support.answers_digest`` prints the number of
questions and the digest. Run it on two commits (``git worktree``)
to show a change of retrieval internals changes no answer."""
from __future__ import annotations

import hashlib
from pathlib import Path

from handlers.forms import intent
from knowledge import KnowledgeBase
from knowledge.evaluate import load_cases

ROOT = Path(__file__).resolve().parents[2]
# Common typos by sound (the same pinyin, another character), one at a time.
HOMOPHONES = {"贷": "代", "款": "宽", "创": "闯", "业": "叶", "培": "陪", "训": "迅", "补": "不", "贴": "帖",
              "担": "单", "保": "宝", "息": "习", "税": "水", "社": "设", "申": "身", "请": "清", "窗": "床",
              "导": "到", "师": "诗", "预": "遇", "约": "月", "行": "形", "长": "常", "重": "众", "还": "环"}


def questions() -> list[str]:
    asked = [c["q"] for f in sorted((ROOT / "knowledge" / "data").glob("*.yaml")) for c in load_cases(f) if c.get("q")]
    typos = [q.replace(a, b, 1) for q in asked for a, b in HOMOPHONES.items() if a in q]
    return asked + typos


def main() -> None:
    kb = KnowledgeBase.load(str(ROOT / "knowledge" / "docs"))
    digest = hashlib.sha256()
    asked = questions()
    for q in asked:
        a = kb.answer(q)
        digest.update(f"{q}|{a.passage_id}|{a.confident}|{a.text}|{intent.classify(q)}\n".encode())
    print(len(asked), digest.hexdigest())


if __name__ == "__main__":
    main()
