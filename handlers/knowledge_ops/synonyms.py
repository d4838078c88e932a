"""Colloquial words staff keep (issue 8): list, add, edit, deactivate.

An entry says that its variants (老百姓的说法: 老兵, 当过兵的) mean its canonical word (the one the
documents use: 退役军人). Active entries are read on top of the shipped table
(knowledge/dict/synonyms.txt) and win over it for the same variant.

Guarantees:
- canonical and every variant are 1–20 characters of Chinese, letters or digits; at most
  ``MAX_VARIANTS`` variants; a variant is never used by another active entry (one word, one
  meaning), also when two staff save at once: a change bumps the version row first, whose lock
  makes concurrent changes take turns. Bad input raises InvalidInput naming the field, and
  nothing is stored;
- every change is one transaction with its audit row and a bump of the knowledge base's version
  (sync.py), so every process reads questions with the new words within 5 s, without a restart;
- county and prefecture administrators change entries (the words are prefecture-wide); every
  staff member reads them (window staff: Forbidden on change, as for documents).
"""
from __future__ import annotations

import re
from typing import Any

from tortoise.transactions import in_transaction

from handlers.errors import InvalidInput, NotFound
from handlers.knowledge_ops import sync
from handlers.knowledge_ops.documents import MSG_WINDOW, WRITER_ROLES
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from orm_models import KbSynonym, StaffAccount

MAX_WORD = 20
MAX_VARIANTS = 50
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")
_SPLIT = re.compile(r"[,，、;；\s]+")


def may_change(staff: StaffAccount | None) -> None:
    """``staff`` None is the system (the command line)."""
    if staff is not None and staff.role not in WRITER_ROLES:
        raise Forbidden(MSG_WINDOW)


def _word_problem(word: str, label: str) -> str | None:
    if not word:
        return f"请填写{label}"
    if len(word) > MAX_WORD:
        return f"{label}「{word[:MAX_WORD]}…」超过 {MAX_WORD} 个字"
    if not _WORD.match(word):
        return f"{label}「{word}」只能包含汉字、字母和数字（不要空格和标点）"
    return None


def _variants(raw: Any) -> list[str]:
    """A list, or one string separated by commas, 、 or spaces; order kept, repeats dropped."""
    items = _SPLIT.split(raw) if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        word = str(item).strip().lower()
        if word and word not in out:
            out.append(word)
    return out


async def check(raw: dict[str, Any], *, entry_id: int | None = None, active: bool = True,
                using_db: Any = None) -> dict[str, Any]:
    """The entry's fields, or InvalidInput naming every bad one."""
    errors: dict[str, str] = {}
    canonical = str(raw.get("canonical") or "").strip()
    if problem := _word_problem(canonical, "规范词"):
        errors["canonical"] = problem
    variants = _variants(raw.get("variants"))
    if not variants:
        errors["variants"] = "请至少填写一个说法"
    elif len(variants) > MAX_VARIANTS:
        errors["variants"] = f"说法最多 {MAX_VARIANTS} 个，现在有 {len(variants)} 个"
    else:
        problems = [p for p in (_word_problem(v, "说法") for v in variants) if p]
        if problems:
            errors["variants"] = problems[0]
        elif canonical.lower() in variants:
            errors["variants"] = f"说法里不要再写规范词「{canonical}」本身"
    if active and "variants" not in errors:
        others = KbSynonym.filter(active=True).using_db(using_db)
        if entry_id is not None:
            others = others.exclude(id=entry_id)
        for other in await others:
            taken = [v for v in variants if v in other.variants]
            if taken:
                errors["variants"] = f"说法「{taken[0]}」已在规范词「{other.canonical}」的条目里，一个说法只能有一个意思"
                break
    if errors:
        raise InvalidInput(fields=errors)
    return {"canonical": canonical, "variants": variants, "focus": bool(raw.get("focus"))}


# ---------------------------------------------------------------- reading


async def list_synonyms() -> list[KbSynonym]:
    """Active entries first, newest first."""
    return await KbSynonym.all().order_by("-active", "-updated_at", "-id")


async def get_synonym(entry_id: int) -> KbSynonym:
    entry = await KbSynonym.get_or_none(id=entry_id)
    if entry is None:
        raise NotFound(f"没有找到编号为 {entry_id} 的同义词条目")
    return entry


# ---------------------------------------------------------------- changes


async def add(staff: StaffAccount | None, raw: dict[str, Any], *, ip: str | None = None) -> KbSynonym:
    may_change(staff)
    who = staff.id if staff else None
    async with in_transaction() as conn:
        await sync.bump(conn)  # first: its row lock makes concurrent changes take turns (one word, one meaning)
        fields = await check(raw, using_db=conn)
        entry = await KbSynonym.create(**fields, created_by_id=who, updated_by_id=who, using_db=conn)
        await audit.record(staff, "kb_synonym_add", "kb_synonym", entry.id, ip=ip, using_db=conn, detail=fields)
    return entry


async def edit(staff: StaffAccount | None, entry_id: int, raw: dict[str, Any], *,
               ip: str | None = None) -> KbSynonym:
    """Change any of canonical, variants, focus and active (``active`` false deactivates the entry,
    true brings it back). Fields left out (None) keep their values."""
    may_change(staff)
    entry = await get_synonym(entry_id)
    given = {k: v for k, v in raw.items() if v is not None}
    if not given:
        raise InvalidInput({"variants": "请至少修改规范词、说法、重点词或启用状态中的一项"})
    active = bool(given.get("active", entry.active))
    wanted = {"canonical": given.get("canonical", entry.canonical), "variants": given.get("variants", entry.variants),
              "focus": given.get("focus", entry.focus)}
    fields = await check(wanted, entry_id=entry.id, active=active)
    before = {"canonical": entry.canonical, "variants": list(entry.variants), "focus": entry.focus,
              "active": entry.active}
    after = {**fields, "active": active}
    if after == before:
        return entry  # nothing changed: no audit row, no reload
    action = "kb_synonym_deactivate" if before["active"] and not active else "kb_synonym_edit"
    async with in_transaction() as conn:
        await sync.bump(conn)  # first: its row lock makes concurrent changes take turns (one word, one meaning)
        await check(wanted, entry_id=entry.id, active=active, using_db=conn)
        locked = await KbSynonym.filter(id=entry.id).using_db(conn).first()
        if locked is None:
            raise NotFound(f"没有找到编号为 {entry_id} 的同义词条目")
        for name, value in after.items():
            setattr(locked, name, value)
        locked.updated_by_id = staff.id if staff else None
        await locked.save(using_db=conn)
        await audit.record(staff, action, "kb_synonym", locked.id, ip=ip, using_db=conn,
                           detail={"before": before, "after": after})
    return locked


async def deactivate(staff: StaffAccount | None, entry_id: int, *, ip: str | None = None) -> KbSynonym:
    return await edit(staff, entry_id, {"active": False}, ip=ip)
