"""Loading the programme's Markdown documents into passages (one per `##` section)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from chuangye import yamlio

REQUIRED = ("id", "title", "issuer", "date", "source_url", "confidence")
# Optional front matter: `kind` (what the document is about; "tax" documents answer only questions
# about a business, see index.py, and end with the tax bureau caveat) and `caveat` (the closing
# line of every answer from the document, overriding the one its kind implies).
KINDS = ("", "tax")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Similar questions (相似问法): a line `问法：问题一｜问题二` in a section lists the ways people ask for
# what it says. They are indexed with the passage (so a question worded far from the document still
# finds it) but never shown in an answer. Staff keep them per segment in the console.
_QUESTIONS_LINE = re.compile(r"^问法[:：](.*)$", re.M)
_QUESTION_SEPARATOR = re.compile(r"[｜|]")
MAX_QUESTIONS = 20
MAX_QUESTION_CHARS = 100


class DocumentError(ValueError):
    """A knowledge document is malformed (named with its file)."""


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    title: str
    section: str
    text: str
    source_url: str
    issuer: str
    date: str
    confidence: str
    # Set for passages that come from the database (handlers/knowledge_ops/sync.py).
    segment_id: int | None = None
    document_id: int | None = None
    county: str | None = None  # None: the whole prefecture
    kind: str = ""
    caveat: str = ""
    questions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"《{self.title}》· {self.section}"


def clean_questions(questions: Iterable[str | None]) -> tuple[str, ...]:
    """Similar questions trimmed, without empty ones or repeats, in their order."""
    return tuple(dict.fromkeys(q.strip() for q in questions if q and q.strip()))


def split_questions(body: str) -> tuple[str, tuple[str, ...]]:
    """A section's body without its `问法：` lines, and the similar questions those lines list."""
    listed = (q for match in _QUESTIONS_LINE.finditer(body) for q in _QUESTION_SEPARATOR.split(match.group(1)))
    return _QUESTIONS_LINE.sub("", body).strip(), clean_questions(listed)


def parse_document(path: Path) -> list[Passage]:
    return read_document(path)[1]


def read_document(path: Path) -> tuple[dict[str, Any], list[Passage]]:
    """(the front matter, the passages) of one Markdown document, read and parsed once."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT.match(text)
    if not match:
        raise DocumentError(f"{path.name}: 缺少 YAML front matter")
    meta: dict[str, Any] = yamlio.safe_load(match.group(1)) or {}
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise DocumentError(f"{path.name}: front matter 缺少 {', '.join(missing)}")
    kind = str(meta.get("kind") or "")
    if kind not in KINDS:
        raise DocumentError(f"{path.name}: kind 只能是 {', '.join(k for k in KINDS if k)}")
    body = text[match.end():]
    passages: list[Passage] = []
    parts = re.split(r"^## +(.+)$", body, flags=re.M)
    for i in range(1, len(parts), 2):
        section = parts[i].strip()
        content = "\n".join(line for line in parts[i + 1].strip().splitlines() if not line.startswith("# "))
        content, questions = split_questions(content)
        if not content.strip():
            continue
        passages.append(Passage(
            id=f"{meta['id']}#{section}",
            doc_id=str(meta["id"]), title=str(meta["title"]), section=section, text=content.strip(),
            source_url=str(meta["source_url"]), issuer=str(meta["issuer"]), date=str(meta["date"]),
            confidence=str(meta["confidence"]), kind=kind, caveat=str(meta.get("caveat") or "").strip(),
            questions=questions,
        ))
    if not passages:
        raise DocumentError(f"{path.name}: 没有任何 “## 小节”")
    return meta, passages


def load_directory(directory: str | Path) -> tuple[int, list[Passage]]:
    root = Path(directory)
    if not root.is_dir():
        raise DocumentError(f"知识库目录不存在：{root}")
    files = sorted(root.glob("*.md"))
    passages: list[Passage] = []
    for path in files:
        passages.extend(parse_document(path))
    ids = [p.id for p in passages]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise DocumentError(f"知识库文档 id 重复：{', '.join(sorted(dupes))}")
    return len(files), passages


def faq_passages(extra: list[dict[str, Any]] | None) -> list[Passage]:
    """Staff-written FAQ entries ({id, question, answer, source?}) as passages."""
    out = []
    for entry in extra or []:
        out.append(Passage(
            id=f"faq-staff#{entry['id']}", doc_id="faq-staff", title="工作人员答疑",
            section=str(entry["question"]), text=str(entry["answer"]),
            source_url=str(entry.get("source") or ""), issuer="楚雄州创业服务窗口工作人员",
            date=str(entry.get("date") or ""), confidence="工作人员审核",
        ))
    return out


def embedding_text(p: Passage) -> str:
    """What an embedding model is given for a passage (its headings, then its text)."""
    return f"{p.title} {p.section}\n{p.text}" + ("\n" + "\n".join(p.questions) if p.questions else "")
