"""Knowledge managed by staff (contract §7): /staff/kb/...

Also the colloquial words staff keep (/staff/kb/synonyms): the same roles change them (window
staff: 403); every process reads questions with them within 5 s (synonyms.py).

Every staff role reads documents and segments and runs hit tests; county administrators change
their county's documents, the prefecture administrator every document (window staff: 403). An
upload is ``multipart/form-data``, read as a stream (the app's 1 MB body limit is for JSON): a
file over 20 MB is 413, before anything is stored. Changes reach answers in every process within
seconds (handlers/knowledge_ops/sync.py).
"""
from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BeforeValidator, Field, WithJsonSchema

from chuangye import appkeys as K
from handlers.errors import InvalidInput
from handlers.knowledge_ops import documents as kb_docs
from handlers.knowledge_ops import parsers, sync
from handlers.knowledge_ops import synonyms as kb_synonyms
from handlers.validation import COUNTIES
from knowledge.documents import KINDS, MAX_QUESTION_CHARS, MAX_QUESTIONS
from orm_models.knowledge import KB_CONFIDENCE, KB_ORIGINS, KB_STATUSES

from api.registry import Call, Routes
from api.schemas import Day, In, Out, Timestamp
from api.staff import ROLE_ERRORS, client_ip, require

log = logging.getLogger("chuangye.api.kb")
routes = Routes("工作人员·知识库", "导入文档、预览和修改段落、发布、停用、历史版本、命中测试和同义词（/staff/kb/...）")

Status = Literal[KB_STATUSES]  # type: ignore[valid-type]
Confidence = Literal[KB_CONFIDENCE]  # type: ignore[valid-type]
Origin = Literal[KB_ORIGINS]  # type: ignore[valid-type]
County = Literal[COUNTIES]  # type: ignore[valid-type]
FORM_FIELDS = ("title", "issuer", "doc_number", "published_on", "source_url", "confidence", "county", "valid_until",
               "kind", "caveat")
MAX_FIELD_BYTES = 4096
MULTIPART_SLACK = 64 * 1024  # boundaries and the form fields around the file
CHANGE_ERRORS = {**ROLE_ERRORS, 404: "没有该文档或段落（not_found）"}

UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file", "confidence"],
            "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": "文件：.docx .pdf .md .txt .html，或带“问题”“答案”[“依据”]列的 .xlsx/.csv；不超过 20 MB"},
                "title": {"type": "string", "maxLength": kb_docs.MAX_TITLE, "description": "标题（空则取文件自带的标题或文件名）"},
                "issuer": {"type": "string", "maxLength": kb_docs.MAX_ISSUER, "description": "发文单位"},
                "doc_number": {"type": "string", "maxLength": kb_docs.MAX_NUMBER, "description": "文号"},
                "published_on": {"type": "string", "format": "date", "description": "发布日期 YYYY-MM-DD"},
                "source_url": {"type": "string", "maxLength": kb_docs.MAX_URL, "description": "原文网址"},
                "confidence": {"type": "string", "enum": list(kb_docs.CONFIDENCE), "description": "可信度"},
                "county": {"type": "string", "enum": ["", *COUNTIES],
                           "description": "适用县市；空表示全州（县市管理员不填则为本县市）"},
                "valid_until": {"type": "string", "format": "date", "description": "有效期至 YYYY-MM-DD，过期后不再用于回答"},
                "kind": {"type": "string", "enum": list(KINDS),
                         "description": "文档类别：空为一般政策；tax 为税收政策（只回答关于经营主体纳税的问题，答案以税务局为准）"},
                "caveat": {"type": "string", "maxLength": kb_docs.MAX_CAVEAT,
                           "description": "答案末尾的提示（空则按类别：以当地人社部门/税务局为准）"},
            },
        }
    }
}


class DocumentBrief(Out):
    id: int
    title: str
    status: Status
    segments: int = Field(description="段落数")


class UploadOut(Out):
    document: DocumentBrief


class DocumentRow(Out):
    id: int
    title: str
    status: Status = Field(description="draft 草稿（不用于回答）/ published 已发布 / disabled 已停用")
    segments: int
    version: int
    updated_at: Timestamp
    county: str | None = Field(description="适用县市；空表示全州")
    confidence: Confidence
    issuer: str
    doc_number: str
    published_on: Day | None
    source_url: str
    valid_until: Day | None
    expired: bool = Field(description="已过有效期，不再用于回答")
    origin: Origin = Field(description="shipped 随软件提供 / uploaded 工作人员导入")
    needs_check: bool = Field(description="待核对：上线前需对照原文核对的译述内容")
    kind: str = Field(description="文档类别：空为一般政策，tax 为税收政策")
    caveat: str = Field(description="答案末尾的提示（空则按类别）")
    upstream_changed: bool = Field(description="随软件提供的新版文件已到，但因工作人员改过本文档而未覆盖")
    staff_edited: bool
    filename: str


class DocumentList(Out):
    documents: list[DocumentRow]


class SegmentRow(Out):
    id: int
    position: int
    heading: str
    text: str
    enabled: bool
    questions: Annotated[list[str], BeforeValidator(lambda v: v or [])] = Field(
        description="相似问法：老百姓会怎么问（只用于检索，不出现在回答里）")
    used_count: int = Field(description="用它回答的次数")
    useless_count: int = Field(description="其中被评为“没用”的次数")


class SegmentList(Out):
    segments: list[SegmentRow]


class SegmentPatch(In):
    text: str | None = Field(None, title="段落内容", max_length=kb_docs.MAX_SEGMENT_TEXT)
    heading: str | None = Field(None, title="小标题", max_length=kb_docs.MAX_HEADING)
    enabled: bool | None = Field(None, title="是否启用")
    questions: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] | None = Field(
        None, title="相似问法", max_length=MAX_QUESTIONS,
        description=f"老百姓会怎么问：最多 {MAX_QUESTIONS} 条，每条最长 {MAX_QUESTION_CHARS} 个字；只用于检索")


def _text_in(schema: dict[str, Any]) -> Any:
    """Text checked by the use case (check_metadata, so a form names every bad field at once, in the
    upload's words); the schema documents what it accepts."""
    return Annotated[str, WithJsonSchema({"type": "string", **schema})]


class DocumentPatch(In):
    """Only the fields sent change; the others keep their values."""

    title: _text_in({"minLength": 1, "maxLength": kb_docs.MAX_TITLE}) | None = Field(None, title="标题")
    issuer: _text_in({"maxLength": kb_docs.MAX_ISSUER}) | None = Field(None, title="发文单位")
    doc_number: _text_in({"maxLength": kb_docs.MAX_NUMBER}) | None = Field(None, title="文号")
    published_on: _text_in({"format": "date"}) | None = Field(
        None, title="发布日期", description="YYYY-MM-DD（2000 至 2099 年）；null 或空字符串清空")
    source_url: _text_in({"maxLength": kb_docs.MAX_URL}) | None = Field(
        None, title="原文网址", description="以 http:// 或 https:// 开头；空字符串清空")
    confidence: _text_in({"enum": list(KB_CONFIDENCE)}) | None = Field(
        None, title="可信度", description="已确认 或 未确认（部分确认只能保留，不能改成）")
    county: _text_in({"enum": ["", *COUNTIES]}) | None = Field(
        None, title="适用范围", description="县市；空字符串或 null 表示全州（县市管理员只能是本县市）")
    valid_until: _text_in({"format": "date"}) | None = Field(
        None, title="有效期至", description="YYYY-MM-DD（2000 至 2099 年），过期后不再用于回答；null 或空字符串表示长期有效")
    kind: _text_in({"enum": list(KINDS)}) | None = Field(None, title="文档类别", description="空为一般政策；tax 为税收政策")
    caveat: _text_in({"maxLength": kb_docs.MAX_CAVEAT}) | None = Field(
        None, title="答案末尾提示", description="空则按类别：以当地人社部门/税务局为准")
    needs_check: bool | None = Field(None, title="待核对", description="false：已对照原文核对，去掉“待核对”标记")


class DocumentVersion(Out):
    id: int
    status: Status
    version: int


class SegmentPatched(Out):
    segment: SegmentRow
    document: DocumentVersion


class DocumentChanged(Out):
    document: DocumentVersion


class RevisionRow(Out):
    version: int
    action: str = Field(description="import / shipped / shipped_update / segment_edit / document_edit / publish / disable"
                                    " / restore")
    staff_id: int | None
    created_at: Timestamp


class RevisionList(Out):
    revisions: list[RevisionRow]


class RestoreIn(In):
    version: int = Field(..., title="要恢复的版本号", ge=1, le=2_147_483_647)


class HitTestIn(In):
    question: str = Field(..., title="问题", min_length=1, max_length=500)
    include_drafts: bool = Field(False, title="包含草稿", description="把草稿当作已发布一起测试")
    county: County | None = Field(None, title="提问人所在县市", description="模拟某县市用户提问")


class HitRow(Out):
    segment_id: int | None = Field(description="段落编号；工作人员答疑（FAQ）条目为空")
    document_id: int | None
    title: str
    score: float
    snippet: str
    passage_id: str


class HitTestOut(Out):
    confident: bool = Field(description="机器人是否有把握")
    reply: str = Field(description="用户会收到的回复原文")
    hits: list[HitRow] = Field(description="按得分从高到低的段落")


# ---------------------------------------------------------------- upload


async def _read_upload(request: web.Request) -> tuple[str, bytes, dict[str, str]]:
    """The file and the form fields, streamed; 413 as soon as the file passes the limit."""
    if request.content_length is not None and request.content_length > parsers.MAX_BYTES + MULTIPART_SLACK:
        raise parsers.FileTooLarge()
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput({"file": "请用 multipart/form-data 上传文件（字段名 file）"})
    filename, data, form = "", b"", {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file" and part.filename is not None:
                filename, data = part.filename, await _read_part(part, parsers.MAX_BYTES, parsers.FileTooLarge())
            elif part.name in FORM_FIELDS:
                raw = await _read_part(part, MAX_FIELD_BYTES, InvalidInput({part.name: "内容过长"}))
                form[part.name] = raw.decode("utf-8", errors="replace")
            else:
                await part.release()
    except (InvalidInput, parsers.FileTooLarge):
        raise
    except (ValueError, AssertionError, RuntimeError, HttpProcessingError) as exc:  # a malformed multipart body
        raise InvalidInput({"file": "上传内容格式不正确，请重新选择文件上传"}) from exc
    if not filename:
        raise InvalidInput({"file": "请选择要导入的文件"})
    return filename, data, form


async def _read_part(part: BodyPartReader, limit: int, too_much: Exception) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_much
        chunks.append(chunk)
    return b"".join(chunks)


@routes.route("POST", "/staff/kb/documents", summary="导入文档（先成为草稿）", auth="staff", response=UploadOut,
              status=201, idempotent=False, request_content=UPLOAD_SCHEMA,
              errors={**ROLE_ERRORS, 413: "文件超过 20 MB（payload_too_large）",
                      422: "文件类型不支持、已损坏、已加密、为空，或表单字段有误（invalid），fields 指明原因"})
async def kb_upload(call: Call) -> dict:
    require(call, "county", "prefecture")  # before reading a byte of the file
    filename, data, form = await _read_upload(call.request)
    imported = await kb_docs.import_document(call.staff, filename, data, form, ip=client_ip(call))
    d = imported.document
    return {"document": {"id": d.id, "title": d.title, "status": d.status, "segments": imported.segments}}


# ---------------------------------------------------------------- reading


@routes.get("/staff/kb/documents", summary="知识库文档列表", auth="staff", response=DocumentList)
async def kb_documents(call: Call) -> dict:
    return {"documents": await kb_docs.list_documents()}


@routes.get("/staff/kb/documents/{id}/segments", summary="文档的段落（预览）", auth="staff", response=SegmentList)
async def kb_segments(call: Call) -> dict:
    return {"segments": await kb_docs.list_segments(call.path["id"])}


@routes.get("/staff/kb/documents/{id}/revisions", summary="文档的历史版本", auth="staff", response=RevisionList)
async def kb_revisions(call: Call) -> dict:
    return {"revisions": await kb_docs.list_revisions(call.path["id"])}


# ---------------------------------------------------------------- changes


async def _changed(call: Call) -> None:
    """This process follows at once; the others on their next check (sync.py)."""
    try:
        await sync.sync_for(call.resource(K.EXTRA), call.resource(K.KB)).refresh()
    except Exception as exc:  # the change is stored; the watcher catches up
        log.warning("could not reload the knowledge base after a change: %s", exc)


@routes.patch("/staff/kb/segments/{id}", summary="修改段落（生成文档的新版本）", auth="staff",
              body=SegmentPatch, response=SegmentPatched, errors=CHANGE_ERRORS)
async def kb_patch_segment(call: Call) -> dict:
    b = call.body
    segment = await kb_docs.patch_segment(call.staff, call.path["id"], text=b.text, heading=b.heading,
                                          enabled=b.enabled, questions=b.questions, ip=client_ip(call))
    document = await kb_docs.get_document(segment.document_id)
    await _changed(call)
    return {"segment": segment, "document": document}


@routes.patch("/staff/kb/documents/{id}", summary="修改文档信息（标题、文号、有效期至、待核对等；生成新版本）",
              auth="staff", body=DocumentPatch, response=DocumentRow, errors=CHANGE_ERRORS)
async def kb_patch_document(call: Call) -> dict:
    document = await kb_docs.patch_document(call.staff, call.path["id"], call.body.model_dump(exclude_unset=True),
                                            ip=client_ip(call))
    await _changed(call)
    return await kb_docs.document_row(document)


@routes.post("/staff/kb/documents/{id}/publish", summary="发布（几秒内所有进程用于回答）", auth="staff",
             response=DocumentChanged, idempotent=False, errors=CHANGE_ERRORS)
async def kb_publish(call: Call) -> dict:
    document = await kb_docs.publish(call.staff, call.path["id"], ip=client_ip(call))
    await _changed(call)
    return {"document": document}


@routes.post("/staff/kb/documents/{id}/disable", summary="停用（几秒内不再用于回答）", auth="staff",
             response=DocumentChanged, idempotent=False, errors=CHANGE_ERRORS)
async def kb_disable(call: Call) -> dict:
    document = await kb_docs.disable(call.staff, call.path["id"], ip=client_ip(call))
    await _changed(call)
    return {"document": document}


@routes.post("/staff/kb/documents/{id}/restore", summary="恢复某个历史版本（作为新版本）", auth="staff",
             body=RestoreIn, response=DocumentChanged, idempotent=False, errors=CHANGE_ERRORS)
async def kb_restore(call: Call) -> dict:
    document = await kb_docs.restore(call.staff, call.path["id"], call.body.version, ip=client_ip(call))
    await _changed(call)
    return {"document": document}


@routes.post("/staff/kb/hit-test", summary="命中测试：用户会收到什么回复", auth="staff", body=HitTestIn,
             response=HitTestOut, idempotent=False)
async def kb_hit_test(call: Call) -> dict:
    b = call.body
    result = await kb_docs.hit_test(b.question, include_drafts=b.include_drafts, county=b.county)
    return {"confident": result.confident, "reply": result.reply, "hits": result.hits}


# ---------------------------------------------------------------- colloquial words (synonyms)

SYNONYM_ERRORS = {**ROLE_ERRORS, 404: "没有该同义词条目（not_found）"}
WORD_RULE = f"{kb_synonyms.MAX_WORD} 个字以内的汉字、字母或数字"


class SynonymRow(Out):
    id: int
    canonical: str = Field(description="规范词：文档里用的说法，例如“退役军人”")
    variants: list[str] = Field(description="老百姓的说法（口语、方言、错别字），提问里读作规范词")
    focus: bool = Field(description="重点词：表示“问的是什么”（额度、期限、怎么办理……），在问题里分量更重")
    active: bool = Field(description="启用；停用后几秒内不再生效")
    created_by_id: int | None
    updated_by_id: int | None
    created_at: Timestamp
    updated_at: Timestamp


class SynonymList(Out):
    synonyms: list[SynonymRow]


class SynonymOut(Out):
    synonym: SynonymRow


class SynonymIn(In):
    canonical: str = Field(..., title="规范词", max_length=100, description=f"{WORD_RULE}")
    variants: list[str] = Field(..., title="说法", max_length=200,
                                description=f"1–{kb_synonyms.MAX_VARIANTS} 个，每个{WORD_RULE}；不能与其他启用条目的说法重复")
    focus: bool = Field(False, title="重点词")


class SynonymPatch(In):
    canonical: str | None = Field(None, title="规范词", max_length=100, description=WORD_RULE)
    variants: list[str] | None = Field(None, title="说法", max_length=200,
                                       description=f"1–{kb_synonyms.MAX_VARIANTS} 个，每个{WORD_RULE}（整组替换）")
    focus: bool | None = Field(None, title="重点词")
    active: bool | None = Field(None, title="启用", description="false 停用，true 重新启用")


@routes.get("/staff/kb/synonyms", summary="同义词（老百姓的说法）列表", auth="staff", response=SynonymList)
async def kb_synonym_list(call: Call) -> dict:
    return {"synonyms": await kb_synonyms.list_synonyms()}


@routes.post("/staff/kb/synonyms", summary="新增同义词（几秒内所有进程生效）", auth="staff", body=SynonymIn,
             response=SynonymOut, status=201, idempotent=False, errors=ROLE_ERRORS)
async def kb_synonym_add(call: Call) -> dict:
    entry = await kb_synonyms.add(call.staff, call.body.model_dump(), ip=client_ip(call))
    await _changed(call)
    return {"synonym": entry}


@routes.patch("/staff/kb/synonyms/{id}", summary="修改或停用同义词（几秒内所有进程生效）", auth="staff",
              body=SynonymPatch, response=SynonymOut, errors=SYNONYM_ERRORS)
async def kb_synonym_edit(call: Call) -> dict:
    entry = await kb_synonyms.edit(call.staff, call.path["id"], call.body.model_dump(), ip=client_ip(call))
    await _changed(call)
    return {"synonym": entry}
