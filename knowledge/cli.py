"""`chuangye kb search QUERY [--top K] [--json]`."""
from __future__ import annotations

import json
from dataclasses import asdict

from knowledge.base import KnowledgeBase


def kb_search_cli(config, query: str, top: int = 5, as_json: bool = False) -> int:
    kb = KnowledgeBase.load(config.knowledge.dir)
    hits = kb.search(query, top)
    if as_json:
        answer = kb.answer(query)
        print(json.dumps({"query": query, "results": [asdict(h) for h in hits],
                          "answer": {"text": answer.text, "confident": answer.confident,
                                     "sources": [asdict(s) for s in answer.sources]}},
                         ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("没有找到相关内容")
        return 0
    for n, h in enumerate(hits, 1):
        print(f"{n}. [{h.score:.2f}] {h.title}  ({h.id})\n   {h.snippet}\n   {h.source}")
    return 0
