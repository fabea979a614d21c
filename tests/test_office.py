"""crawler.text.attachments: attachment kinds, and text from .docx, .pdf, .doc and .wps files."""

from __future__ import annotations

import io
import logging
import random
import struct
import time
import zipfile
from collections.abc import Callable

import docx
import olefile
import pytest
from office_fixtures import (
    CELL_BREAK,
    FVM_MERGE,
    FVM_RESTART,
    Piece,
    Text,
    compound_file,
    pdf_body,
    pdf_file,
    row_layout,
    table,
    text_width,
    word_file,
)

from crawler.errors import CrawlerError, ExtractError, UnsupportedFormat
from crawler.text import attachments as office
from crawler.text import msword
from crawler.text.attachments import attachment_kind, attachment_text, doc_text, docx_text, pdf_text
from crawler.text.process import process

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("区卫生健康局2023年工作总结")
    document.add_paragraph("一、主要工作")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "2022年"
    table.cell(0, 2).text = "2023年"
    table.cell(1, 0).text = "家庭医生签约率"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "45%"
    document.add_paragraph("二、下一步工作打算")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            zf.writestr(name, "<x/>")
    return out.getvalue()


def _pdf(text: str, pages: int = 1) -> bytes:
    """A PDF whose pages all show `text` in Helvetica, offsets computed so readers accept it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *[
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents 3 0 R >>" % (4 + pages)
        ]
        * pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_body(objects)


def test_docx_text_keeps_paragraphs_and_table_rows_in_order() -> None:
    assert docx_text(_docx()).splitlines() == [
        "区卫生健康局2023年工作总结",
        "一、主要工作",
        "指标\t2022年\t2023年",
        "家庭医生签约率\t45%",
        "二、下一步工作打算",
    ]


def test_docx_text_rejects_other_bytes() -> None:
    with pytest.raises(UnsupportedFormat, match="docx"):
        docx_text(b"not a docx")


def test_pdf_text() -> None:
    pytest.importorskip("pypdf")
    assert "Annual work summary 2023" in pdf_text(_pdf("Annual work summary 2023"))


def test_pdf_text_rejects_broken_pdf() -> None:
    with pytest.raises(ExtractError, match="unreadable PDF"):
        pdf_text(b"%PDF-1.4\ngarbage")


@pytest.mark.parametrize(
    ("url", "content_type", "body", "kind"),
    [
        ("http://x/a.docx", None, "docx", "docx"),
        ("http://x/download?id=1", "application/octet-stream", "docx", "docx"),
        ("http://x/a.pdf", "application/pdf", b"%PDF-1.7\n...", "pdf"),
        ("http://x/a", None, b"\r\n%PDF-1.4\n...", "pdf"),
        (
            "http://x/a.doc",
            "application/msword",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8,
            "doc",
        ),
        ("http://x/a.html", "text/html", b"<!DOCTYPE html><html></html>", None),
        ("http://x/page", None, "正文".encode(), None),
        ("http://x/a.pdf", "application/pdf", b"  <html><body>404</body></html>", None),
        ("http://x/a.doc", None, "doc", "doc"),
        ("http://x/a.wps", None, "doc", "wps"),
        ("http://x/get?id=7", "application/kswps", "doc", "wps"),
        ("http://x/a.xls", None, "doc", "doc"),  # the WordDocument stream decides
        ("http://x/a.wps", None, OLE_MAGIC + b"\0" * 8, "wps"),  # damaged: the reader says so
    ],
)
def test_attachment_kind(
    url: str, content_type: str | None, body: bytes | str, kind: str | None
) -> None:
    data = {"docx": _docx(), "doc": word_file(["正文\r"])}.get(body, body)  # type: ignore[arg-type]
    assert attachment_kind(url, content_type, data) == kind


@pytest.mark.parametrize(
    ("url", "content_type", "body", "message"),
    [
        ("http://x/a.xlsx", None, "xlsx", "XLSX"),
        ("http://x/a.zip", "application/zip", "zip", "ZIP"),
        ("http://x/a.xls", None, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "XLS"),
        ("http://x/a.rar", None, b"Rar!\x1a\x07\x00", "RAR"),
        ("http://x/a.pdf", None, b"\x00\x01garbage", "claims to be PDF"),
        ("http://x/a.docx", None, b"PK\x03\x04broken", "damaged zip"),
        ("http://x/a.doc", None, "workbook", "XLS"),
        ("http://x/a.wps", None, b"\xff\x00WPS2000 text", "before 2005"),
        ("http://x/a.pdf", "application/pdf", b"", "empty"),
    ],
)
def test_unsupported_kinds_raise(
    url: str, content_type: str | None, body: bytes | str, message: str
) -> None:
    data = {
        "xlsx": _zip(["xl/workbook.xml"]),
        "zip": _zip(["a.txt"]),
        "workbook": compound_file({"Workbook": b"\x09\x08"}),
    }.get(body, body)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFormat, match=message):
        attachment_kind(url, content_type, data)  # type: ignore[arg-type]


def test_attachment_text_reads_each_kind() -> None:
    assert attachment_text("wps", word_file(["正文\r"])) == "正文"
    assert attachment_text("docx", _docx()).startswith("区卫生健康局")
    with pytest.raises(UnsupportedFormat, match="XLS"):
        attachment_text("xls", b"")


# Word 97–2003 .doc and WPS .wps, built by tests/office_fixtures.py.


def test_fixture_is_a_compound_file_olefile_reads() -> None:
    body = word_file(["正文\r"])
    with olefile.OleFileIO(io.BytesIO(body), raise_defects=olefile.DEFECT_POTENTIAL) as ole:
        assert sorted(ole.listdir()) == [["1Table"], ["WordDocument"]]
        assert ole.openstream("WordDocument").read(2) == b"\xec\xa5"
        assert not ole.parsing_issues


def test_doc_text_chinese_paragraphs_are_lines() -> None:
    body = word_file(["区卫生健康局2023年工作总结\r一、主要工作\r\r二、下一步工作打算\r"])
    assert doc_text(body).splitlines() == [
        "区卫生健康局2023年工作总结",
        "一、主要工作",
        "",
        "二、下一步工作打算",
    ]


def test_doc_text_follows_the_piece_table_across_8bit_and_utf16_pieces() -> None:
    body = word_file(
        [
            Piece("Work report – 2023 €\r", compressed=True),  # cp1252 0x96 and 0x80
            "第一部分",
            Piece("(part one)\r", compressed=True),
            "第二部分\r",
        ]
    )
    assert doc_text(body).splitlines() == ["Work report – 2023 €", "第一部分(part one)", "第二部分"]


def test_doc_text_tables_rows_are_lines_and_cells_tabs() -> None:
    rows = [["指标", "2022年", "2023年"], ["签约率", "", "45%"], ["说明", f"一{CELL_BREAK}二", ""]]
    body = word_file(["表1\r", table(rows), "完\r"])
    assert doc_text(body).splitlines() == [
        "表1",
        "指标\t2022年\t2023年",
        "签约率\t\t45%",  # an empty cell keeps its place
        "说明\t一 二",  # paragraphs of a cell on one line
        "完",
    ]


def test_doc_text_without_paragraph_properties_guesses_rows() -> None:
    body = word_file([table([["a", "b"], ["c", "d"]])], paragraph_properties=False)
    assert doc_text(body).splitlines() == ["a\tb", "c\td"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('见\x13 HYPERLINK "http://x/1.doc" \x14附件1\x15。\r', "见附件1。"),
        ("第\x13 PAGE \x14\x133\x14三\x15\x15页\r", "第三页"),  # nested fields
        ("日期\x13 DATE \\@ yyyy\x15。\r", "日期。"),  # a field without a result
        ("图\x01\x08片\x0b换行\x0c分页\x1e连字\x1f符\r", "图片\n换行\n分页-连字符"),
    ],
)
def test_doc_text_fields_and_control_characters(text: str, expected: str) -> None:
    assert doc_text(word_file([text])) == expected


def test_doc_text_leaves_out_text_past_the_main_document() -> None:
    body = word_file(["正文\r"], after_text="脚注：页眉\r")
    assert doc_text(body) == "正文"


def test_doc_text_reads_a_0table_stream() -> None:
    assert doc_text(word_file(["正文\r"], table_stream="0Table")) == "正文"


def test_doc_text_is_cut_at_the_text_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_TEXT_CHARS", 5)
    assert doc_text(word_file(["一二三四五六七八\r"])) == "一二三四五"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (word_file(["机密\r"], encrypted=True), "encrypted .doc"),
        (word_file(["旧\r"], nfib=0x0065), "Word 6/95"),
        (compound_file({"Workbook": b"\x09\x08"}), "without a WordDocument stream"),
        (compound_file({"WordDocument": b"\x00" * 64}), "not a Word 97"),
        (b"{\\rtf1 text}", "not a .doc or .wps"),
    ],
)
def test_doc_text_refuses_other_formats(body: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFormat, match=message):
        doc_text(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty .doc"),
        (OLE_MAGIC + b"\0" * 8, "damaged OLE"),
        (OLE_MAGIC + random.Random(0).randbytes(4000), "damaged OLE"),
        (word_file(["正文\r"])[:3000], "damaged OLE"),
        (compound_file({"WordDocument": b"\xec\xa5\xc1\x00"}), "FIB is truncated"),
    ],
)
def test_doc_text_damaged_files_raise_extract_error(body: bytes, message: str) -> None:
    with pytest.raises(ExtractError, match=message):
        doc_text(body)


def _mutations(body: bytes, count: int, seed: int) -> list[bytes]:
    """Copies of `body` with a few random bytes changed, or cut short."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        data = bytearray(body)
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        out.append(bytes(data[: rnd.randrange(len(data))] if rnd.random() < 0.2 else data))
    return out


@pytest.mark.parametrize(
    ("reader", "body"),
    [
        (doc_text, word_file(["区卫生健康局\r", table([["a", "b"]]), "x\x13f\x14r\x15\r"])),
        (docx_text, _docx()),
        (pdf_text, _pdf("Annual work summary 2023")),
    ],
    ids=["doc", "docx", "pdf"],
)
def test_damaged_files_give_text_or_a_crawler_error(
    reader: Callable[[bytes], str], body: bytes
) -> None:
    for data in _mutations(body, count=80, seed=7):
        try:
            assert isinstance(reader(data), str)
        except CrawlerError as exc:
            assert isinstance(exc, ExtractError | UnsupportedFormat) and str(exc)


def test_doc_text_rejects_a_piece_outside_the_stream() -> None:
    body = bytearray(word_file(["正文\r"]))
    # The Clx: a Prc record (01, size 2, 2 bytes), then the Pcdt (02, size, CPs, descriptors).
    clx = body.index(b"\x01\x02\x00\x00\x00\x02")
    fc_at = clx + 5 + 5 + 2 * 4 + 2  # the Pcdt header, two CPs, the descriptor's flags
    struct.pack_into("<I", body, fc_at, 0x00FFFFFF)
    with pytest.raises(ExtractError, match="outside the WordDocument"):
        doc_text(bytes(body))


# Hostile .docx files.


def _zip_with(member: str, chunks: int, chunk: bytes = b"\0" * 1024 * 1024) -> bytes:
    """A .docx-like zip whose `member` is `chunks` copies of `chunk`, written piecemeal."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        if member != "word/document.xml":
            zf.writestr("word/document.xml", "<w:document/>")
        with zf.open(member, "w", force_zip64=True) as stream:
            for _ in range(chunks):
                stream.write(chunk)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_before_inflating() -> None:
    bomb = _zip_with("word/document.xml", chunks=100)  # 100 MiB of zeros in ~100 KiB
    start = time.monotonic()
    with pytest.raises(ExtractError, match="expands to 100 MiB"):
        docx_text(bomb)
    assert time.monotonic() - start < 1


def test_docx_member_with_a_bomb_ratio_is_refused() -> None:
    with pytest.raises(ExtractError, match="zip bomb"):
        docx_text(_zip_with("word/media/image1.png", chunks=4))


def test_docx_member_that_lies_about_its_size_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * 8 * 1024 * 1024)
    body = out.getvalue()
    size = struct.pack("<I", 8 * 1024 * 1024)
    assert body.count(size) == 2  # in the local header and in the central directory
    lying = body.replace(size, struct.pack("<I", 1000))  # a small member, says the header
    with pytest.raises(ExtractError, match=r"damaged \.docx member word/document\.xml"):
        docx_text(lying)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (_zip(["a.txt", "b.xml"]), UnsupportedFormat, "without word/document.xml"),
        (b"PK\x03\x04broken", ExtractError, "damaged zip"),
        (_zip(["word/document.xml"]), ExtractError, "unreadable .docx"),
        (_docx()[:2000], ExtractError, "damaged zip"),
        (b"<html><body>404</body></html>", UnsupportedFormat, "not a .docx"),
        (b"", ExtractError, "empty .docx"),
    ],
)
def test_docx_text_refuses_bad_files(body: bytes, error: type[CrawlerError], message: str) -> None:
    with pytest.raises(error, match=message):
        docx_text(body)


def test_docx_with_broken_xml_gives_the_parser_message() -> None:
    source = zipfile.ZipFile(io.BytesIO(_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in source.namelist():
            data = source.read(name)
            zf.writestr(name, data[: len(data) // 2] if name == "word/document.xml" else data)
    with pytest.raises(ExtractError, match="XMLSyntaxError"):
        docx_text(out.getvalue())


# Hostile PDFs.


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"<html><body>File not found</body></html>", UnsupportedFormat, "not a PDF"),
        (b"%PDF-1.7\n" + random.Random(1).randbytes(3000), ExtractError, "unreadable PDF"),
        (_pdf("Annual work summary")[:300], ExtractError, "unreadable PDF"),
        (b"  \n", ExtractError, "empty PDF"),
    ],
)
def test_pdf_text_refuses_bad_files(body: bytes, error: type[CrawlerError], message: str) -> None:
    with pytest.raises(error, match=message):
        pdf_text(body)


def test_pdf_text_reads_at_most_max_pages(caplog: pytest.LogCaptureFixture) -> None:
    text = pdf_text(_pdf("Page", pages=office.MAX_PDF_PAGES + 100))
    assert text.split("\n\n") == ["Page"] * office.MAX_PDF_PAGES
    assert "600 pages: reading the first 500" in caplog.text


def test_pdf_text_stops_at_the_text_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_TEXT_CHARS", 10)
    assert pdf_text(_pdf("Twelve chars", pages=3)) == "Twelve cha"


def test_pdf_text_stops_when_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "PDF_SECONDS", 0.0)
    assert pdf_text(_pdf("Page", pages=3)) == "Page"


def test_pdf_text_keeps_pypdf_warnings_out_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    broken_xref = _pdf("Annual work summary").replace(b"startxref\n", b"startxref\n9")
    with caplog.at_level(logging.WARNING):
        assert pdf_text(broken_xref) == "Annual work summary"
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# Tables in attachments: each row a line, its cells tab-separated in their columns, as
# HTML tables give them (tests/test_tables.py); the sentences around them stay whole.

TITLE = "区卫生健康局2023年工作总结"
LEAD = "2023年，我局坚持以人民健康为中心，各项工作取得明显成效，现将主要指标完成情况报告如下。"
CAPTION = "表1 主要指标完成情况"
TAIL = "下一步，我局将继续深化医药卫生体制改革，推动卫生健康事业高质量发展。"
# 序号, 指标 and 完成率 span the two header rows; 2023年 spans two columns.
FIGURES = [
    ["序号", "指标", "2023年", "", "完成率"],
    ["", "", "目标", "完成", ""],
    ["1", "家庭医生签约率", "45%", "47.2%", "104.9%"],
    ["2", "孕产妇系统管理率", "90%", "85.6%", "95.1%"],
    ["3", "门诊人次（万）", "820", "856", "104.4%"],
]
ROWS = [  # a cell spanning rows is repeated, one spanning columns is followed by empty cells
    "序号\t指标\t2023年\t\t完成率",
    "序号\t指标\t目标\t完成\t完成率",
    "1\t家庭医生签约率\t45%\t47.2%\t104.9%",
    "2\t孕产妇系统管理率\t90%\t85.6%\t95.1%",
    "3\t门诊人次（万）\t820\t856\t104.4%",
]


def _table_lines(body: bytes, url: str, rows: list[str]) -> None:
    """The report reads as its title, its sentences and the table's rows, in order."""
    page = process(body, url=url)
    assert page.title == TITLE
    lines = page.text.splitlines()
    assert LEAD in lines and TAIL in lines
    start = lines.index(rows[0])
    assert lines[start : start + len(rows)] == rows
    assert lines.index(LEAD) < start < lines.index(TAIL)


def _figures_docx() -> bytes:
    document = docx.Document()
    for line in (TITLE, LEAD, CAPTION):
        document.add_paragraph(line)
    grid = document.add_table(rows=len(FIGURES), cols=len(FIGURES[0]))
    for r, row in enumerate(FIGURES):
        for c, value in enumerate(row):
            if value:
                grid.cell(r, c).text = value
    grid.cell(0, 2).merge(grid.cell(0, 3))  # gridSpan
    for column in (0, 1, 4):
        grid.cell(0, column).merge(grid.cell(1, column))  # vMerge
    document.add_paragraph(TAIL)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_table_keeps_every_figure_in_its_row_and_column() -> None:
    _table_lines(_figures_docx(), "http://wjw.example.gov.cn/files/report.docx", ROWS)


def _figures_doc() -> bytes:
    edges = [0, 800, 3000, 4200, 5400, 6600]
    layouts = [  # Word's header row has one wide cell for 2023年
        row_layout([0, 800, 3000, 5400, 6600], [FVM_RESTART, FVM_RESTART, 0, FVM_RESTART]),
        row_layout(edges, [FVM_MERGE, FVM_MERGE, 0, 0, FVM_MERGE]),  # stored empty
        *[row_layout([edge + 4 for edge in edges])] * 3,  # edges a little off: same columns
    ]
    rows = [[cell for cell in FIGURES[0] if cell], *FIGURES[1:]]
    lines = "".join(line + "\r" for line in (TITLE, LEAD, CAPTION))
    return word_file([lines, table(rows), TAIL + "\r"], rows=layouts)


def test_doc_table_keeps_every_figure_in_its_row_and_column() -> None:
    _table_lines(_figures_doc(), "http://wjw.example.gov.cn/files/report.doc", ROWS)


def _figures_pdf(middle_header: bool = False) -> bytes:
    """The report as Word prints it: wrapped lines, cells centred in their columns (and,
    with `middle_header`, the header cells spanning two rows centred across them)."""
    texts = [Text(297 - text_width(TITLE, 16) / 2, 780, TITLE, 16)]
    y = 740.0
    for start in range(0, len(LEAD), 30):
        texts.append(Text(90, y, LEAD[start : start + 30]))
        y -= 20
    texts.append(Text(297 - text_width(CAPTION, 10.5) / 2, y, CAPTION))
    edges = [90, 130, 250, 330, 410, 490]
    for number, row in enumerate(FIGURES):
        y -= 22
        for column, value in enumerate(row):
            span = 2 if value == "2023年" else 1
            middle = (edges[column] + edges[column + span]) / 2
            lower = 11 if middle_header and number == 0 and span == 1 else 0
            if value:
                texts.append(Text(middle - text_width(value, 10.5) / 2, y - lower, value))
    texts.append(Text(90, y - 30, TAIL))
    return pdf_file([texts])


def test_pdf_table_keeps_every_figure_in_its_row_and_column() -> None:
    rows = [ROWS[0], "\t\t目标\t完成", *ROWS[2:]]  # a cell spanning rows shows on its first
    _table_lines(_figures_pdf(), "http://wjw.example.gov.cn/files/report.pdf", rows)


def test_pdf_table_whose_header_is_read_out_of_order_keeps_its_other_rows() -> None:
    """Header cells centred across two rows lie between them: plain text reads them in
    another order than the layout shows, so they stay plain lines; the rows after them
    are rows."""
    rows = ["\t\t目标\t完成", *ROWS[2:]]
    _table_lines(_figures_pdf(middle_header=True), "http://x.gov.cn/files/report.pdf", rows)


def test_pdf_paragraphs_stay_paragraphs() -> None:
    """Layout mode opens gaps where runs of text meet (a sentence and its figures, bold
    words); lines with such gaps are no table, even when the gaps line up."""
    lines = [
        ["全区共有医疗机构", "86", "家，较上年增加了"],
        ["门诊服务总量达到", "12", "万人次，同比增长"],
        ["住院服务总量达到", "34", "万人次，同比增长"],
        ["今年以来，区卫生", "健康局在区委、区政府的坚", "强领导下，坚持以人民"],
        ["健康为中心，深化", "医药卫生体制改革，各项工", "作取得明显成效。全区"],
    ]
    texts = []
    for number, runs in enumerate(lines):
        x = 90.0
        for run in runs:
            texts.append(Text(x, 700 - 20 * number, run))
            x += text_width(run, 10.5) + 3  # a quarter em apart
    text = pdf_text(pdf_file([texts]))
    assert "\t" not in text
    assert "".join(text.split()).startswith("全区共有医疗机构86家，较上年增加了门诊")


def test_pdf_letter_spaced_lines_are_no_table() -> None:
    title = "工作总结报告"
    texts = [
        Text(200 + 21 * index, 700 - 20 * line, char)
        for line in range(3)
        for index, char in enumerate(title)
    ]
    assert "\t" not in pdf_text(pdf_file([texts]))


def test_docx_layout_table_reads_as_paragraphs() -> None:
    """A table laying out the page (a long cell) gives its paragraphs as lines; a data table
    inside it keeps its rows."""
    document = docx.Document()
    frame = document.add_table(rows=1, cols=2)
    frame.cell(0, 0).text = "首页"
    body = frame.cell(0, 1)
    body.text = TITLE
    for line in (LEAD * 3, LEAD * 2, CAPTION):
        body.add_paragraph(line)
    figures = body.add_table(rows=2, cols=2)
    for c, value in enumerate(["指标", "完成率"]):
        figures.cell(0, c).text = value
    for c, value in enumerate(["签约率", "85.6%"]):
        figures.cell(1, c).text = value
    body.add_paragraph(TAIL)
    out = io.BytesIO()
    document.save(out)
    assert docx_text(out.getvalue()).splitlines() == [
        "首页",
        TITLE,
        LEAD * 3,
        LEAD * 2,
        CAPTION,
        "指标\t完成率",
        "签约率\t85.6%",
        "",  # the empty paragraph Word keeps after a table in a cell
        TAIL,
    ]


def test_docx_single_cell_table_reads_as_paragraphs() -> None:
    document = docx.Document()
    box = document.add_table(rows=1, cols=1).cell(0, 0)
    box.text = TITLE
    box.add_paragraph(LEAD)
    out = io.BytesIO()
    document.save(out)
    assert docx_text(out.getvalue()).splitlines() == [TITLE, LEAD]


def test_docx_nested_table_stays_in_its_cell_and_tab_stops_are_spaces() -> None:
    document = docx.Document()
    document.add_paragraph("单位：\t万元")
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).text, grid.cell(0, 1).text = "项目", "金额"
    grid.cell(1, 0).text = "设备"
    inner = grid.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "CT", "820"
    out = io.BytesIO()
    document.save(out)
    assert docx_text(out.getvalue()).splitlines() == ["单位： 万元", "项目\t金额", "设备\tCT 820"]


def test_doc_rows_without_a_layout_keep_their_cells_in_order() -> None:
    """Without a row layout a vertically merged cell stays empty, in its place."""
    rows = [[cell for cell in FIGURES[0] if cell], *FIGURES[1:]]
    assert doc_text(word_file([table(rows)])).splitlines() == [
        "序号\t指标\t2023年\t完成率",
        "\t\t目标\t完成",
        *ROWS[2:],
    ]


def test_doc_layout_table_reads_as_paragraphs() -> None:
    long = LEAD * 7
    body = word_file([table([["首页", f"{TITLE}{CELL_BREAK}{long}{CELL_BREAK}{TAIL}"]])])
    assert doc_text(body).splitlines() == ["首页", TITLE, long, TAIL]


def test_doc_tab_in_a_paragraph_is_a_space() -> None:
    assert doc_text(word_file(["单位：\t万元\r"])) == "单位： 万元"


def test_paragraph_properties_read_the_row_layout() -> None:
    sprms = struct.pack("<HB", 0x2416, 1) + row_layout([0, 900, 2000], [FVM_RESTART, 0])
    sprms += struct.pack("<HB", 0x2447, 1) + struct.pack("<HBBB", 0xD62B, 2, 1, FVM_MERGE)
    flags, layout = msword.paragraph_properties(sprms)
    assert flags == msword.IN_TABLE | msword.ROW
    assert layout == msword.RowLayout((0, 900, 2000), (FVM_RESTART, FVM_MERGE))


def test_nested_table_marks_stay_in_the_outer_cell() -> None:
    """A nested table's cells and rows end in paragraph marks flagged as inner ones."""
    inner = msword.IN_TABLE | msword.INNER
    paragraphs = [("设备", msword.IN_TABLE), ("CT", inner), ("820", inner), ("", inner)]
    text = "".join(p + "\r" for p, _ in paragraphs) + "\x07项目\x07\x07"
    spans, start = [], 0
    for paragraph, flags in paragraphs:
        end = start + 2 * (len(paragraph) + 1)
        spans.append((start, end, flags, None))
        start = end
    spans += [(start, start + 2 * 3, msword.IN_TABLE, None)]
    spans += [(start + 6, start + 8, msword.IN_TABLE | msword.ROW, None)]
    runs = iter([msword.Run(text, 0, 2)])
    assert msword.render(runs, msword.ParagraphMarks(spans)) == "设备 CT 820\t项目"
