"""Small knowledge files made on the fly, one per format the knowledge base imports."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# A topic no shipped document covers: answers about it can only come from the test's file.
TOPIC_QUESTION = "彝绣创业大赛什么时候报名"
TOPIC_FACT = "彝绣创业大赛每年3月1日至3月31日报名（测试数据）。"


def docx_bytes(paragraphs: list[tuple[str, str | None]], title: str | None = None,
               table: list[list[str]] | None = None) -> bytes:
    """``paragraphs``: (text, style) with style e.g. "Heading 1" or None for body text."""
    import docx

    document = docx.Document()
    if title:
        document.add_paragraph(title, style="Title")
    for text, style in paragraphs:
        document.add_paragraph(text, style=style) if style else document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A PDF with a text layer (needs a CJK font for Chinese text)."""
    from fpdf import FPDF

    if not CJK_FONT.exists():
        pytest.skip(f"no CJK font at {CJK_FONT} to write a Chinese PDF with")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def pdf_without_text() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(text: str = "第一章 总则\n加密的文件（测试）。") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(text))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
