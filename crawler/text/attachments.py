"""Text from attachments (.docx, .pdf, .doc, .wps) and what kind of file a response holds.

Every reader takes the whole body and returns its text, or raises UnsupportedFormat (the
bytes are not of that kind, or of a variant we cannot read) or ExtractError (the file is
damaged, or goes past a safety limit). Attachments come from strangers: limits bound the
memory and time one file can take.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterator

from crawler.text import msword, pdf_tables
from crawler.text.errors import CrawlerError, ExtractError, UnsupportedFormat
from crawler.text.tables import CELL, MAX_CELL, MAX_SPAN, render

logger = logging.getLogger(__name__)
# pypdf logs a warning for every oddity of a malformed PDF, and government sites serve many.
logging.getLogger("pypdf").setLevel(logging.ERROR)

DOCX = "docx"
PDF = "pdf"
DOC = "doc"  # Word 97–2003 binary
WPS = "wps"  # WPS Office's .wps: the same binary format as .doc

MAX_TEXT_CHARS = 2_000_000  # text past this is cut; a long work report is ~50,000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # all members of a .docx together, uncompressed
MAX_ZIP_RATIO = 200  # per member: XML deflates ~10–30:1, zip bombs ~1000:1
RATIO_FLOOR = 1024 * 1024  # members smaller than this may deflate as well as they like
MAX_ZIP_MEMBERS = 10_000
ZIP_CHUNK = 1024 * 1024
MAX_PDF_PAGES = 500  # pages read; the rest are skipped with a warning
PDF_SECONDS = 60.0  # pages after this much time are skipped with a warning

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_PDF = b"%PDF"
_MAGIC_SPAN = 1024  # "%PDF" may follow junk within this many bytes
_LABELS = {DOCX: ".docx", PDF: "PDF", DOC: ".doc", WPS: ".wps"}
# Kinds a URL or Content-Type can name: supported ones and ones we refuse by name.
_EXTENSIONS = {
    ".docx": DOCX,
    ".pdf": PDF,
    ".doc": DOC,
    ".wps": WPS,
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
    "application/wps-office.wps": WPS,
    "application/kswps": WPS,
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/zip": "zip",
    "application/x-rar-compressed": "rar",
    "application/ofd": "ofd",
}
# Top-level streams that tell what an OLE compound file holds.
_OLE_STREAMS = {
    msword.WORD_STREAM: DOC,
    "Workbook": "xls",
    "Book": "xls",
    "PowerPoint Document": "ppt",
}
_SUPPORTED = (DOCX, PDF, DOC, WPS)


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


def _ole_kind(body: bytes, claimed: str | None) -> str:
    """What an OLE compound file holds, by its streams: a WordDocument stream makes it a
    doc (or wps, when so named) whatever the extension says."""
    try:
        streams = msword.stream_names(body)
    except ExtractError:  # damaged: trust the name, and let the reader report the damage
        return claimed if claimed in ("xls", "ppt", WPS) else DOC
    for stream, kind in _OLE_STREAMS.items():
        if stream in streams:
            return WPS if kind == DOC and claimed == WPS else kind
    return "ole"


def attachment_kind(url: str, content_type: str | None, body: bytes) -> str | None:
    """ "docx", "pdf", "doc" or "wps" for a readable attachment, None for a page (HTML, text).

    The bytes decide; the URL and Content-Type only name what the bytes do not show.
    Raises UnsupportedFormat for files of other kinds (spreadsheets, archives, OFD…) and for
    bytes that do not match the attachment kind the URL or header claims.
    """
    claimed = _claimed(url, content_type)
    head = body[:_MAGIC_SPAN].lstrip()
    if head.startswith(_PDF) or body[:_MAGIC_SPAN].find(_PDF) != -1:
        return PDF
    if body.startswith(_ZIP):
        kind = _zip_kind(body)
    elif body.startswith(_OLE2):
        kind = _ole_kind(body, claimed)
    elif claimed is None or head[:1] == b"<" or head[:5].lower() == b"<?xml":
        return None
    else:
        kind = claimed
        if kind in _SUPPORTED:
            raise UnsupportedFormat(_not_that_kind(url, kind, body))
    if kind not in _SUPPORTED:
        raise UnsupportedFormat(f"{url or 'response'}: {kind.upper()} files are not supported")
    return kind


def _not_that_kind(url: str, kind: str, body: bytes) -> str:
    """Why bytes that a URL or header calls `kind` are refused."""
    if not body.strip():
        return f"{url or 'response'}: claims to be {kind.upper()} but is empty"
    message = f"{url or 'response'}: claims to be {kind.upper()} but its bytes are not"
    message += f" (starts with {body[:8]!r})"
    if kind == WPS:
        message += "; WPS Office before 2005 wrote its own format, which is not supported"
    return message


def attachment_text(kind: str, body: bytes) -> str:
    """The text of an attachment of a kind `attachment_kind` returned."""
    readers = {DOCX: docx_text, PDF: pdf_text, DOC: doc_text, WPS: doc_text}
    if kind not in readers:
        raise UnsupportedFormat(f"{kind.upper()} files are not supported")
    return readers[kind](body)


def _read(kind: str, reader: Callable[[bytes], str], body: bytes) -> str:
    """Run a reader; whatever a library raises on bad input becomes an ExtractError."""
    label = _LABELS[kind]
    if not body.strip():
        raise ExtractError(f"empty {label} file")
    try:
        text = reader(body)
    except CrawlerError:
        raise
    except Exception as exc:  # KeyError, struct.error, zlib.error, RecursionError…
        logger.debug("reading %s failed", label, exc_info=True)
        raise ExtractError(f"unreadable {label} file: {type(exc).__name__}: {exc}") from exc
    if len(text) > MAX_TEXT_CHARS:
        logger.warning("%s text cut at %d of %d characters", label, MAX_TEXT_CHARS, len(text))
        text = text[:MAX_TEXT_CHARS]
    # blank lines around the text go, not a first row's empty cells
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def docx_text(body: bytes) -> str:
    """The text of a .docx file: one line per paragraph and per table row."""
    return _read(DOCX, _docx_text, body)


def _docx_text(body: bytes) -> str:
    """docx_text without the guard."""
    import docx

    if not body.startswith(_ZIP):
        raise UnsupportedFormat(f"not a .docx (a zip archive): starts with {body[:16]!r}")
    _check_zip(body)
    return "\n".join(_docx_lines(docx.Document(io.BytesIO(body))))


def _docx_lines(container: object) -> Iterator[str]:
    """Paragraphs and table rows of a python-docx Document (or table cell), in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            yield block.text.replace(CELL, " ")  # a tab stop is not a table cell
        elif isinstance(block, Table):
            yield from _table_lines(block)


def _table_lines(table: object) -> Iterator[str]:
    """A data table's rows, one line each with its cells tab-separated in their columns
    (crawler/text/tables.py); a table that lays out the page (a single cell, or a cell longer
    than tables.MAX_CELL) gives its paragraphs as lines instead, as HTML ones do."""
    grid, cells = _table_grid(table)
    if len(cells) == 1 or any(len(text) > MAX_CELL for _, text in cells):
        for cell, _ in cells:
            yield from _docx_lines(cell)
    else:
        yield from render([row for row in grid if any(row)])


def _table_grid(table: object) -> tuple[list[list[str]], list[tuple[object, str]]]:
    """A table's rows by grid column, and each of its cells once with its text.

    A cell spanning columns (gridSpan) is followed by empty cells; a cell continuing a
    vertical merge (vMerge) repeats the text of the merge's first cell; the columns a row
    leaves out before its first cell (gridBefore) are empty."""
    from crawler.text.docx_fence import row_cells

    grid: list[list[str]] = []
    cells: list[tuple[object, str]] = []
    above: dict[int, str] = {}  # column -> text of the previous row's cell starting there
    for row in table.rows:  # type: ignore[attr-defined]
        values = [""] * min(row.grid_cols_before, MAX_SPAN)
        starts: dict[int, str] = {}
        for cell, span, continues in row_cells(row, MAX_SPAN):
            if continues:
                text = above.get(len(values), "")
            else:
                text = _cell_text(cell)
                cells.append((cell, text))
            starts[len(values)] = text
            values += [text] + [""] * (span - 1)
        above = starts
        grid.append(values)
    return grid, cells


def _cell_text(cell: object) -> str:
    """A cell's paragraphs, and the cells of tables nested in it, on one line."""
    from docx.table import Table

    parts = []
    for block in cell.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            parts += [text for _, text in _table_grid(block)[1]]
        else:
            parts.append(block.text)
    return " ".join(" ".join(parts).split())


def _check_zip(body: bytes) -> None:
    """Refuse a zip that is not a Word document, is damaged, or expands past the limits.

    Declared sizes are checked first; then every member is inflated with a running count,
    so a lying header cannot get past the total either.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractError(f"damaged zip archive, cannot read it: {exc}") from exc
    if "word/document.xml" not in {member.filename for member in members}:
        raise UnsupportedFormat("a zip archive without word/document.xml is not a .docx")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ExtractError(f".docx with {len(members)} zip members (limit {MAX_ZIP_MEMBERS})")
    declared = sum(member.file_size for member in members)
    if declared > MAX_UNZIPPED_BYTES:
        raise ExtractError(f".docx expands to {_mib(declared)} (limit {_mib(MAX_UNZIPPED_BYTES)})")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
            raise ExtractError(
                f".docx member {member.filename} expands {ratio:.0f}:1, a zip bomb"
                f" (limit {MAX_ZIP_RATIO}:1)"
            )
    budget = MAX_UNZIPPED_BYTES
    for member in members:
        budget -= _inflated_size(archive, member, budget)


def _inflated_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> int:
    """Bytes a member really inflates to; ExtractError past `budget` or on a damaged member."""
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(ZIP_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise ExtractError(
                        f".docx expands past {_mib(MAX_UNZIPPED_BYTES)} (at {member.filename})"
                    )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ExtractError(f"damaged .docx member {member.filename}: {exc}") from exc
    return size


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MiB"


def doc_text(body: bytes) -> str:
    """The main text of a Word 97–2003 .doc or a WPS Office .wps: one line per paragraph,
    table cells separated by tabs; field instructions, footnotes and headers left out."""
    return _read(DOC, _doc_text, body)


def _doc_text(body: bytes) -> str:
    """doc_text without the guard."""
    if not body.startswith(_OLE2):
        raise UnsupportedFormat(
            f"not a .doc or .wps (an OLE compound file): starts with {body[:16]!r}"
        )
    return msword.read_word(body, MAX_TEXT_CHARS)


def pdf_text(body: bytes) -> str:
    """The text layer of a PDF, pages separated by blank lines (the first MAX_PDF_PAGES);
    table rows on one line each, cells tab-separated."""
    return _read(PDF, _pdf_text, body)


def _pdf_text(body: bytes) -> str:
    """pdf_text without the guard."""
    from pypdf import PdfReader

    if _PDF not in body[:_MAGIC_SPAN]:
        raise UnsupportedFormat(f"not a PDF: starts with {body[:16]!r}")
    reader = PdfReader(io.BytesIO(body))
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnsupportedFormat("encrypted PDF, cannot read its text")
    count = len(reader.pages)
    if not count:
        raise ExtractError("PDF without pages")
    if count > MAX_PDF_PAGES:
        logger.warning("PDF has %d pages: reading the first %d", count, MAX_PDF_PAGES)
    texts: list[str] = []
    size = 0
    deadline = time.monotonic() + PDF_SECONDS
    for index in range(min(count, MAX_PDF_PAGES)):
        text = _page_text(reader.pages[index])
        texts.append(text)
        size += len(text)
        if size > MAX_TEXT_CHARS or time.monotonic() > deadline:
            logger.warning("PDF text too long or too slow: stopped after page %d", index + 1)
            break
    if not size:
        logger.info("PDF has no text layer (%d pages): a scan needs OCR", count)
    return "\n\n".join(text for text in texts if text)


def _page_text(page: object) -> str:
    """A page's text layer as pypdf reads it, with the rows of its tables, found in its
    layout text, tab-separated (crawler/text/pdf_tables.py)."""
    text = (page.extract_text() or "").replace(CELL, " ")  # type: ignore[attr-defined]
    if not pdf_tables.may_hold_rows(text):
        return text.strip()
    try:
        layout = page.extract_text(  # type: ignore[attr-defined]
            extraction_mode="layout", layout_mode_space_vertically=False
        )
    except Exception:  # pypdf's layout mode is experimental: keep the plain text
        logger.debug("PDF layout text failed", exc_info=True)
        return text.strip()
    return pdf_tables.with_rows(text, layout).strip("\n")  # (a first row's empty cells stay)
