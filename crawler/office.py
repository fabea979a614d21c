"""Text from attachments (.docx, .pdf) and what kind of file a response holds."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator

from crawler.errors import UnsupportedFormat

logger = logging.getLogger(__name__)

DOCX = "docx"
PDF = "pdf"
DOC = "doc"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_PDF = b"%PDF"
# Kinds a URL or Content-Type can name: supported ones and ones we refuse by name.
_EXTENSIONS = {
    ".docx": DOCX,
    ".pdf": PDF,
    ".doc": DOC,
    ".wps": DOC,
    ".xls": "xls",
    ".xlsx": "xlsx",
    ".et": "xls",
    ".ppt": "ppt",
    ".pptx": "pptx",
    ".zip": "zip",
    ".rar": "rar",
    ".7z": "7z",
    ".ofd": "ofd",
    ".ceb": "ceb",
    ".caj": "caj",
    ".odt": "odt",
    ".rtf": "rtf",
}
_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/pdf": PDF,
    "application/msword": DOC,
    "application/wps-office.doc": DOC,
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/zip": "zip",
    "application/x-rar-compressed": "rar",
    "application/ofd": "ofd",
}
_SUPPORTED = (DOCX, PDF, DOC)


def _claimed(url: str, content_type: str | None) -> str | None:
    """The kind a URL's extension or a Content-Type header names, if any."""
    path = re.sub(r"[?#].*$", "", url or "").lower()
    for ext, kind in _EXTENSIONS.items():
        if path.endswith(ext):
            return kind
    ctype = (content_type or "").split(";")[0].strip().lower()
    return _CONTENT_TYPES.get(ctype)


def _zip_kind(body: bytes) -> str:
    """Which Office Open XML (or other zip) format a PK archive is."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedFormat(f"damaged zip archive, cannot read it: {exc}") from exc
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def attachment_kind(url: str, content_type: str | None, body: bytes) -> str | None:
    """ "docx", "pdf" or "doc" for a readable attachment, None for a page (HTML, text).

    The bytes decide; the URL and Content-Type only name what the bytes do not show.
    Raises UnsupportedFormat for files of other kinds (spreadsheets, archives, OFD…) and for
    bytes that do not match the attachment kind the URL or header claims.
    """
    claimed = _claimed(url, content_type)
    head = body[:1024].lstrip()
    if head.startswith(_PDF) or body[:1024].find(_PDF) != -1:
        return PDF
    if body.startswith(_ZIP):
        kind = _zip_kind(body)
    elif body.startswith(_OLE2):
        kind = claimed if claimed in ("xls", "ppt") else DOC
    elif claimed is None or head[:1] == b"<" or head[:5].lower() == b"<?xml":
        return None
    else:
        kind = claimed
        if kind in _SUPPORTED:
            raise UnsupportedFormat(
                f"{url or 'response'}: claims to be {kind.upper()} but its bytes are not "
                f"(starts with {body[:8]!r})"
            )
    if kind not in _SUPPORTED:
        raise UnsupportedFormat(f"{url or 'response'}: {kind.upper()} files are not supported")
    return kind


def _docx_lines(document: object) -> Iterator[str]:
    """Paragraphs and table rows of a python-docx Document, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, Table):
            yield from _table_lines(block)


def _table_lines(table: object) -> Iterator[str]:
    """One line per table row, cells separated by tabs (merged cells once)."""
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        if any(cells):
            yield "\t".join(cells)


def docx_text(body: bytes) -> str:
    """The text of a .docx file: one line per paragraph and per table row."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(body))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnsupportedFormat(f"not a readable .docx file: {exc}") from exc
    lines = [line.rstrip() for line in _docx_lines(document)]
    return "\n".join(lines).strip()


def pdf_text(body: bytes) -> str:
    """The text layer of a PDF, pages separated by blank lines (needs pypdf)."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is an optional dependency for now
        raise UnsupportedFormat("reading PDF needs the pypdf package") from exc
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedFormat("encrypted PDF, cannot read its text")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise UnsupportedFormat(f"not a readable PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        logger.info("PDF has no text layer (%d pages): a scan needs OCR", len(pages))
    return text
