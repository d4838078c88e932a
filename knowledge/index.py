"""BM25 over passages, with a coverage measure that decides whether an answer is confident."""
from __future__ import annotations

import math
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from knowledge.documents import Passage
from knowledge.text import Analyzer

# Headings say what a passage is about: counted more than body words.
TITLE_WEIGHT = 2
SECTION_WEIGHT = 3
TITLE_MATCH_BOOST = 0.5
# A county's own document is preferred for users of that county; other counties' are never shown.
COUNTY_BOOST = 1.2


@dataclass(frozen=True)
class Scored:
    passage: Passage
    score: float
    coverage: float


class PassageIndex:
    def __init__(self, passages: list[Passage], analyzer: Analyzer) -> None:
        self.passages = passages
        self.analyzer = analyzer
        self.docs = [self._terms(p) for p in passages]
        # b=0.5: long passages (the ten eligible groups) are not punished much for their length.
        self.bm25 = BM25Okapi(self.docs, b=0.5) if passages else None
        n = len(self.docs)
        df: dict[str, int] = {}
        for doc in self.docs:
            for t in set(doc):
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0
        self.term_sets = [set(doc) for doc in self.docs]
        self.title_sets = [set(analyzer.tokens(analyzer.rewrite(p.title))) for p in passages]

    def _terms(self, p: Passage) -> list[str]:
        a = self.analyzer
        # Documents get the same synonym rewriting as questions, so both sides use one vocabulary.
        return (a.tokens(a.rewrite(p.title)) * TITLE_WEIGHT + a.tokens(a.rewrite(p.section)) * SECTION_WEIGHT
                + a.tokens(a.rewrite(p.text)))

    def _distinct(self, tokens: list[str]) -> list[str]:
        """Distinct terms of the question; focus terms (what is asked) appear twice."""
        seen = list(dict.fromkeys(tokens))
        return seen + [t for t in seen if t in self.analyzer.focus]

    def search(self, question: str, top: int = 5, county: str | None = None) -> list[Scored]:
        """Best passages first. With ``county`` (the asker's), passages scoped to another county are
        left out and that county's own are boosted; without it, every passage counts alike."""
        tokens, content = self.analyzer.question_terms(question)  # one typo repair and rewrite
        terms = self._distinct(tokens)
        if not terms or self.bm25 is None:
            return []
        total = sum(self.idf.get(t, self.max_idf) for t in content)  # the question's weight
        scores = [s * self._title_boost(content, total, i) * self._county_factor(county, i)
                  for i, s in enumerate(self.bm25.get_scores(terms))]
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:top]
        return [Scored(self.passages[i], float(scores[i]), self._coverage(content, total, i))
                for i in order if scores[i] > 0]

    def _county_factor(self, county: str | None, i: int) -> float:
        scoped = self.passages[i].county
        if not county or not scoped:
            return 1.0
        return COUNTY_BOOST if scoped == county else 0.0

    def _title_boost(self, terms: list[str], total: float, i: int) -> float:
        """A question naming a product (云岭创业贷, 贷免扶补) prefers that product's document."""
        hit = sum(self.idf.get(t, 0.0) for t in terms if t in self.title_sets[i])
        return 1.0 + TITLE_MATCH_BOOST * (hit / total if total else 0.0)

    def _coverage(self, terms: list[str], total: float, i: int) -> float:
        """Share of the question's weight (idf) that the passage contains.

        Words the corpus never uses (天气, 火车票) weigh the most: a question mostly about
        them is not one the documents answer.
        """
        hit = sum(self.idf.get(t, 0.0) for t in terms if t in self.term_sets[i] or self._parts_in(t, i))
        return hit / total if total else 0.0

    def _parts_in(self, term: str, i: int) -> bool:
        parts = self.analyzer.sub_words(term)
        return bool(parts) and all(p in self.term_sets[i] for p in parts)
