"""What the archive is handed and gives back: sightings, refiled texts, outcomes, text indexes;
the document columns; the errors SQLite gives that no retry cures."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import minhash
from archive.errors import ArchiveError, ArchiveUnwritable
from archive.schema import DOCUMENT_COLUMNS
from crawler.text.chinese_script import to_simplified

logger = logging.getLogger(__name__)

# the document columns a caller describes; the rest are computed here
COMPUTED = {
    "id", "text", "sha256", "cluster_id", "chars", "first_seen", "last_seen", "text_simplified",
}  # fmt: skip
DOCUMENT_FIELDS = tuple(c for c in DOCUMENT_COLUMNS if c not in COMPUTED)


# SQLite's primary result codes that no retry will cure: every later write would fail too
UNWRITABLE = {
    3: "permission denied",  # SQLITE_PERM
    8: "the archive is read-only",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    11: "the archive file is damaged",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "cannot open the archive file",  # SQLITE_CANTOPEN
    26: "not an archive file",  # SQLITE_NOTADB
}


def unwritable(exc: BaseException, path: str | Path) -> ArchiveUnwritable | None:
    """The clear error for a SQLite error that stops every write to the archive at `path`
    (an ArchiveUnwritable already made is that error)."""
    if isinstance(exc, ArchiveUnwritable):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or code is None or code & 0xFF not in UNWRITABLE:
        return None
    return ArchiveUnwritable(
        f"{path}: cannot write the archive: {UNWRITABLE[code & 0xFF]} ({exc}); what was"
        " archived before is complete, run again once this is fixed"
    )


def now() -> str:
    """The current UTC time as ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Sighting:
    """Where and when a page was fetched, and how its bytes were read."""

    url: str
    source: str
    fetched_at: str
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    page_title: str | None = None
    published: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    referer: str | None = None


@dataclass(frozen=True)
class Refiled:
    """One sighting's re-derived text and fields (see `Archive.refile`)."""

    sighting_id: int
    document_id: int  # the document it belonged to
    keeps_id: bool  # its new text may replace that document's text in place
    text: str
    fields: Mapping[str, Any]
    fetched_at: str
    encoding: str | None = None
    encoding_source: str | None = None
    page_title: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Added:
    """The outcome of archiving one page."""

    document_id: int
    new: bool
    sighting_id: int


@dataclass(frozen=True)
class TextIndex:
    """What the archive derives from a new document's text: its simplified form and its
    near-duplicate sketch. Pure and picklable, so a writer can have it made elsewhere (the
    fleet ingester's cleaning processes) and only store it."""

    simplified: str
    sketch: minhash.Sketch


def text_index(text: str) -> TextIndex:
    """The `TextIndex` of a document's text."""
    simplified = to_simplified(text)
    return TextIndex(simplified, minhash.sketch(simplified))


def cache_mib() -> int:
    """SQLite's page cache per archive connection, in MiB (`CRAWLER_CACHE_MIB`, 128)."""
    value = os.environ.get("CRAWLER_CACHE_MIB", "128")
    if not value.isdigit() or int(value) < 1:
        raise ArchiveError(f"CRAWLER_CACHE_MIB must be a number of MiB >= 1, not {value!r}")
    return int(value)


COUNTED = frozenset(("documents", "sightings", "skipped", "failures", "crawl_runs", "captures"))
