"""Cutting a parsed document into segments: by headings first, then by length.

A parser yields ``Block``s (a heading, or a run of body text under the last heading). Every
heading starts a new segment; a section longer than ``MAX_CHARS`` is cut at sentence ends (at a
hard limit only when a single sentence is longer). Empty segments never come out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.documents import MAX_QUESTION_CHARS, MAX_QUESTIONS, split_questions

MAX_CHARS = 500
MAX_HEADING = 200
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False


@dataclass(frozen=True)
class Segment:
    heading: str
    text: str
    questions: tuple[str, ...] = ()  # similar questions (问法) of its section, on its first segment


def clean(text: str) -> str:
    """Collapse runs of spaces and blank lines; strip each line."""
    lines = [_SPACES.sub(" ", line).strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def split_length(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut after sentence ends where possible."""
    text = clean(text)
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s and s.strip()):
        sentence = sentence.strip()
        while len(sentence) > limit:  # one sentence longer than a segment: hard cut
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        joiner = "" if not current or _cjk_end(current) else " "
        if len(current) + len(joiner) + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = current + joiner + sentence if current else sentence
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _cjk_end(text: str) -> bool:
    return bool(text) and ord(text[-1]) > 0x2E80


def segment(blocks: list[Block], limit: int = MAX_CHARS) -> list[Segment]:
    """Headings open sections; each section's text is cut by length. Never an empty segment.

    A section's `问法：a｜b` lines are its similar questions, kept on its first segment, not in its text."""
    out: list[Segment] = []
    heading, body = "", []

    def flush() -> None:
        text, questions = split_questions("\n".join(body))
        questions = tuple(q[:MAX_QUESTION_CHARS] for q in questions[:MAX_QUESTIONS])
        for n, piece in enumerate(split_length(text, limit)):
            out.append(Segment(heading=heading[:MAX_HEADING], text=piece, questions=questions if n == 0 else ()))

    for block in blocks:
        if block.heading:
            flush()
            heading, body = clean(block.text).replace("\n", " "), []
        elif block.text.strip():
            body.append(block.text)
    flush()
    return out
