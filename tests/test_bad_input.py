"""Bad input never escapes as anything but a StageError naming the stage and the reason."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from crawler.errors import StageError
from crawler.text.process import process

REPORT = "今年以来，区卫生健康局坚持以人民健康为中心，扎实推进各项工作，全年工作总结如下。"


def _zip_bomb() -> bytes:
    """A .docx-shaped zip whose document.xml inflates to 200 MiB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (200 << 20))
    return buffer.getvalue()


CASES = {
    "empty html": (b"", "text/html", "x.html", {"decode", "extract"}),
    "whitespace html": (b" \n\t ", "text/html", "x.html", {"extract"}),
    "png served as html": (
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + os.urandom(4096), "text/html", "x.html", {"decode"},
    ),
    "random bytes as html": (os.urandom(65536) + b"\0", "text/html", "x.html", {"decode"}),
    "markup without text": (
        b"<html><body><div><img src=a.png></div></body></html>", "text/html", "x.html",
        {"extract", "clean"},
    ),
    "docx zip bomb": (
        _zip_bomb(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "x.docx", {"extract"},
    ),
    "zip that is not a docx": (
        b"PK\x03\x04" + b"\0" * 200, "application/octet-stream", "x.docx", {"extract", "detect"},
    ),
    "html served as pdf": (
        f"<html><body>{REPORT}</body></html>".encode(), "application/pdf", "x.pdf",
        {"extract", "detect"},
    ),
    "truncated pdf": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "application/pdf", "x.pdf",
                      {"extract"}),
    "unsupported type": (b"GIF89a" + b"\1" * 100, "image/gif", "x.gif", {"detect"}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_stage_error(case: str) -> None:
    body, content_type, name, stages = CASES[case]
    with pytest.raises(StageError) as caught:
        process(body, url=f"http://bad.test/{name}", content_type=content_type)
    assert caught.value.stage in stages, (caught.value.stage, str(caught.value))
    assert str(caught.value).strip()


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "big5", "shift_jis", "utf-16-le"])
def test_invalid_bytes_in_any_encoding_still_give_text(codec: str) -> None:
    html = f"<html><head><meta charset='{codec}'></head><body><p>{REPORT}</p></body></html>"
    body = html.encode(codec, "replace")
    # cut a multi-byte character in half and splice in bytes that are invalid in the codec
    middle = len(body) // 2
    broken = body[:middle] + b"\xff\xfe\x80" + body[middle + 1 :]
    try:
        page = process(broken, url="http://bad.test/x.html", content_type="text/html")
    except StageError as exc:
        assert exc.stage in {"decode", "extract", "clean", "relevant"}
    else:
        assert page.text


def test_deeply_nested_tables_and_divs() -> None:
    for tag, cell in (("table", "<tr><td>"), ("div", "")):
        depth = 5000
        html = (
            f"<html><body>{f'<{tag}>{cell}' * depth}<p>{REPORT}</p>"
            f"{f'</{tag}>' * depth}</body></html>"
        )
        try:
            page = process(html.encode(), url="http://bad.test/x.html", content_type="text/html")
        except StageError as exc:
            assert exc.stage == "extract" and "RecursionError" not in str(exc)
        else:
            assert REPORT[:20] in page.text


def test_twenty_megabyte_page() -> None:
    paragraph = f"<p>{REPORT}</p>\n".encode()
    paragraphs = paragraph * (20_000_000 // len(paragraph))
    body = b"<html><body><div>" + paragraphs + b"</div></body></html>"
    assert len(body) >= 19_000_000
    page = process(body, url="http://bad.test/x.html", content_type="text/html")
    assert page.text.count(REPORT[:10]) > 1000
