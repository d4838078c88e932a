"""BM25 over passages as sparse matrices, with a coverage measure that decides whether an answer is confident.

The index is built once per knowledge version (a `KnowledgeBase` load or reload) and never changes
afterwards: bm25s keeps the BM25 weight of every (term, passage) pair in a sparse matrix (its numpy
backend: scipy would cost every worker 23 MB for this), so scoring a question is a sum of a few
matrix columns, and the passages whose titles hold each term give the title boost the same way.
Scores depend only on the passages and the question (no randomness, stable ties).
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import bm25s
import numpy as np

from knowledge.documents import Passage
from knowledge.text import Analyzer

# bm25s sets its own logger to DEBUG and says "Building index" at every knowledge-base refresh.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Headings say what a passage is about: counted more than body words.
TITLE_WEIGHT = 2
SECTION_WEIGHT = 3
TITLE_MATCH_BOOST = 0.5
# Similar questions (Passage.questions, 问法) count as often as body words: they bridge a person's
# wording to the passage. One of them counts as a heading in the confidence measure only when it and
# the question hold each other's topic to QUESTION_MATCH (PassageIndex._asked_like).
QUESTION_WEIGHT = 1
QUESTION_MATCH = 0.8
# Coverage weights (see PassageIndex._coverage), calibrated on knowledge/data/questions.yaml.
FOCUS_WEIGHT = 1.0
ELSEWHERE_WEIGHT = 0.5
UNKNOWN_WEIGHT = 2.0
ASKER_WORDS_FROM = 3  # topic words a question needs before a missing one may just say who asks
# Amounts and ages (十万, 20万元, 60岁) are parameters of a question, not its topic.
_AMOUNT = re.compile(r"^[0-9零一二两三四五六七八九十百千万亿几多]+(万元|万|元|岁|周岁|年|个|次|人|%)?$")
# A tax-relief passage (kind "tax") is on a question's subject only when the question is about a
# tax (a word with 税 in it, or one of these) and about a business (Analyzer.names_subject); off
# its subject it ranks this much lower and is never a confident answer.
_TAX_WORD = re.compile(r"税|起征点|发票|专票|征收率")
OFF_SUBJECT_FACTOR = 0.5
# b=0.5: long passages (the ten eligible groups) are not punished much for their length.
K1 = 1.5
B = 0.5
# A county's own document is preferred for users of that county; other counties' are never shown.
COUNTY_BOOST = 1.2


@dataclass(frozen=True)
class Scored:
    passage: Passage
    score: float
    coverage: float
    # Share of the question's topic weight found in the passage's headings (title and section).
    heading: float = 0.0
    # The question is about the passage's subject: always, except that a tax-relief passage
    # (kind "tax") needs a question about a business (Analyzer.names_subject).
    on_subject: bool = True


class Topic(list):
    """A question's topic words, and whether it asks about a business's taxes (see ``on_subject``)."""

    def __init__(self, words: list[str], on_tax: bool) -> None:
        super().__init__(words)
        self.on_tax = on_tax


class PassageIndex:
    def __init__(self, passages: list[Passage], analyzer: Analyzer) -> None:
        self.passages = passages
        self.analyzer = analyzer
        n = len(passages)
        # Titles (terms, boost and headings), headings and bodies, each rewritten with the synonyms as questions are.
        cut = analyzer.text_terms([p.title for p in passages] + [p.section for p in passages] + [p.text for p in passages])
        titles, sections, bodies = cut[:n], cut[n:2 * n], cut[2 * n:]
        # Documents get the same synonym rewriting as questions, so both sides use one vocabulary.
        texts = [title * TITLE_WEIGHT + section * SECTION_WEIGHT + body
                 for title, section, body in zip(titles, sections, bodies)]
        # The similar questions, read as questions are (typo repair and rewriting).
        similar = [q for p in passages for q in p.questions]
        analysed = dict(zip(similar, analyzer.similar_question_terms(similar)))
        asked = [[t for q in p.questions for t in analysed[q][0]] for p in passages]
        docs = [t + q * QUESTION_WEIGHT for t, q in zip(texts, asked)]
        df: dict[str, int] = {}
        for terms in map(frozenset, docs):
            for t in terms:
                df[t] = df.get(t, 0) + 1
        # An everyday compound (房贷, 信用卡) found only in a similar question says who asks (「我有房贷
        # 还能贷不」), not what the passage is about: it ranks the passage but never counts as covered.
        only_asked = [analyzer.atomic - frozenset(t) for t in texts]
        self.term_sets = [frozenset(d) - outside for d, outside in zip(docs, only_asked)]
        self.question_sets = [[frozenset(analysed[q][0]) - outside for q in p.questions]
                              for p, outside in zip(passages, only_asked)]
        self.question_topics = [[self.topic(list(analysed[q][1])) for q in p.questions] for p in passages]
        # The idf bm25s uses (method "lucene"): never negative, so every shared word counts a little.
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0
        self.median_idf = float(np.median(list(self.idf.values()))) if self.idf else 1.0
        self.bm25: bm25s.BM25 | None = None
        self.vocab: dict[str, int] = {}
        if n:
            self.bm25 = bm25s.BM25(k1=K1, b=B, method="lucene", csc_backend="numpy")
            self.bm25.index(docs, show_progress=False)
            self.vocab = dict(self.bm25.vocab_dict)
        self.heading_sets = [frozenset(title + section) for title, section in zip(titles, sections)]
        # The passages whose title holds each (indexed) term: the title boost adds up their idf.
        titled: dict[str, list[int]] = {}
        for i, title in enumerate(titles):
            for t in set(title):
                if t in self.vocab:
                    titled.setdefault(t, []).append(i)
        self.titled = {t: np.array(rows, dtype=np.intp) for t, rows in titled.items()}
        self.tax_rows = np.array([p.kind == "tax" for p in passages], dtype=bool)

    def _distinct(self, tokens: list[str]) -> list[str]:
        """Distinct terms of the question; focus terms (what is asked) appear twice."""
        seen = list(dict.fromkeys(tokens))
        return seen + [t for t in seen if t in self.analyzer.focus]

    def topic(self, words: list[str]) -> list[str]:
        """The question's words that say what it is about (without 怎么, 申请, 多少, amounts, places …)."""
        a = self.analyzer
        return [w for w in words if w not in a.question_words and w not in a.places and not _AMOUNT.match(w)]

    def weight(self, term: str) -> float:
        """How much a question word says: rare words more; words the corpus never uses the most.

        An unknown word made of known parts (刑满释放) weighs what its rarest part does; an unknown
        single character (钱, 账) is as common a word as any, so it weighs the corpus' median.
        """
        known = self.idf.get(term)
        if known is not None:
            return known
        parts = [self.idf[p] for p in self.analyzer.sub_words(term) if p in self.idf]
        if parts and len(parts) == len(self.analyzer.sub_words(term)):
            return max(parts)
        return self.median_idf if len(term) == 1 else self.max_idf

    def search(self, question: str, top: int = 5, county: str | None = None) -> list[Scored]:
        """Best passages first. With ``county`` (the asker's), passages scoped to another county are
        left out and that county's own are boosted; without it, every passage counts alike."""
        scores, content = self.scores(question, county)
        if scores is None:
            return []
        candidates = np.flatnonzero(scores > 0)
        # Best first; equal scores keep document order, so results are reproducible.
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:top]
        return [self.scored(i, scores, content) for i in order]

    def scores(self, question: str, county: str | None = None) -> tuple[np.ndarray | None, "Topic"]:
        """The BM25 score of every passage (None when no question word is known), and the question's topic."""
        tokens, words = self.analyzer.question_terms(question)  # one typo repair and rewrite
        content = self.topic(words)
        known = [t for t in self._distinct(tokens) if t in self.vocab]
        if not known or self.bm25 is None:
            return None, Topic(content, True)
        total = sum(self.weight(t) for t in content)  # the question's weight
        scores = self.bm25.get_scores([self.vocab[t] for t in known]).astype(np.float64)
        scores *= self._title_boost(content, total)
        if county:
            scores *= self._county_factors(county)
        on_tax = self.analyzer.names_subject(words) and any(_TAX_WORD.search(w) for w in words)
        if not on_tax:
            scores[self.tax_rows] *= OFF_SUBJECT_FACTOR
        return scores, Topic(content, on_tax)

    def scored(self, i: int, scores: np.ndarray | None, topic: "Topic") -> Scored:
        return Scored(self.passages[i], float(scores[i]) if scores is not None else 0.0, self._coverage(topic, i),
                      max(self._coverage(topic, i, self.heading_sets), self._asked_like(topic, i)),
                      topic.on_tax or self.passages[i].kind != "tax")

    def _asked_like(self, topic: list[str], i: int) -> float:
        """How much of the question one of the passage's similar questions holds, when it holds nearly
        all of it (QUESTION_MATCH): then the question is asked as staff expected, like a heading."""
        best, said = 0.0, [frozenset(topic)]
        for asked, asked_topic in zip(self.question_sets[i], self.question_topics[i]):
            # Both ways: the question holds the similar question's topic too (「信用卡怎么申请」 is not
            # 「我在用信用卡 影响贷款不」, though the second holds all of the first).
            best = max(best, min(self._coverage(topic, 0, [asked]), self._coverage(asked_topic, 0, said)))
        return best if best >= QUESTION_MATCH else 0.0

    def allowed(self, county: str | None) -> np.ndarray:
        """Passages a question from ``county`` may use (all without a county; never another county's)."""
        if not county:
            return np.ones(len(self.passages), dtype=bool)
        return self._county_factors(county) > 0

    def _county_factors(self, county: str) -> np.ndarray:
        scoped = [p.county for p in self.passages]
        return np.array([1.0 if not s else COUNTY_BOOST if s == county else 0.0 for s in scoped], dtype=np.float64)

    def _title_boost(self, terms: list[str], total: float) -> np.ndarray:
        """A question naming a product (云岭创业贷, 贷免扶补) prefers that product's document."""
        hit = np.zeros(len(self.passages), dtype=np.float64)
        for t in sorted({t for t in terms if t in self.titled}, key=self.vocab.__getitem__):  # as the matrix product summed
            hit[self.titled[t]] += self.idf.get(t, 0.0)
        return 1.0 + TITLE_MATCH_BOOST * (hit / total if total else 0.0)

    def _coverage(self, terms: list[str], i: int, sets: list[frozenset[str]] | None = None) -> float:
        """Share of the question's topic weight (idf) that the passage contains.

        What is asked (focus words: 额度, 期限 …) counts FOCUS_WEIGHT times. A topic word the
        passage lacks weighs against it:
        - fully and more (UNKNOWN_WEIGHT) when the corpus never uses it (签证, 上市公司) or it is an
          everyday compound of words.txt (信用卡, 失业金: a product the programme does not offer,
          even if a passage mentions it in passing): the question is about something else;
        - fully (1×) in a question of one or two topic words: each of them is what it asks about
          (转移 in 「社保怎么转移」), wherever else the corpus uses it;
        - less (ELSEWHERE_WEIGHT) in a longer question, when other passages use the word
          (返乡创业农民工, 药膳): it says who asks, within the programme.
        """
        found = (sets or self.term_sets)[i]
        distinct = list(dict.fromkeys(terms))
        # In a short question every word is what it asks about; in a longer one some say who asks.
        describes_asker = ELSEWHERE_WEIGHT if len(distinct) >= ASKER_WORDS_FROM else 1.0
        hit = total = 0.0
        for t in distinct:
            w = self.weight(t) * (FOCUS_WEIGHT if t in self.analyzer.focus else 1.0)
            if t in found or self._parts_in(t, found):
                hit += w
                total += w
            elif t in self.analyzer.atomic or not self._known(t):
                total += w * UNKNOWN_WEIGHT
            else:
                total += w * describes_asker
        return hit / total if total else 0.0

    def _known(self, term: str) -> bool:
        """The corpus uses the word (or all its parts); an unknown single character counts as known."""
        if term in self.idf or len(term) == 1:
            return True
        parts = self.analyzer.sub_words(term)
        return bool(parts) and all(p in self.idf for p in parts)

    def _parts_in(self, term: str, found: frozenset[str]) -> bool:
        parts = self.analyzer.sub_words(term)
        return bool(parts) and all(p in found for p in parts)
