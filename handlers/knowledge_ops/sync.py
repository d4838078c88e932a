"""The live knowledge base comes from the database, and every process follows its changes.

What answers use: the segments (enabled) of published documents that have not expired, plus the
active FAQ entries, read with the active colloquial words staff keep (``KbSynonym``, synonyms.py)
on top of the shipped table. Passages of the documents that ship with the software keep the ids they had
as files (``{front matter id}#{section}``), so logs and the evaluation set still match.

Guarantees:
- every change to what answers use bumps one counter row (``KbState``) in the change's own
  transaction; a process compares it (plus today's date, so a document stops at its
  ``valid_until`` without any change) with what it loaded, and reloads when they differ. It is
  one indexed row read, so the ask path can check it every second; it needs no Redis;
- ``KnowledgeSync.refresh_if_due`` is called on the ask path (at most once a second) and by the
  background watcher (``watch_ctx``, every ``WATCH_SECONDS``), so a change shows in every
  process within 5 s, without a restart;
- the shipped Markdown files are imported, idempotently, by the first refresh of each process
  (start-up): see ``import_shipped``. The files come with the code, so the process that runs an
  upgraded code base is the one that brings its files; operators have no extra step, and two
  processes starting together cannot both insert a document (``shipped_key`` is unique).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from chuangye.db import note_db_unavailable
from handlers import clock
from knowledge.documents import Passage, faq_passages, read_document
from orm_models import FaqEntry, KbDocument, KbRevision, KbSegment, KbState, KbSynonym

log = logging.getLogger("chuangye.kb.sync")
CHECK_SECONDS = 1.0  # the ask path reads the version at most this often
WATCH_SECONDS = 2.0  # the background watcher's period
STATE_ID = 1
RELOAD_HOOKS = "kb_reload_hooks"  # the registry's list of after-reload hooks
SNAPSHOT_FIELDS = ("title", "issuer", "doc_number", "published_on", "source_url", "confidence", "county",
                   "valid_until", "needs_check", "note", "kind", "caveat")


# ---------------------------------------------------------------- the version counter


async def bump(using_db: Any = None) -> None:
    """Tell every process that what answers use has changed (call inside the change's transaction)."""
    changed = await KbState.filter(id=STATE_ID).using_db(using_db).update(version=F("version") + 1)
    if not changed:
        try:
            async with in_transaction() as conn:  # a savepoint when nested: a lost race leaves the outer one usable
                await KbState.create(id=STATE_ID, version=1, using_db=conn)
        except IntegrityError:
            await KbState.filter(id=STATE_ID).using_db(using_db).update(version=F("version") + 1)


async def version() -> str:
    """The counter and today's date (expiry needs no change to take effect)."""
    row = await KbState.filter(id=STATE_ID).values_list("version", flat=True)
    return f"{row[0] if row else 0}:{clock.today().isoformat()}"


# ---------------------------------------------------------------- passages from the database


def doc_key(document: KbDocument) -> str:
    return document.shipped_key or f"kb{document.id}"


def passage_of(document: KbDocument, seg: KbSegment) -> Passage:
    key = doc_key(document)
    section = seg.heading or f"第{seg.position}段"
    pid = f"{key}#{seg.heading}" if document.shipped_key else f"{key}#{seg.position}"
    return Passage(
        id=pid, doc_id=key, title=document.title, section=section, text=seg.text,
        source_url=document.source_url, issuer=document.issuer,
        date=document.published_on.isoformat() if document.published_on else "",
        confidence=document.confidence, segment_id=seg.id, document_id=document.id, county=document.county,
        kind=document.kind, caveat=document.caveat, questions=tuple(seg.questions or ()),
    )


def usable(today: date) -> Q:
    """Documents whose 有效期至 has not passed."""
    return Q(valid_until__isnull=True) | Q(valid_until__gte=today)


async def faq_entries() -> list[dict[str, str]]:
    """Active FAQ entries in the knowledge base's ``extra`` shape."""
    return [
        {"id": f"faq-{e.id}", "question": e.question, "answer": e.answer, "source": e.source}
        for e in await FaqEntry.filter(active=True).order_by("id")
    ]


async def synonym_entries() -> list[tuple[str, list[str]]]:
    """Active staff synonyms in the knowledge base's ``extra_synonyms`` shape (``!`` marks focus)."""
    return [(("!" if s.focus else "") + s.canonical, list(s.variants))
            for s in await KbSynonym.filter(active=True).order_by("id")]


async def load_passages(*, include_drafts: bool = False) -> tuple[list[Passage], int]:
    """What answers use (``include_drafts``: as if every draft were published), and how many documents."""
    statuses = ["published", "draft"] if include_drafts else ["published"]
    documents = await KbDocument.filter(usable(clock.today()), status__in=statuses).order_by("id")
    by_id = {d.id: d for d in documents}
    segments = await KbSegment.filter(document_id__in=list(by_id), enabled=True).order_by("document_id", "position") \
        if by_id else []
    passages = [passage_of(by_id[s.document_id], s) for s in segments if s.text.strip()]
    return passages + faq_passages(await faq_entries()), len({p.document_id for p in passages})


# ---------------------------------------------------------------- the shipped documents


@dataclass
class ShippedResult:
    created: int = 0
    updated: int = 0
    waiting: int = 0  # changed upstream, kept as staff edited it


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


Section = tuple[str, str, list[str]]  # heading, text, similar questions


def _shipped_fields(path: Path) -> tuple[str, dict[str, Any], list[Section]]:
    """(the document's key, its fields, its sections), the file read and parsed once."""
    meta, passages = read_document(path)
    fields = {
        "title": str(meta["title"]), "issuer": str(meta["issuer"]), "doc_number": str(meta.get("doc_number") or ""),
        "published_on": _parse_date(meta.get("date")), "source_url": str(meta["source_url"]),
        "confidence": str(meta["confidence"]), "county": meta.get("county") or None,
        "valid_until": _parse_date(meta.get("valid_until")), "needs_check": bool(meta.get("needs_check")),
        "note": str(meta.get("note") or ""), "kind": passages[0].kind, "caveat": passages[0].caveat,
    }
    return passages[0].doc_id, fields, [(p.section, p.text, list(p.questions)) for p in passages]


def snapshot(document: KbDocument, segments: list[KbSegment] | list[Section]) -> dict[str, Any]:
    doc = {}
    for name in SNAPSHOT_FIELDS + ("status",):
        value = getattr(document, name)
        doc[name] = value.isoformat() if isinstance(value, date) else value
    segs = [{"heading": s.heading, "text": s.text, "enabled": s.enabled, "questions": list(s.questions or [])}
            if isinstance(s, KbSegment) else {"heading": s[0], "text": s[1], "enabled": True, "questions": s[2]}
            for s in segments]
    return {"document": doc, "segments": segs}


@dataclass
class _NewShipped:
    key: str
    digest: str
    fields: dict[str, Any]
    sections: list[Section]
    filename: str


async def _create_shipped(new: _NewShipped, conn: Any) -> None:
    document = await KbDocument.create(**new.fields, status="published", origin="shipped", shipped_key=new.key,
                                       shipped_hash=new.digest, filename=new.filename, using_db=conn)
    await KbSegment.bulk_create([KbSegment(document_id=document.id, position=n, heading=h, text=t, questions=q)
                                 for n, (h, t, q) in enumerate(new.sections, start=1)], using_db=conn)
    await KbRevision.create(document_id=document.id, version=1, snapshot=snapshot(document, new.sections),
                            action="shipped", using_db=conn)


async def _create_all_shipped(fresh: list[_NewShipped]) -> int:
    """Create the new shipped documents (at a first start-up, all of them) in one transaction: one
    commit, not one per file. When another process imported any of them first, one by one instead,
    leaving those to it. How many this process created."""
    async def create(batch: list[_NewShipped]) -> None:
        async with in_transaction() as conn:
            for new in batch:
                await _create_shipped(new, conn)
            await bump(conn)

    if not fresh:
        return 0
    try:
        await create(fresh)
        return len(fresh)
    except IntegrityError:
        pass
    created = 0
    for new in fresh:
        try:
            await create([new])
            created += 1
        except IntegrityError:
            log.info("shipped document %s was imported by another process", new.key)
    return created


async def _update_shipped(document: KbDocument, digest: str, fields: dict[str, Any],
                          sections: list[Section]) -> None:
    async with in_transaction() as conn:
        for name, value in fields.items():
            setattr(document, name, value)
        document.shipped_hash, document.upstream_hash = digest, None
        document.version += 1
        await document.save(using_db=conn)
        await KbSegment.filter(document_id=document.id).using_db(conn).delete()
        await KbSegment.bulk_create([KbSegment(document_id=document.id, position=n, heading=h, text=t, questions=q)
                                     for n, (h, t, q) in enumerate(sections, start=1)], using_db=conn)
        await KbRevision.create(document_id=document.id, version=document.version,
                                snapshot=snapshot(document, sections), action="shipped_update", using_db=conn)
        await bump(conn)


async def import_shipped(directory: str | Path) -> ShippedResult:
    """Bring the shipped Markdown files into the database (idempotent).

    A new file becomes a published document (origin ``shipped``). A changed file replaces its
    document only if staff never edited it; otherwise the staff version stays and the document
    records that an upstream update is waiting (``upstream_hash``). Never silently overwrites.
    """
    result = ShippedResult()
    root = Path(directory)
    if not root.is_dir():
        return result
    existing = {d.shipped_key: d for d in await KbDocument.filter(origin="shipped")}
    fresh: list[_NewShipped] = []
    for path in sorted(root.glob("*.md")):
        digest = _file_hash(path)
        known = next((d for d in existing.values() if d.filename == path.name), None)
        if known is not None and digest in (known.shipped_hash, known.upstream_hash):
            continue  # the usual case at start-up: nothing to parse
        key, fields, sections = _shipped_fields(path)
        document = existing.get(key)
        if document is None:
            fresh.append(_NewShipped(key, digest, fields, sections, path.name))
        elif document.staff_edited:
            await KbDocument.filter(id=document.id).update(upstream_hash=digest)
            result.waiting += 1
        else:
            await _update_shipped(document, digest, fields, sections)
            result.updated += 1
    result.created = await _create_all_shipped(fresh)
    return result


# ---------------------------------------------------------------- keeping a process in step


class KnowledgeSync:
    """Keeps one process's knowledge base in step with the database (see the module docstring).

    ``store`` is accepted for the callers that pass it; the version lives in the database, so
    the knowledge base keeps following changes while Redis is down.
    """

    def __init__(self, kb: Any, store: Any = None, *, directory: str | None = None,
                 after_reload: list[Callable[[Any], Awaitable[None]]] | None = None) -> None:
        self.kb, self.store = kb, store
        # Called with the knowledge base after each reload (the embeddings, generative.py); a failure is logged.
        self.after_reload = after_reload if after_reload is not None else []
        self.directory = directory if directory is not None else getattr(kb, "directory", "")
        self.loaded: str | None = None
        self.ever_loaded = False
        self.checked_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _version(self) -> str:
        return await version()

    async def refresh(self, *, force: bool = False) -> bool:
        """Reload if anything changed since this process last loaded. True when it reloaded."""
        async with self._lock:
            if not self.ever_loaded and self.directory:
                await import_shipped(self.directory)
            current = await self._version()  # read before the rows: a change in between reloads again later
            if self.ever_loaded and not force and current == self.loaded:
                return False
            passages, documents = await load_passages()
            await self.kb.reload_passages(passages, documents, extra_synonyms=await synonym_entries())
            self.loaded, self.ever_loaded = current, True
            for hook in self.after_reload:
                try:
                    await hook(self.kb)
                except Exception:
                    log.exception("a knowledge base reload hook failed")
            return True

    async def refresh_if_due(self, every: float = CHECK_SECONDS) -> bool:
        """``refresh``, but at most once per ``every`` seconds."""
        now = time.monotonic()
        if self.ever_loaded and now - self.checked_at < every:
            return False
        self.checked_at = now
        return await self.refresh()

    async def changed(self) -> None:
        """Announce a change to every process, and reload this one now."""
        await bump()
        await self.refresh(force=True)


def sync_for(registry: dict[str, Any], kb: Any, store: Any = None) -> KnowledgeSync:
    """The process's one ``KnowledgeSync``, kept in ``registry`` (the app's shared-state dict)."""
    sync = registry.get("kb_sync")
    if sync is None or sync.kb is not kb:
        sync = registry["kb_sync"] = KnowledgeSync(kb, store, after_reload=registry.setdefault(RELOAD_HOOKS, []))
    return sync


async def refresh_quietly(registry: dict[str, Any], kb: Any, store: Any = None) -> None:
    """The ask path's check: a stale knowledge base is better than no answer."""
    try:
        await sync_for(registry, kb, store).refresh_if_due(CHECK_SECONDS)
    except Exception as exc:
        if not note_db_unavailable(exc):  # an outage is logged once (chuangye.db), not per question
            log.warning("could not refresh the knowledge base: %s", exc)


async def _watch(registry: dict[str, Any], kb: Any) -> None:
    while True:
        await asyncio.sleep(WATCH_SECONDS)
        try:
            await sync_for(registry, kb).refresh()
        except Exception as exc:
            if not note_db_unavailable(exc):
                log.exception("knowledge base refresh failed")


@contextlib.asynccontextmanager
async def watching(registry: dict[str, Any], kb: Any) -> AsyncIterator[None]:
    """Load the knowledge base from the database now (shipped files first), then follow it."""
    try:
        await sync_for(registry, kb).refresh()
    except Exception:
        log.exception("could not load the knowledge base from the database at start-up")
    task = asyncio.create_task(_watch(registry, kb))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
