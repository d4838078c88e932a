"""Reading an uploaded file into segments, with well-kept parsers only.

- .docx: python-docx; headings are paragraphs styled Heading N / 标题 N, tables are read row by row;
- .pdf: pypdf, the text layer only (an encrypted PDF or a scan without text is refused);
- .md: ``#`` headings (YAML front matter, if any, gives the document's defaults);
- .txt: plain text (UTF-8 or GB18030), lines like 第一章 / 一、 are headings;
- .html/.htm: BeautifulSoup with Python's own parser, h1–h4 headings, ``<script>``/``<style>`` dropped;
- .xlsx (openpyxl, read-only) and .csv: question–answer sheets with columns 问题 / 答案 [/ 依据]
  [/ 相似问法, separated by ｜, ； or line breaks], one segment per row. A formula is text: its value as last saved, or else the formula as written;
  nothing is ever evaluated or executed.

Every problem is an ``InvalidInput`` on the ``file`` field in Chinese (422), and a file over
``MAX_BYTES`` is ``FileTooLarge`` (413).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Callable

import yaml

from chuangye import yamlio
from handlers.errors import DomainError, InvalidInput
from handlers.knowledge_ops.segments import Block, Segment, clean, segment

MAX_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".docx", ".pdf", ".md", ".txt", ".html", ".htm", ".xlsx", ".csv")
QA_QUESTION, QA_ANSWER, QA_BASIS, QA_SIMILAR = "问题", "答案", "依据", "相似问法"
_SIMILAR_SEPARATOR = re.compile(r"[｜|\n；;]")
MAX_ROWS = 5000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and old .doc/.xls
_HEADING_STYLE = re.compile(r"^(heading|标题)\s*(\d)$", re.I)
# 第一章 / 第二部分 / 一、 opening a short line that is not a sentence: a heading in plain text and PDFs.
_TEXT_HEADING = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[章节部分篇]|[一二三四五六七八九十]+、).{0,38}(?<![。；;.])$")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_MD_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")

MSG_UNSUPPORTED = "不支持的文件类型{ext}：请上传 .docx、.pdf、.md、.txt、.html，或带“问题”“答案”列的 .xlsx/.csv"
MSG_EMPTY = "文件是空的"
MSG_NO_TEXT = "文件里没有可导入的文字"
MSG_ENCRYPTED_OFFICE = "文件已加密（或是旧版 .doc/.xls 格式）：请另存为未加密的 {ext} 后再导入"
MSG_CORRUPT = "文件已损坏，或不是有效的 {ext} 文件"
MSG_PDF_ENCRYPTED = "PDF 已加密：请先解除密码保护后再导入"
MSG_PDF_NO_TEXT = "PDF 没有文字层（可能是扫描件）：请上传带文字的 PDF 或 Word 文件"
MSG_ENCODING = "无法识别文件的文字编码：请另存为 UTF-8 后再导入"
MSG_QA_COLUMNS = "表格第一行应有“问题”和“答案”两列（可再加“依据”“相似问法”列）"
MSG_QA_ROW = "表格第 {row} 行只填了问题或答案中的一项"
MSG_TOO_MANY_ROWS = f"表格超过 {MAX_ROWS} 行，请分成几个文件导入"


class FileTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    default_message = f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后再导入"


@dataclass
class Parsed:
    segments: list[Segment]
    title: str = ""  # the document's own title, when it has one
    meta: dict[str, Any] = field(default_factory=dict)  # defaults from Markdown front matter


def _bad(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def parse(filename: str, data: bytes) -> Parsed:
    """The file's segments, or the reason it cannot be imported."""
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise _bad(MSG_UNSUPPORTED.format(ext=f" {ext}" if ext else "（没有扩展名）"))
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    if not data.strip():
        raise _bad(MSG_EMPTY)
    reader: Callable[[bytes], Parsed] = _READERS[ext]
    parsed = reader(data)
    if not parsed.segments:
        raise _bad(MSG_NO_TEXT)
    return parsed


# ---------------------------------------------------------------- Office files


def _office_zip(data: bytes, ext: str) -> None:
    if data.startswith(_OLE):
        raise _bad(MSG_ENCRYPTED_OFFICE.format(ext=ext))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _bad(MSG_CORRUPT.format(ext=ext))


def _docx(data: bytes) -> Parsed:
    import docx
    from docx.table import Table

    _office_zip(data, ".docx")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        title = ""
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                    if cells:
                        blocks.append(Block(" | ".join(cells)))
                continue
            text = item.text.strip()
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            if style.lower() == "title" or style == "标题":
                title = title or text
                continue
            blocks.append(Block(text, heading=bool(_HEADING_STYLE.match(style.strip()))))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise _bad(MSG_CORRUPT.format(ext=".docx")) from exc
    return Parsed(segment(blocks), title=title)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(data: bytes) -> Parsed:
    import openpyxl

    _office_zip(data, ".xlsx")
    try:
        # Two read-only views: values as last saved, and formulas as written (used when a formula
        # cell has no saved value). Neither evaluates anything.
        saved = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        written = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        rows = []
        sheet_saved, sheet_written = saved.worksheets[0], written.worksheets[0]
        for n, (a, b) in enumerate(zip(sheet_saved.iter_rows(values_only=True), sheet_written.iter_rows(values_only=True))):
            if n > MAX_ROWS:
                raise _bad(MSG_TOO_MANY_ROWS)
            rows.append([_cell_text(x if x is not None else y) for x, y in zip(a, b)])
        saved.close()
        written.close()
    except InvalidInput:
        raise
    except Exception as exc:
        raise _bad(MSG_CORRUPT.format(ext=".xlsx")) from exc
    return _qa(rows)


def _csv(data: bytes) -> Parsed:
    text = _decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise _bad(MSG_CORRUPT.format(ext=".csv")) from exc
    if len(rows) > MAX_ROWS + 1:
        raise _bad(MSG_TOO_MANY_ROWS)
    return _qa([[c.strip() for c in row] for row in rows])


def _qa(rows: list[list[str]]) -> Parsed:
    rows = [r for r in rows if any(r)]
    if not rows:
        raise _bad(MSG_EMPTY)
    header = [c.strip() for c in rows[0]]
    if QA_QUESTION not in header or QA_ANSWER not in header:
        raise _bad(MSG_QA_COLUMNS)
    q, a = header.index(QA_QUESTION), header.index(QA_ANSWER)
    basis = header.index(QA_BASIS) if QA_BASIS in header else None
    similar = header.index(QA_SIMILAR) if QA_SIMILAR in header else None

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    blocks: list[Block] = []
    for number, row in enumerate(rows[1:], start=2):
        question, answer, source = cell(row, q), cell(row, a), cell(row, basis)
        if not question and not answer:
            continue
        if not question or not answer:
            raise _bad(MSG_QA_ROW.format(row=number))
        asked = [q.strip() for q in _SIMILAR_SEPARATOR.split(cell(row, similar)) if q.strip()]
        blocks += [Block(question, heading=True), Block(answer + (f"\n依据：{source}" if source else "")
                                                        + ("\n问法：" + "｜".join(asked) if asked else ""))]
    return Parsed(segment(blocks))


# ---------------------------------------------------------------- PDF


def _pdf(data: bytes) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _bad(MSG_PDF_ENCRYPTED)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except InvalidInput:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise _bad(MSG_CORRUPT.format(ext=".pdf")) from exc
    text = "\n".join(pages)
    if not clean(text):
        raise _bad(MSG_PDF_NO_TEXT)
    return Parsed(segment(_text_blocks(text)), title=title)


# ---------------------------------------------------------------- text formats


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad(MSG_ENCODING)


def _text_blocks(text: str) -> list[Block]:
    blocks = []
    for line in clean(text).split("\n"):
        blocks.append(Block(line, heading=bool(_TEXT_HEADING.match(line))))
    return blocks


def _txt(data: bytes) -> Parsed:
    return Parsed(segment(_text_blocks(_decode(data))))


def _md(data: bytes) -> Parsed:
    text = _decode(data).replace("\r\n", "\n")
    meta: dict[str, Any] = {}
    match = _FRONT.match(text)
    if match:
        try:
            loaded = yamlio.safe_load(match.group(1))
        except yaml.YAMLError:
            loaded = None
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[match.end():]
    blocks, title = [], ""
    for line in text.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            title = heading.group(2)
            continue
        blocks.append(Block(heading.group(2), heading=True) if heading else Block(line))
    return Parsed(segment(blocks), title=str(meta.get("title") or title), meta=meta)


_HEADING_MARK = "\x00H"


def _html(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "object"]):
        tag.decompose()  # never executed, and never read as text either
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    for tag in soup.find_all(["h1", "h2", "h3", "h4"]):
        tag.replace_with(f"\n{_HEADING_MARK}{tag.get_text(' ', strip=True)}\n")
    for tag in soup.find_all(["p", "div", "li", "tr", "br", "section", "article", "table", "pre"]):
        tag.insert_after("\n")
    blocks = []
    for line in soup.get_text().split("\n"):
        line = line.strip()
        if line.startswith(_HEADING_MARK):
            blocks.append(Block(line[len(_HEADING_MARK):], heading=True))
        elif line:
            blocks.append(Block(line))
    return Parsed(segment(blocks), title=title)


_READERS: dict[str, Callable[[bytes], Parsed]] = {
    ".docx": _docx, ".pdf": _pdf, ".md": _md, ".txt": _txt, ".html": _html, ".htm": _html,
    ".xlsx": _xlsx, ".csv": _csv,
}
