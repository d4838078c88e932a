"""Turning colloquial Chinese into index terms: synonyms, jieba with programme terms, typo repair.

Order matters: (1) homophone typos of programme terms are repaired on the raw text
(带款 → 贷款, 担报 → 担保), (2) colloquial and dialect wording is rewritten to the terms the
documents use (咋个整 → 怎么办理, 借钱 → 贷款), longest phrase first, in one pass so a
rewrite is never rewritten again, (3) jieba (search mode, custom dictionary) segments, and
stop words and punctuation are dropped.
"""
from __future__ import annotations

import array
import contextlib
import hashlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import marisa_trie
import orjson

from knowledge.pinyin import reading, sounds


def _import_jieba() -> ModuleType:
    """``import jieba``, with setuptools' ``pkg_resources`` hidden from it unless something already
    loaded it. jieba opens its data files through ``pkg_resources`` when it can import it, else with
    a plain ``open`` of the same path (its own fallback); for an installed package both read the same
    file, but importing ``pkg_resources`` adds to every process's start-up (every CLI command, every
    worker; ``python -m benchmarks.footprint_bench imports`` shows how much), and nothing else here
    needs it."""
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        import jieba as module
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return module


jieba = _import_jieba()

log = logging.getLogger("chuangye.knowledge")
DICT_DIR = Path(__file__).resolve().parent / "dict"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TOKEN_OK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

jieba.setLogLevel(logging.WARNING)


def _read_lines(name: str) -> list[str]:
    text = (DICT_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


SynonymEntries = Iterable[tuple[str, Iterable[str]]]

class WordTrie:
    """jieba's ``FREQ`` (every word with its count, every prefix of a word with 0) held as a marisa trie
    of the keys and an array of their counts by the trie's key ids, instead of a dict: about 10 MB
    instead of 55 (half a million Python strings), loaded from the cache file in a millisecond.
    jieba reads it through ``in``, ``[]`` and ``get``; words added later (a staff word, jieba's
    ``add_word``) go to a dict beside it (``added``) and win over the trie. ``logs`` holds
    ``log(count or 1)`` by key id (``TrieTokenizer``'s fast path)."""

    __slots__ = ("trie", "counts", "logs", "longest", "added", "_added_trie")

    def __init__(self, trie: marisa_trie.Trie, counts: array.array, logs: array.array, longest: int) -> None:
        self.trie, self.counts, self.logs, self.longest = trie, counts, logs, longest
        self.added: dict[str, int] = {}
        self._added_trie: tuple[marisa_trie.Trie, int, frozenset[str]] | None = None

    @classmethod
    def from_dict(cls, freq: dict[str, int]) -> WordTrie:
        trie = marisa_trie.Trie(freq)
        counts = array.array("q", bytes(8 * len(trie)))
        for word, count in freq.items():
            counts[trie[word]] = count
        logs = array.array("d", (math.log(c or 1) for c in counts))
        return cls(trie, counts, logs, max(map(len, freq), default=1))

    def __contains__(self, word: object) -> bool:
        return word in self.added or word in self.trie

    def get(self, word: str, default: int | None = None) -> int | None:
        if self.added:
            count = self.added.get(word)
            if count is not None:
                return count
        i = self.trie.get(word)
        return default if i is None else self.counts[i]

    def __getitem__(self, word: str) -> int:
        count = self.get(word)
        if count is None:
            raise KeyError(word)
        return count

    def __setitem__(self, word: str, count: int) -> None:
        self.added[word] = count
        self._added_trie = None

    def added_trie(self) -> tuple[marisa_trie.Trie, int, frozenset[str]]:
        """The added words that are not in the trie, as a trie of their own (made again after an
        addition), the length of the longest and their first characters."""
        added = self._added_trie
        if added is None:
            words = [w for w in self.added if w not in self.trie]
            added = self._added_trie = (marisa_trie.Trie(words), max(map(len, words), default=0),
                                        frozenset(w[0] for w in words))
        return added

    def __len__(self) -> int:
        return len(self.trie) + sum(1 for w in self.added if w not in self.trie)

    def __iter__(self) -> Iterator[str]:
        yield from self.trie.iterkeys()
        yield from (w for w in self.added if w not in self.trie)

    def items(self) -> Iterator[tuple[str, int]]:
        for word in self:
            yield word, self[word]


class _Ends(list):
    """A DAG entry of ``TrieTokenizer.get_DAG``: the ends of the words starting there, with each
    word's ``log(count or 1)`` in ``logs``."""

    __slots__ = ("logs",)


class TrieTokenizer(jieba.Tokenizer):
    """jieba's tokenizer over a ``WordTrie``: the words starting at each position come from one trie
    call instead of a dict lookup per prefix, with the logs of their counts, so ``calc`` looks nothing
    up. Words added after loading (a staff word) come from a small trie of their own, and their counts
    from ``WordTrie.added``. The segmentation is jieba's own, word for word, and so is the arithmetic
    (tests/unit/test_jieba_cache.py compares them); over a plain dict, jieba's own ``get_DAG`` and
    ``calc`` run."""

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        self.check_initialized()
        freq = self.FREQ
        if not isinstance(freq, WordTrie):
            return super().get_DAG(sentence)
        prefixes, counts, logs, longest = freq.trie.iter_prefixes_with_ids, freq.counts, freq.logs, freq.longest
        added = freq.added
        extra, extra_longest, extra_starts = freq.added_trie() if added else (None, 0, frozenset())
        dag: dict[int, list[int]] = {}
        for k in range(len(sentence)):
            ends = _Ends()
            ends.logs = found = []
            for word, i in prefixes(sentence[k:k + longest]):
                count = added.get(word) if added else None
                if count is None:
                    if counts[i]:
                        ends.append(k + len(word) - 1)
                        found.append(logs[i])
                elif count:
                    ends.append(k + len(word) - 1)
                    found.append(math.log(count))
            if extra_longest and sentence[k] in extra_starts:
                more = [(k + len(word) - 1, math.log(added[word]))
                        for word in extra.prefixes(sentence[k:k + extra_longest]) if added[word]]
                if more:
                    pairs = sorted(list(zip(ends, found)) + more)
                    ends[:] = [end for end, _ in pairs]
                    found[:] = [log for _, log in pairs]
            if not ends:
                ends.append(k)
                found.append(0.0)  # a character that is no word: log(1)
            dag[k] = ends
        return dag

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:  # noqa: N803 (jieba's name)
        first = DAG.get(0)
        if not isinstance(first, _Ends):
            super().calc(sentence, DAG, route)
            return
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = math.log(self.total)
        for idx in range(n - 1, -1, -1):
            ends = DAG[idx]
            # jieba's own arithmetic, log(count or 1) - log(total) + route, with the first log read
            route[idx] = max((lc - logtotal + route[x + 1][0], x) for x, lc in zip(ends, ends.logs))  # type: ignore[attr-defined]


_TOKENIZER: jieba.Tokenizer | None = None
_TOKENIZER_LOCK = threading.Lock()
_CACHE_FORMAT = 3


def shared_tokenizer() -> jieba.Tokenizer:
    """jieba with the programme's terms, once per process (see ``_cached_dictionary``)."""
    global _TOKENIZER
    with _TOKENIZER_LOCK:
        if _TOKENIZER is None:
            _TOKENIZER = _load_or_build()
        return _TOKENIZER


def _load_or_build() -> TrieTokenizer:
    """A new tokenizer with the programme's terms: from the cache file, or built (and saved there)."""
    tokenizer = TrieTokenizer()
    if not _cached_dictionary(tokenizer):
        with_programme_words(tokenizer)
        tokenizer.FREQ = WordTrie.from_dict(tokenizer.FREQ)
        _save_dictionary(tokenizer)
    return tokenizer


def with_programme_words(tokenizer: jieba.Tokenizer) -> jieba.Tokenizer:
    """``tokenizer`` with jieba's own dictionary, as jieba keeps it (a dict), and the programme's words."""
    tokenizer.load_userdict(str(DICT_DIR / "terms.txt"))
    for word in _read_lines("words.txt"):
        tokenizer.add_word(word)  # everyday compounds kept whole (see words.txt)
    tokenizer.initialize()
    return tokenizer


# jieba keeps its dictionary (about 500 000 words and prefixes) in a marshal file, whose load takes
# 0.6 s and makes a dict of 55 MB. The same table as a marisa trie with arrays of counts and their logs
# (``WordTrie``) loads in a millisecond and holds 10 MB, and already holds the programme's words.
# It is plain data (never unpickled code), in a directory only this user can write, named after
# everything it is made from: a changed jieba, terms.txt or words.txt makes another file, and a
# damaged one is rebuilt.

def _cache_dir() -> Path | None:
    """The directory of prepared data (``$CHUANGYE_CACHE_DIR``), or None when another user could write it."""
    base = os.environ.get("CHUANGYE_CACHE_DIR") or os.path.join(tempfile.gettempdir(), f"chuangye-{os.getuid()}")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        st = os.stat(base)
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:  # someone else could plant a dictionary here
        return None
    return Path(base)


def _write_atomically(path: Path, *parts: bytes) -> None:
    """Whole or not at all, also with several workers writing at once."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for part in parts:
                f.write(part)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _cache_file() -> Path | None:
    base = _cache_dir()
    if base is None:
        return None
    source = os.stat(os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME))  # 5 MB: not read
    digest = hashlib.sha256(f"{_CACHE_FORMAT}:{jieba.__version__}:{sys.byteorder}:"
                            f"{source.st_size}:{source.st_mtime_ns}".encode())
    for path in (DICT_DIR / "terms.txt", DICT_DIR / "words.txt"):
        digest.update(path.read_bytes())
    return base / f"jieba-{digest.hexdigest()[:24]}.dict"


def _cached_dictionary(tokenizer: jieba.Tokenizer) -> bool:
    """Load the prepared dictionary into ``tokenizer``; False when there is none (or it is damaged)."""
    try:
        path = _cache_file()
        if path is None or not path.is_file():
            return False
        with open(path, "rb") as f:
            header = json.loads(f.readline())
            if header["format"] != _CACHE_FORMAT:
                return False
            trie = marisa_trie.Trie().frombytes(f.read(header["trie_bytes"]))
            counts, logs = array.array("q"), array.array("d")
            counts.frombytes(f.read(8 * header["count"]))
            logs.frombytes(f.read())
        if not len(trie) == len(counts) == len(logs) == header["count"]:
            return False
    except (OSError, ValueError, KeyError, UnicodeDecodeError, RuntimeError) as exc:  # RuntimeError: marisa's
        log.warning("jieba dictionary cache unreadable, rebuilding it: %s", exc)
        return False
    tokenizer.FREQ, tokenizer.total = WordTrie(trie, counts, logs, header["longest"]), header["total"]
    tokenizer.user_word_tag_tab = header["tags"]
    for word in header["force_split"]:
        jieba.finalseg.add_force_split(word)
    tokenizer.initialized = True
    return True


def _save_dictionary(tokenizer: jieba.Tokenizer) -> None:
    path = _cache_file()
    freq = tokenizer.FREQ
    if path is None or not isinstance(freq, WordTrie) or freq.added:
        return
    blob = freq.trie.tobytes()
    header = {"format": _CACHE_FORMAT, "count": len(freq.trie), "total": tokenizer.total, "longest": freq.longest,
              "trie_bytes": len(blob),
              "tags": tokenizer.user_word_tag_tab, "force_split": sorted(jieba.finalseg.Force_Split_Words)}
    try:
        _write_atomically(path, json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n", blob,
                          freq.counts.tobytes(), freq.logs.tobytes())
    except OSError as exc:
        log.warning("jieba dictionary cache not written: %s", exc)


_TERMS_FORMAT = 1
Analysed = tuple[tuple[str, ...], tuple[str, ...]]  # Analyzer.analyzed: (search tokens, content words)


def _words(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(w, str) for w in value)


def _terms_file() -> Path | None:
    """Where ``Analyzer.text_terms`` leaves the last index build's texts and terms: one file for the
    process and its siblings (the newest build's, whichever analyzer made it)."""
    base = _cache_dir()
    return None if base is None else base / "index-terms.json"


def _inputs_digest(extra: list[tuple[str, list[str]]]) -> str:
    """What a text's index terms and a question's analysis are made from, besides jieba's dictionary:
    this module's and the readings' code, every file of DICT_DIR (synonyms, stop words, programme
    words, readings...), the staff's synonyms, jieba's version."""
    digest = hashlib.sha256(f"{jieba.__version__}\n".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(__file__).with_name("pinyin.py").read_bytes())
    for path in sorted(DICT_DIR.iterdir()):
        if path.is_file():
            digest.update(f"\n{path.name}\n".encode())
            digest.update(path.read_bytes())
    digest.update(json.dumps(extra, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def parse_synonym_line(line: str) -> tuple[str, list[str]]:
    """``canonical: variant, variant`` (the synonyms.txt format) as ``(canonical, [variants])``."""
    canonical, _, variants = line.partition(":")
    return canonical.strip(), [v.strip() for v in re.split(r"[,，、]", variants) if v.strip()]


class Analyzer:
    """Unchanged after construction but for its memos; safe to share between threads.

    `extra_synonyms` are entries staff keep (e.g. from the database), in the shape
    ``[("网络商户", ["开网店的", "网店店主"]), ("!贷款额度", ["能借好多"])]``: a leading ``!``
    marks a focus canonical as in synonyms.txt. They are applied after the shipped table and win
    over it for the same variant.
    """

    def __init__(self, extra_synonyms: SynonymEntries | None = None) -> None:
        self.tokenizer = shared_tokenizer()
        extra = [(c, list(v)) for c, v in (extra_synonyms or [])]
        self._inputs = _inputs_digest(extra)
        self.terms = [line.split()[0] for line in _read_lines("terms.txt")]
        self.stopwords = set(_read_lines("stopwords.txt"))
        self.focus: set[str] = set()
        entries = [parse_synonym_line(line) for line in _read_lines("synonyms.txt")]
        self.synonyms = self._synonym_table(entries, extra)
        # Everyday compounds (信用卡, 失业金) whose parts never stand in for them, and the words that
        # name a business subject (what a tax-relief passage needs a question to be about).
        self.atomic = set(_read_lines("words.txt"))
        self.subjects = set(_read_lines("subjects.txt"))
        # Typos are repaired towards programme words only (never towards 房贷 or 信用卡).
        self._pinyin_terms = self._pinyin_index(self.terms + [c for v in self.synonyms.values() for c in v.split()])
        # Programme terms map to themselves, so rewriting never splits one (创业担保贷款 keeps its
        # 贷款); so does an everyday compound that rewriting would split (助学贷款 is not read as
        # 贷款), but not one that is itself inside a longer word (住房贷款 stays whole, not 住+房贷).
        for term in self.terms:
            self.synonyms.setdefault(term, term)
        for word in sorted(self.atomic):
            if any(key in word for key in self.synonyms):
                self.synonyms.setdefault(word, word)
        self.question_words = set(_read_lines("question_words.txt"))
        # Places (the prefecture and its counties, terms.txt entries tagged ns, with and without
        # 州/市/县): where the asker is, never what a question is about (「元谋这几天好热」).
        places = [line.split()[0] for line in _read_lines("terms.txt") if line.split()[-1] == "ns"]
        self.places = set(places) | {p[:-1] for p in places if len(p) > 2}
        self._syn_re = re.compile("|".join(re.escape(v) for v in sorted(self.synonyms, key=len, reverse=True)))
        self.sub_words = lru_cache(maxsize=20_000)(self._sub_words)
        # Similar questions are read again at every index build (each knowledge reload): once per analyzer.
        self.analyzed = lru_cache(maxsize=20_000)(self._analyzed)
        # What the last index build read, with what it made of it: "terms", the passages' texts (titles,
        # headings, bodies) with their terms (``text_terms``), and "questions", the similar questions (问法)
        # with their analyses (``similar_question_terms``). A reload after one edit cuts only what
        # changed. Each with the dictionary it was cut with, in one value: builds in two threads never
        # pair one's texts with the other's.
        self._memos: dict[str, tuple[tuple[int, float] | None, dict[str, Any]]] = {
            "terms": (None, {}), "questions": (None, {})}
        # The saved file's parts not asked for yet (``_from_disk``).
        self._disk: tuple[tuple[int, float] | None, dict[str, dict[str, Any]]] = (None, {})

    def _synonym_table(self, shipped: list[tuple[str, list[str]]],
                       extra: list[tuple[str, list[str]]]) -> dict[str, str]:
        table: dict[str, str] = {}
        for entries, override in ((shipped, False), (extra, True)):
            for canonical, variants in entries:
                canonical = canonical.strip()
                if canonical.startswith("!"):
                    canonical = canonical[1:].strip()
                    self.focus.update(canonical.split())
                if not canonical:
                    continue
                if override:
                    # A staff word jieba does not know stays one index term.
                    for word in canonical.split():
                        if not self.tokenizer.FREQ.get(word):
                            self.tokenizer.add_word(word, 30, "n")
                for variant in (v.strip().lower() for v in variants):
                    if variant and (override or variant not in table) and table.get(variant) != variant:
                        table[variant] = canonical
                # A canonical phrase maps to itself so the single pass never rewrites inside it.
                for word in canonical.split():
                    table.setdefault(word, word)
        return table

    @staticmethod
    def _pinyin_index(words: list[str]) -> dict[str, str]:
        index: dict[str, str] = {}
        for word in words:
            if len(word) >= 2 and all(_CJK.match(ch) for ch in word):
                index.setdefault(" ".join(sounds(word)), word)
        return index

    def repair_typos(self, text: str) -> str:
        """Replace 2–6 character runs that sound like a programme term but are written otherwise.

        The longest run that sounds like a term wins; a run already spelled right is kept whole.
        """
        out: list[str] = []
        heard = [reading(ch) for ch in text]  # None: not a Chinese character, so no run crosses it
        i = 0
        while i < len(text):
            replaced = False
            for size in (6, 5, 4, 3, 2):
                run = heard[i:i + size]
                if len(run) < size or None in run:
                    continue
                term = self._pinyin_terms.get(" ".join(run))  # type: ignore[arg-type]  (no None left)
                if term:
                    out.append(term)
                    i += size
                    replaced = True
                    break
            if not replaced:
                out.append(text[i])
                i += 1
        return "".join(out)

    def rewrite(self, text: str) -> str:
        return self._syn_re.sub(lambda m: " " + self.synonyms[m.group(0)] + " ", text)

    def normalize(self, text: str) -> str:
        return self.rewrite(self.repair_typos(text.lower()))

    def tokens(self, text: str, *, query: bool = False) -> list[str]:
        """Index terms of a text; questions (query=True) also get typo repair and rewriting."""
        source = self.normalize(text) if query else text.lower()
        return self._keep(self.tokenizer.cut_for_search(source))

    def text_terms(self, texts: Sequence[str]) -> list[list[str]]:
        """``tokens(rewrite(text))`` of each text, as an index build reads a passage's title, heading
        and body.

        Each reload (after any staff edit) rebuilds the index from every passage. jieba cuts in pure
        Python, holding the GIL, so the event loop answers more slowly for as long, which grows with
        the knowledge base (benchmarks/kb_reload_bench.py). So the texts of the previous call are
        remembered with their terms, and only new or edited ones are cut.
        What is remembered is the last call's texts only (the knowledge base's size), and only while
        the shared tokenizer's dictionary is unchanged: a staff word added by another analyzer
        (``_synonym_table``) changes how texts are cut. An empty call (the empty knowledge base a process
        starts with) forgets nothing.
        A call that cut something also leaves what it remembers in the cache directory (``_terms_file``),
        and an analyzer that remembers nothing yet starts from there: a process's first index build
        (0.3-0.4 s of its start on the machine of docs/benchmarks.md) then cuts nothing. That file counts
        only for the same inputs: this module's code, every file of ``DICT_DIR``, the staff's synonyms,
        jieba's version and its dictionary as it is now (``_terms_key``).
        """
        return [list(terms) for terms in self._remembered(
            "terms", texts, lambda text: tuple(self.tokens(self.rewrite(text))))]

    def similar_question_terms(self, questions: Sequence[str]) -> list[Analysed]:
        """``analyzed(question)`` of each similar question (问法) an index build reads, remembered and
        saved with the texts' terms as ``text_terms`` does: a process's first build reads them from
        the cache directory instead of repairing, rewriting and cutting each one again."""
        return self._remembered("questions", questions, self.analyzed)

    def _remembered(self, kind: str, items: Sequence[str], make: Callable[[str], Any]) -> list[Any]:
        """``make(item)`` of each item, from what the last call of this ``kind`` made, or else from
        what was saved (see ``text_terms``); saved again when anything had to be made."""
        if not items:
            return []
        dictionary = (len(self.tokenizer.FREQ), float(self.tokenizer.total))
        made_with, remembered = self._memos[kind]
        previous = remembered if made_with == dictionary else {}
        if not previous:
            previous = self._from_disk(kind, dictionary)
        memo: dict[str, Any] = {}
        out = []
        made = False
        for item in items:
            result = memo.get(item)
            if result is None:
                result = previous.get(item)
                if result is None:
                    result = make(item)
                    made = True
                memo[item] = result
            out.append(result)
        self._memos[kind] = (dictionary, memo)
        if made:
            self._save(dictionary)
        return out

    def _from_disk(self, kind: str, dictionary: tuple[int, float]) -> dict[str, Any]:
        """``kind``'s part of what was saved, the file read once for both kinds: an index build asks for
        the texts' terms, saves what it cut (the questions' part not yet among them), then asks for
        the questions' analyses, which must still come from the file as it was."""
        read_with, saved = self._disk
        if read_with != dictionary:
            saved = self._saved(dictionary)
        part = saved.pop(kind, {})
        self._disk = (dictionary, saved) if saved else (None, {})  # nothing kept once both are taken
        return part

    def _terms_key(self, dictionary: tuple[int, float]) -> str:
        return f"{_TERMS_FORMAT}:{self._inputs}:{dictionary[0]}:{dictionary[1]!r}"

    def _saved(self, dictionary: tuple[int, float]) -> dict[str, dict[str, Any]]:
        """{"terms": texts' terms, "questions": similar questions' analyses} the last index build with
        the same inputs left in the cache directory; empty if none."""
        nothing: dict[str, dict[str, Any]] = {"terms": {}, "questions": {}}
        path = _terms_file()
        if path is None:
            return nothing
        try:
            saved = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return nothing
        except (OSError, orjson.JSONDecodeError) as exc:
            log.warning("saved index terms unreadable, cutting the texts again: %s", exc)
            return nothing
        if not isinstance(saved, dict) or saved.get("key") != self._terms_key(dictionary):
            return nothing
        terms, questions = saved.get("terms"), saved.get("questions")
        if not (isinstance(terms, dict) and all(_words(words) for words in terms.values())
                and isinstance(questions, dict)
                and all(isinstance(pair, list) and len(pair) == 2 and _words(pair[0]) and _words(pair[1])
                        for pair in questions.values())):
            log.warning("saved index terms malformed, cutting the texts again")
            return nothing
        return {"terms": {text: tuple(words) for text, words in terms.items()},
                "questions": {q: (tuple(tokens), tuple(words)) for q, (tokens, words) in questions.items()}}

    def _save(self, dictionary: tuple[int, float]) -> None:
        """Leave what the last build read (of both kinds, as far as cut with ``dictionary``) for the next process."""
        path = _terms_file()
        if path is None:
            return
        saved: dict[str, Any] = {"key": self._terms_key(dictionary), "terms": {}, "questions": {}}
        for kind, (made_with, memo) in self._memos.items():
            if made_with == dictionary:
                saved[kind] = memo
        try:
            _write_atomically(path, orjson.dumps(saved))
        except OSError as exc:
            log.warning("index terms not saved: %s", exc)

    def content_terms(self, question: str) -> list[str]:
        """The question's words as a reader would split them (no sub-words): what it is about."""
        return self._keep(self.tokenizer.cut(self.normalize(question)))

    def question_terms(self, question: str) -> tuple[list[str], list[str]]:
        """``(tokens(question, query=True), content_terms(question))``, normalizing only once."""
        source = self.normalize(question)
        return self._keep(self.tokenizer.cut_for_search(source)), self._keep(self.tokenizer.cut(source))

    def _analyzed(self, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``question_terms`` as tuples, cached (the analyzer never changes after construction)."""
        tokens, words = self.question_terms(question)
        return tuple(tokens), tuple(words)

    def _sub_words(self, term: str) -> tuple[str, ...]:
        """The index terms inside one term, other than itself (cached: the tokenizer never changes).

        An everyday compound of words.txt has none: 信用卡 is not 信用 and a card.
        """
        if term in self.atomic:
            return ()
        return tuple(p for p in self.tokens(term) if p != term)

    def names_subject(self, words: Iterable[str]) -> bool:
        """Whether a question's words (or their parts: 小规模纳税人 → 纳税人) name a business subject."""
        return any(w in self.subjects or any(p in self.subjects for p in self.sub_words(w)) for w in words)

    def _keep(self, words) -> list[str]:
        return [w for w in (w.strip() for w in words) if w and _TOKEN_OK.search(w) and w not in self.stopwords]
