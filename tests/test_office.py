"""crawler.office: attachment kinds and text from .docx and .pdf files."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from crawler.errors import UnsupportedFormat
from crawler.office import attachment_kind, docx_text, pdf_text


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


def _pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, offsets computed so readers accept it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


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
    pytest.importorskip("pypdf")
    with pytest.raises(UnsupportedFormat, match="PDF"):
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
    ],
)
def test_attachment_kind(
    url: str, content_type: str | None, body: bytes | str, kind: str | None
) -> None:
    data = _docx() if body == "docx" else body
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
    ],
)
def test_unsupported_kinds_raise(
    url: str, content_type: str | None, body: bytes | str, message: str
) -> None:
    data = {"xlsx": _zip(["xl/workbook.xml"]), "zip": _zip(["a.txt"])}.get(body, body)
    with pytest.raises(UnsupportedFormat, match=message):
        attachment_kind(url, content_type, data)  # type: ignore[arg-type]
