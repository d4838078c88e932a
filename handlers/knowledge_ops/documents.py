"""Documents staff run: import, preview, edit, publish, disable, restore, and hit-test.

Guarantees:
- an import is one transaction (document, segments, first revision, audit row): on any error
  nothing is kept; it starts as a draft unless published at once (the CLI's ``--publish``);
- every change (segment edit, metadata edit, publish, disable, restore) makes a new version, keeps a
  ``KbRevision`` snapshot of it and an audit row, and bumps the knowledge base's version when
  answers are affected, so every process follows within seconds (sync.py);
- who may change what: county administrators change their county's documents (an import
  without a county is their county's), the prefecture administrator changes every document,
  including the prefecture-wide ones (county empty); window staff only read and hit-test.
  Everyone on staff can read every document (knowledge is public);
- a document past its 有效期至 is not used, whatever its status.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from handlers import clock
from handlers.errors import InvalidInput, NotFound
from handlers.knowledge_ops import parsers, sync
from handlers.staff import audit
from handlers.staff.auth import Forbidden
from handlers.validation import COUNTIES, EARLIEST_DATE, LATEST_DATE, date_in_range
from knowledge import KnowledgeBase
from knowledge.documents import KINDS, MAX_QUESTION_CHARS, MAX_QUESTIONS, clean_questions
from orm_models import KbDocument, KbRevision, KbSegment, StaffAccount

CONFIDENCE = ("已确认", "未确认")
STATUS_ZH = {"draft": "草稿", "published": "已发布", "disabled": "已停用"}
WRITER_ROLES = ("county", "prefecture")  # who may change knowledge (may_change); window staff read and hit-test
MAX_TITLE, MAX_ISSUER, MAX_NUMBER, MAX_URL, MAX_CAVEAT = 200, 200, 100, 500, 200
MAX_SEGMENT_TEXT, MAX_HEADING = 2000, 200
_URL = re.compile(r"^https?://[^\s]+$")
METADATA = ("title", "issuer", "doc_number", "published_on", "source_url", "confidence", "county", "valid_until",
            "kind", "caveat")
EDITABLE = METADATA + ("needs_check",)  # what patch_document changes
MSG_WINDOW = "窗口工作人员只能查看知识库和做命中测试，修改请联系县市或州级管理员"
MSG_OTHER_COUNTY = "县市管理员只能修改本县市的文档；其他县市和全州通用的文档由其管理员或州级管理员维护"


@dataclass
class Imported:
    document: KbDocument
    segments: int


# ---------------------------------------------------------------- who may change what


def may_change(staff: StaffAccount | None, county: str | None) -> None:
    """Raise Forbidden unless ``staff`` may change a document of ``county`` (None: the whole prefecture).
    ``staff`` None is the system (the command line)."""
    if staff is None or staff.role == "prefecture":
        return
    if staff.role not in WRITER_ROLES:
        raise Forbidden(MSG_WINDOW)
    if not county or county != staff.county:
        raise Forbidden(MSG_OTHER_COUNTY)


# ---------------------------------------------------------------- metadata


def _text(raw: Any, limit: int, label: str, errors: dict[str, str], name: str) -> str:
    value = "" if raw is None else str(raw).strip()
    if len(value) > limit:
        errors[name] = f"{label}最长 {limit} 个字"
    return value


def _day(raw: Any, label: str, errors: dict[str, str], name: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw).strip())
        except ValueError:
            errors[name] = f"{label}应为 YYYY-MM-DD 格式的日期"
            return None
    if not date_in_range(day):  # the range the whole service accepts (day arithmetic never overflows)
        errors[name] = f"{label}应在 {EARLIEST_DATE.year} 至 {LATEST_DATE.year} 年之间"
        return None
    return day


def check_metadata(raw: dict[str, Any], staff: StaffAccount | None) -> dict[str, Any]:
    """The document's fields from the form, or InvalidInput naming every bad one."""
    out, errors = _checked(raw, staff)
    if errors:
        raise InvalidInput(fields=errors)
    return out


def _checked(raw: dict[str, Any], staff: StaffAccount | None) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "title": _text(raw.get("title"), MAX_TITLE, "标题", errors, "title"),
        "issuer": _text(raw.get("issuer"), MAX_ISSUER, "发文单位", errors, "issuer"),
        "doc_number": _text(raw.get("doc_number"), MAX_NUMBER, "文号", errors, "doc_number"),
        "source_url": _text(raw.get("source_url"), MAX_URL, "原文网址", errors, "source_url"),
        "published_on": _day(raw.get("published_on"), "发布日期", errors, "published_on"),
        "valid_until": _day(raw.get("valid_until"), "有效期至", errors, "valid_until"),
    }
    if out["source_url"] and "source_url" not in errors and not _URL.match(out["source_url"]):
        errors["source_url"] = "原文网址应以 http:// 或 https:// 开头"
    confidence = str(raw.get("confidence") or "").strip()
    if confidence not in CONFIDENCE:
        errors["confidence"] = "请选择可信度：已确认 或 未确认"
    out["confidence"] = confidence
    county = str(raw.get("county") or "").strip() or None
    if county is None and staff is not None and staff.role == "county":
        county = staff.county  # a county administrator's import is their county's
    if county is not None and county not in COUNTIES:
        errors["county"] = "适用范围应为楚雄州的一个县市，或留空表示全州"
    out["county"] = county
    kind = str(raw.get("kind") or "").strip()
    if kind not in KINDS:
        errors["kind"] = "文档类别只能留空或填 tax（税收政策：只回答关于经营主体纳税的问题）"
    out["kind"] = kind
    out["caveat"] = _text(raw.get("caveat"), MAX_CAVEAT, "答案末尾提示", errors, "caveat")
    return out, errors


# ---------------------------------------------------------------- import


async def import_document(staff: StaffAccount | None, filename: str, data: bytes, raw: dict[str, Any], *,
                          publish: bool = False, ip: str | None = None) -> Imported:
    """Parse, check and store a file as a draft (or published). Nothing is kept on any error."""
    fields = check_metadata(raw, staff)
    may_change(staff, fields["county"])
    parsed = parsers.parse(filename, data)
    meta = parsed.meta
    title = fields["title"] or parsed.title.strip()[:MAX_TITLE] or Path(filename).stem[:MAX_TITLE]
    if not title:
        raise InvalidInput({"title": "请填写标题"})
    async with in_transaction() as conn:
        document = await KbDocument.create(
            **{**fields, "title": title,
               "issuer": fields["issuer"] or str(meta.get("issuer") or "")[:MAX_ISSUER],
               "source_url": fields["source_url"] or str(meta.get("source_url") or "")[:MAX_URL]},
            status="published" if publish else "draft", origin="uploaded", filename=Path(filename).name[:255],
            created_by_id=staff.id if staff else None, updated_by_id=staff.id if staff else None, using_db=conn,
        )
        segments = [KbSegment(document_id=document.id, position=n, heading=s.heading, text=s.text,
                              questions=list(s.questions))
                    for n, s in enumerate(parsed.segments, start=1)]
        await KbSegment.bulk_create(segments, using_db=conn)
        await _revision(document, segments, staff, "import", conn)
        await audit.record(staff, "kb_import", "kb_document", document.id, ip=ip, using_db=conn,
                           detail={"filename": document.filename, "segments": len(segments), "status": document.status})
        if publish:
            await sync.bump(conn)
    return Imported(document, len(segments))


async def _revision(document: KbDocument, segments: list[KbSegment], staff: StaffAccount | None, action: str,
                    conn: Any) -> None:
    await KbRevision.create(document_id=document.id, version=document.version,
                            snapshot=sync.snapshot(document, segments), staff_id=staff.id if staff else None,
                            action=action, using_db=conn)


# ---------------------------------------------------------------- reading


async def get_document(document_id: int) -> KbDocument:
    document = await KbDocument.get_or_none(id=document_id)
    if document is None:
        raise NotFound(f"没有找到编号为 {document_id} 的知识库文档")
    return document


def expired(document: KbDocument) -> bool:
    return document.valid_until is not None and document.valid_until < clock.today()


async def list_documents() -> list[dict[str, Any]]:
    documents = await KbDocument.all().order_by("-updated_at", "-id")
    counts: dict[int, int] = {}
    for document_id in await KbSegment.all().values_list("document_id", flat=True):
        counts[document_id] = counts.get(document_id, 0) + 1
    return [_row(d, counts.get(d.id, 0)) for d in documents]


async def document_row(document: KbDocument) -> dict[str, Any]:
    """One document as ``list_documents`` shows it."""
    return _row(document, await KbSegment.filter(document_id=document.id).count())


def _row(d: KbDocument, segments: int) -> dict[str, Any]:
    return {
        "id": d.id, "title": d.title, "status": d.status, "segments": segments, "version": d.version,
        "updated_at": d.updated_at, "county": d.county, "confidence": d.confidence, "issuer": d.issuer,
        "doc_number": d.doc_number, "published_on": d.published_on, "source_url": d.source_url,
        "valid_until": d.valid_until, "expired": expired(d), "origin": d.origin, "needs_check": d.needs_check,
        "kind": d.kind, "caveat": d.caveat,
        "upstream_changed": d.upstream_hash is not None, "staff_edited": d.staff_edited, "filename": d.filename,
    }


async def list_segments(document_id: int) -> list[KbSegment]:
    await get_document(document_id)
    return await KbSegment.filter(document_id=document_id).order_by("position")


async def list_revisions(document_id: int) -> list[KbRevision]:
    await get_document(document_id)
    return await KbRevision.filter(document_id=document_id).order_by("-version")


# ---------------------------------------------------------------- changes


async def _new_version(document: KbDocument, staff: StaffAccount | None, action: str, conn: Any, *,
                       content: bool, affects_answers: bool) -> None:
    document.version += 1
    document.updated_by_id = staff.id if staff else None
    if content:
        document.staff_edited = True  # an upgrade of a shipped file will no longer overwrite it
    await document.save(using_db=conn)
    segments = await KbSegment.filter(document_id=document.id).using_db(conn).order_by("position")
    await _revision(document, segments, staff, action, conn)
    if affects_answers:
        await sync.bump(conn)


async def patch_segment(staff: StaffAccount, segment_id: int, *, text: str | None = None,
                        heading: str | None = None, enabled: bool | None = None,
                        questions: list[str] | None = None, ip: str | None = None) -> KbSegment:
    segment = await KbSegment.get_or_none(id=segment_id)
    if segment is None:
        raise NotFound(f"没有找到编号为 {segment_id} 的段落")
    errors: dict[str, str] = {}
    if text is not None:
        text = text.strip()
        if not text or len(text) > MAX_SEGMENT_TEXT:
            errors["text"] = f"段落内容不能为空，最长 {MAX_SEGMENT_TEXT} 个字"
    if heading is not None:
        heading = heading.strip()
        if len(heading) > MAX_HEADING:
            errors["heading"] = f"小标题最长 {MAX_HEADING} 个字"
    if questions is not None:
        questions = list(clean_questions(questions))
        if len(questions) > MAX_QUESTIONS or any(len(q) > MAX_QUESTION_CHARS for q in questions):
            errors["questions"] = f"相似问法最多 {MAX_QUESTIONS} 条，每条最长 {MAX_QUESTION_CHARS} 个字"
    if text is None and heading is None and enabled is None and questions is None:
        errors["text"] = "请至少修改内容、小标题、相似问法或启用状态中的一项"
    if errors:
        raise InvalidInput(fields=errors)
    async with in_transaction() as conn:
        document = await KbDocument.filter(id=segment.document_id).using_db(conn).select_for_update().first()
        may_change(staff, document.county)
        before = {"text": segment.text, "heading": segment.heading, "enabled": segment.enabled,
                  "questions": list(segment.questions or [])}
        segment.text = segment.text if text is None else text
        segment.heading = segment.heading if heading is None else heading
        segment.enabled = segment.enabled if enabled is None else enabled
        segment.questions = before["questions"] if questions is None else questions
        await segment.save(using_db=conn)
        await _new_version(document, staff, "segment_edit", conn, content=True,
                           affects_answers=document.status == "published")
        await audit.record(staff, "kb_segment_edit", "kb_segment", segment.id, ip=ip, using_db=conn,
                           detail={"document_id": document.id, "version": document.version,
                                   "changed": [k for k, v in before.items() if getattr(segment, k) != v]})
    return segment


async def patch_document(staff: StaffAccount | None, document_id: int, raw: dict[str, Any],
                         ip: str | None = None) -> KbDocument:
    """Change a document's metadata (``METADATA``) and its 待核对 mark (``needs_check``): only the
    keys present in ``raw`` change. Checked as an import's form is (``check_metadata``), merged with
    the current values; a value not being changed is kept as it is, even one an import would refuse
    (a shipped document's 部分确认). A county administrator changes only their county's documents
    and cannot move one to another county or to the whole prefecture. Nothing changed: no new
    version, no audit row. Otherwise one new version (a shipped document counts as staff-edited, so
    an upgrade never overwrites the edit) and, if published, every process reloads."""
    given = {k: v for k, v in raw.items() if k in EDITABLE}
    async with in_transaction() as conn:
        document = await KbDocument.filter(id=document_id).using_db(conn).select_for_update().first()
        if document is None:
            raise NotFound(f"没有找到编号为 {document_id} 的知识库文档")
        may_change(staff, document.county)
        if given.get("confidence") == document.confidence:
            given.pop("confidence")  # unchanged: 部分确认 is kept though an import could not choose it
        current = {name: getattr(document, name) for name in METADATA}
        checked, errors = _checked({**current, **{k: v for k, v in given.items() if k in METADATA}}, None)
        errors = {k: v for k, v in errors.items() if k in given}  # only what is being changed is judged
        wanted = {name: checked[name] if name in given else current[name] for name in METADATA}
        if "title" in given and not wanted["title"]:
            errors["title"] = "标题不能为空"
        wanted["needs_check"] = document.needs_check
        if "needs_check" in given:
            if isinstance(given["needs_check"], bool):
                wanted["needs_check"] = given["needs_check"]
            else:
                errors["needs_check"] = "待核对应为 true 或 false"
        if errors:
            raise InvalidInput(fields=errors)
        changed = [name for name in EDITABLE if wanted[name] != getattr(document, name)]
        if not changed:
            return document  # nothing to change: no new version
        may_change(staff, wanted["county"])
        for name in changed:
            setattr(document, name, wanted[name])
        await _new_version(document, staff, "document_edit", conn, content=True,
                           affects_answers=document.status == "published")
        await audit.record(staff, "kb_document_edit", "kb_document", document.id, ip=ip, using_db=conn,
                           detail={"version": document.version, "changed": changed})
    return document


async def _set_status(staff: StaffAccount | None, document_id: int, status: str, action: str,
                      ip: str | None) -> KbDocument:
    async with in_transaction() as conn:
        document = await KbDocument.filter(id=document_id).using_db(conn).select_for_update().first()
        if document is None:
            raise NotFound(f"没有找到编号为 {document_id} 的知识库文档")
        may_change(staff, document.county)
        if document.status == status:
            return document  # again: no new version
        was_published = document.status == "published"
        document.status = status
        await _new_version(document, staff, action, conn, content=False,
                           affects_answers=was_published or status == "published")
        await audit.record(staff, f"kb_{action}", "kb_document", document.id, ip=ip, using_db=conn,
                           detail={"version": document.version})
    return document


async def publish(staff: StaffAccount | None, document_id: int, ip: str | None = None) -> KbDocument:
    return await _set_status(staff, document_id, "published", "publish", ip)


async def disable(staff: StaffAccount | None, document_id: int, ip: str | None = None) -> KbDocument:
    return await _set_status(staff, document_id, "disabled", "disable", ip)


async def restore(staff: StaffAccount, document_id: int, version: int, ip: str | None = None) -> KbDocument:
    """Make an earlier version the current one again, as a new version (the status stays as it is)."""
    async with in_transaction() as conn:
        document = await KbDocument.filter(id=document_id).using_db(conn).select_for_update().first()
        if document is None:
            raise NotFound(f"没有找到编号为 {document_id} 的知识库文档")
        may_change(staff, document.county)
        revision = await KbRevision.filter(document_id=document_id, version=version).using_db(conn).first()
        if revision is None:
            raise InvalidInput({"version": f"该文档没有第 {version} 版"})
        snap = revision.snapshot
        may_change(staff, snap["document"].get("county"))
        for name in sync.SNAPSHOT_FIELDS:
            value = snap["document"].get(name)
            if name in ("published_on", "valid_until") and value:
                value = date.fromisoformat(value)
            setattr(document, name, value if value is not None or name in ("county", "published_on", "valid_until")
                    else getattr(document, name))
        current = await KbSegment.filter(document_id=document_id).using_db(conn).order_by("position")
        wanted = snap["segments"]
        for n, seg in enumerate(wanted, start=1):  # same positions keep their ids (and use counts)
            row = current[n - 1] if n <= len(current) else None
            if row is None:
                await KbSegment.create(document_id=document_id, position=n, heading=seg["heading"], text=seg["text"],
                                       enabled=seg["enabled"], questions=seg.get("questions") or [], using_db=conn)
            else:
                row.heading, row.text, row.enabled = seg["heading"], seg["text"], seg["enabled"]
                row.questions = seg.get("questions") or []
                await row.save(using_db=conn)
        if len(current) > len(wanted):
            await KbSegment.filter(id__in=[s.id for s in current[len(wanted):]]).using_db(conn).delete()
        await _new_version(document, staff, "restore", conn, content=True,
                           affects_answers=document.status == "published")
        await audit.record(staff, "kb_restore", "kb_document", document.id, ip=ip, using_db=conn,
                           detail={"restored": version, "version": document.version})
    return document


# ---------------------------------------------------------------- hit testing


@dataclass
class HitTest:
    confident: bool
    reply: str
    hits: list[dict[str, Any]]


async def hit_test(question: str, *, include_drafts: bool = False, county: str | None = None,
                   top: int = 5) -> HitTest:
    """What a user would get for ``question`` (with the drafts too, when asked), built by the same
    code that answers users, from what the database holds now."""
    question = (question or "").strip()
    if not question or len(question) > 500:
        raise InvalidInput({"question": "请输入要测试的问题（最长 500 个字）"})
    passages, documents = await sync.load_passages(include_drafts=include_drafts)
    kb = await KnowledgeBase.from_passages_async(passages, documents, extra_synonyms=await sync.synonym_entries())
    answer = kb.answer(question, county=county)
    hits = [{"segment_id": h.segment_id, "document_id": h.document_id, "title": h.title, "score": h.score,
             "snippet": h.snippet, "passage_id": h.id} for h in kb.search(question, top, county)]
    return HitTest(confident=answer.confident, reply=answer.text, hits=hits)
