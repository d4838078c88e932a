"""Reading uploaded files into segments: every format, and every kind of bad file, named in Chinese."""
from __future__ import annotations

import pytest

from handlers.errors import InvalidInput
from handlers.knowledge_ops import parsers
from handlers.knowledge_ops.segments import MAX_CHARS, Block, segment, split_length
from tests.support.kb_files import TOPIC_FACT, docx_bytes, encrypted_pdf, pdf_bytes, pdf_without_text, xlsx_bytes


def _pairs(parsed: parsers.Parsed) -> list[tuple[str, str]]:
    return [(s.heading, s.text) for s in parsed.segments]


def _refused(filename: str, data: bytes) -> str:
    with pytest.raises(InvalidInput) as err:
        parsers.parse(filename, data)
    return err.value.fields["file"]


def test_a_docx_is_split_at_paragraphs_styled_as_headings_and_its_tables_are_read():
    data = docx_bytes([("报名", "Heading 1"), (TOPIC_FACT, None), ("奖励", "Heading 2"), ("一等奖1名。", None)],
                      title="彝绣创业大赛通知", table=[["奖项", "名额"], ["二等奖", "3名"]])
    parsed = parsers.parse("通知.docx", data)
    assert parsed.title == "彝绣创业大赛通知"
    assert _pairs(parsed) == [("报名", TOPIC_FACT), ("奖励", "一等奖1名。\n奖项 | 名额\n二等奖 | 3名")]


def test_a_pdf_is_read_from_its_text_layer_with_chapter_lines_as_headings():
    parsed = parsers.parse("a.pdf", pdf_bytes(f"第一章 报名\n{TOPIC_FACT}"))
    assert _pairs(parsed) == [("第一章 报名", TOPIC_FACT)]


def test_markdown_headings_split_and_the_first_level_one_heading_is_the_title():
    text = f"---\nissuer: 楚雄州人社局\n---\n# 彝绣大赛\n\n## 报名\n{TOPIC_FACT}\n\n## 奖励\n一等奖1名。\n"
    parsed = parsers.parse("a.md", text.encode())
    assert parsed.title == "彝绣大赛" and parsed.meta["issuer"] == "楚雄州人社局"
    assert _pairs(parsed) == [("报名", TOPIC_FACT), ("奖励", "一等奖1名。")]


def test_plain_text_in_gb18030_is_read_and_numbered_lines_are_headings():
    parsed = parsers.parse("a.txt", f"一、报名\n{TOPIC_FACT}\n二、奖励\n一等奖1名。".encode("gb18030"))
    assert _pairs(parsed) == [("一、报名", TOPIC_FACT), ("二、奖励", "一等奖1名。")]


def test_html_scripts_are_dropped_never_run_and_h1_to_h4_are_headings():
    html = (f"<html><head><title>大赛</title><script>alert('x')</script><style>p{{}}</style></head><body>"
            f"<h2>报名</h2><p>{TOPIC_FACT}</p><script>document.write('坏')</script><h4>奖励</h4><ul><li>一等奖1名。</li></ul>"
            f"</body></html>")
    parsed = parsers.parse("a.html", html.encode())
    assert parsed.title == "大赛"
    assert _pairs(parsed) == [("报名", TOPIC_FACT), ("奖励", "一等奖1名。")]
    assert "alert" not in str(_pairs(parsed)) and "坏" not in str(_pairs(parsed))


def test_an_xlsx_sheet_gives_one_segment_per_row_and_formulas_stay_text():
    data = xlsx_bytes([["问题", "答案", "依据"], ["大赛什么时候报名", TOPIC_FACT, "州人社局通知"],
                       [None, None, None], ["奖金多少", "=SUM(1,2)", ""]])
    parsed = parsers.parse("qa.xlsx", data)
    assert _pairs(parsed) == [("大赛什么时候报名", f"{TOPIC_FACT}\n依据：州人社局通知"), ("奖金多少", "=SUM(1,2)")]


def test_a_csv_sheet_with_bom_gives_one_segment_per_row():
    data = f"答案,问题\n{TOPIC_FACT},大赛什么时候报名\n".encode("utf-8-sig")
    assert _pairs(parsers.parse("qa.csv", data)) == [("大赛什么时候报名", TOPIC_FACT)]


@pytest.mark.parametrize("filename,data,message", [
    ("a.exe", b"MZ...", "不支持的文件类型 .exe"),
    ("README", b"text", "不支持的文件类型（没有扩展名）"),
    ("a.docx", b"PK\x03\x04 this is not really a zip", "文件已损坏，或不是有效的 .docx 文件"),
    ("a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "文件已加密"),
    ("a.xlsx", b"not a zip at all", "文件已损坏，或不是有效的 .xlsx 文件"),
    ("a.pdf", b"%PDF-1.4 broken", "文件已损坏，或不是有效的 .pdf 文件"),
    ("a.txt", b"", "文件是空的"),
    ("a.md", b"   \n\n", "文件是空的"),
    ("a.html", b"<html><script>only()</script></html>", "文件里没有可导入的文字"),
    ("a.csv", "标题,内容\n甲,乙\n".encode(), "表格第一行应有“问题”和“答案”两列"),
    ("a.csv", "问题,答案\n只有问题,\n".encode(), "表格第 2 行只填了问题或答案中的一项"),
])
def test_bad_files_are_refused_naming_the_problem(filename, data, message):
    assert message in _refused(filename, data)


def test_an_encrypted_pdf_and_a_scan_without_text_are_refused():
    assert _refused("a.pdf", encrypted_pdf()) == parsers.MSG_PDF_ENCRYPTED
    assert _refused("a.pdf", pdf_without_text()) == parsers.MSG_PDF_NO_TEXT
    assert parsers.MSG_PDF_NO_TEXT.startswith("PDF 没有文字层（可能是扫描件）")


def test_a_file_over_20_mb_is_too_large():
    with pytest.raises(parsers.FileTooLarge) as err:
        parsers.parse("a.txt", b"a" * (parsers.MAX_BYTES + 1))
    assert err.value.status == 413


def test_long_sections_are_cut_at_sentence_ends_and_no_segment_is_empty():
    sentence = "这是一句用来测试分段长度的话，共有二十几个字。"
    blocks = [Block("标题", heading=True), Block(sentence * 40), Block("空标题", heading=True), Block("   ")]
    segments = segment(blocks)
    assert len(segments) > 1 and all(s.heading == "标题" for s in segments)
    assert all(0 < len(s.text) <= MAX_CHARS and s.text.endswith("。") for s in segments)
    assert "".join(s.text for s in segments) == sentence * 40
    assert split_length("字" * 1200) == ["字" * 500, "字" * 500, "字" * 200]


def test_an_xlsx_sheet_may_give_each_row_its_similar_questions():
    data = xlsx_bytes([["问题", "答案", "相似问法"], ["大赛什么时候报名", TOPIC_FACT, "哪阵报名｜报名截止哪天；几号之前报"],
                       ["奖金多少", "一等奖1万元。", ""]])
    parsed = parsers.parse("qa.xlsx", data)
    assert [(s.heading, s.text, s.questions) for s in parsed.segments] == [
        ("大赛什么时候报名", TOPIC_FACT, ("哪阵报名", "报名截止哪天", "几号之前报")),
        ("奖金多少", "一等奖1万元。", ())]


def test_similar_question_lines_in_a_document_leave_its_text_and_stay_on_the_sections_first_segment():
    long_body = "。".join(["报名要带身份证和户口本"] * 60) + "。"
    text = f"# 彝绣大赛\n\n## 报名\n{long_body}\n问法：咋个报名｜报名要带哪样|报名要带哪样\n\n## 奖励\n一等奖1名。\n"
    segments = parsers.parse("a.md", text.encode()).segments
    assert len(segments) > 2 and all("问法" not in s.text for s in segments)
    assert segments[0].questions == ("咋个报名", "报名要带哪样")  # deduplicated, either bar
    assert all(s.questions == () for s in segments[1:])


def test_a_section_keeps_at_most_the_allowed_number_of_similar_questions_of_limited_length():
    from knowledge.documents import MAX_QUESTION_CHARS, MAX_QUESTIONS
    asked = "｜".join(f"问题{n}" + "长" * MAX_QUESTION_CHARS for n in range(MAX_QUESTIONS + 5))
    (only,) = segment([Block("报名", heading=True), Block(f"{TOPIC_FACT}\n问法：{asked}")])
    assert len(only.questions) == MAX_QUESTIONS and all(len(q) == MAX_QUESTION_CHARS for q in only.questions)
