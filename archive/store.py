"""The SQLite archive: documents, their sightings, raw captures, runs, failures."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.fingerprint import text_sha256
from archive.schema import DOCUMENT_COLUMNS, migrate
from crawler.errors import ArchiveError
from crawler.script import to_simplified

logger = logging.getLogger(__name__)

# the document columns a caller describes; the rest are computed here
COMPUTED = {
    "id", "text", "sha256", "cluster_id", "chars", "first_seen", "last_seen", "text_simplified",
}  # fmt: skip
DOCUMENT_FIELDS = tuple(c for c in DOCUMENT_COLUMNS if c not in COMPUTED)


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
class Added:
    """The outcome of archiving one page."""

    document_id: int
    new: bool
    sighting_id: int


class Archive:
    """One SQLite archive file, opened in WAL mode and migrated to the current schema."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.db = sqlite_utils.Database(conn)
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: cannot open archive: {exc}") from None
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot create archive: {exc.strerror}") from None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # runs -----------------------------------------------------------------------------
    def start_run(self, source: str, command: str | None = None) -> int:
        """Record the start of a crawl of `source`; return the run id."""
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO crawl_runs (source, started, status, command) VALUES (?, ?, ?, ?)",
                (source, now(), "running", command),
            )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        exit_code: int | None = None,
        pages_fetched: int | None = None,
        pages_unchanged: int | None = None,
    ) -> dict[str, Any]:
        """Close a run, counting what it added from the tables themselves."""
        counts = self.run_counts(run_id)
        with self.conn:
            self.conn.execute(
                "UPDATE crawl_runs SET finished = ?, status = ?, exit_code = ?, pages_fetched = ?,"
                " pages_unchanged = ?, documents_new = ?, sightings_added = ?, pages_skipped = ?,"
                " failures = ? WHERE id = ?",
                (
                    now(),
                    status,
                    exit_code,
                    pages_fetched,
                    pages_unchanged,
                    counts["documents_new"],
                    counts["sightings_added"],
                    counts["pages_skipped"],
                    counts["failures"],
                    run_id,
                ),
            )
        return counts

    def run_counts(self, run_id: int) -> dict[str, int]:
        """Documents first seen, sightings, skipped pages and failures of one run."""

        def count(sql: str) -> int:
            return int(self.conn.execute(sql, (run_id,)).fetchone()[0])

        return {
            "documents_new": count(
                "SELECT count(*) FROM (SELECT document_id FROM sightings"
                " GROUP BY document_id HAVING min(run_id) = ?)"
            ),
            "sightings_added": count("SELECT count(*) FROM sightings WHERE run_id = ?"),
            "pages_skipped": count("SELECT count(*) FROM skipped WHERE run_id = ?"),
            "failures": count("SELECT count(*) FROM failures WHERE run_id = ?"),
        }

    # pages ----------------------------------------------------------------------------
    def add_document(
        self,
        *,
        text: str,
        fields: Mapping[str, Any],
        sighting: Sighting,
        run_id: int | None,
        body: bytes | None = None,
    ) -> Added:
        """Archive one cleaned page: its raw bytes, its document (once per text), a sighting.

        Everything happens in one transaction, so a crash leaves either all or nothing.
        """
        sha = text_sha256(text)
        unknown = set(fields) - set(DOCUMENT_FIELDS)
        if unknown:
            raise ArchiveError(f"unknown document fields: {', '.join(sorted(unknown))}")
        with self.conn:
            capture = self._store_capture(body, sighting.content_type) if body is not None else None
            row = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha,)).fetchone()
            new = row is None
            if new:
                values = {f: fields.get(f) for f in DOCUMENT_FIELDS}
                values.update(
                    text=text,
                    sha256=sha,
                    chars=len(text),
                    text_simplified=to_simplified(text),
                    first_seen=sighting.fetched_at,
                    last_seen=sighting.fetched_at,
                )
                cols = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                cur = self.conn.execute(
                    f"INSERT INTO documents ({cols}) VALUES ({marks})", tuple(values.values())
                )
                document_id = int(cur.lastrowid or 0)
                self.conn.execute(
                    "UPDATE documents SET cluster_id = ? WHERE id = ?", (document_id, document_id)
                )
            else:
                document_id = int(row[0])
                self.conn.execute(
                    "UPDATE documents SET last_seen = max(last_seen, ?) WHERE id = ?",
                    (sighting.fetched_at, document_id),
                )
            values = asdict(sighting)
            values.update(document_id=document_id, run_id=run_id, capture_sha256=capture)
            cols = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cur = self.conn.execute(
                f"INSERT INTO sightings ({cols}) VALUES ({marks})", tuple(values.values())
            )
        return Added(document_id=document_id, new=new, sighting_id=int(cur.lastrowid or 0))

    def add_skipped(
        self,
        *,
        run_id: int | None,
        source: str,
        url: str,
        title: str | None,
        reason: str,
        score: float | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Record a fetched page that is not a health-bureau work document (raw bytes kept)."""
        with self.conn:
            capture = self._store_capture(body, content_type) if body is not None else None
            self.conn.execute(
                "INSERT INTO skipped (run_id, source, url, title, reason, score,"
                " capture_sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, source, url, title, reason, score, capture, now()),
            )

    def add_failure(
        self,
        *,
        run_id: int | None,
        source: str,
        url: str,
        stage: str,
        reason: str,
        status: int | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Record a page that could not be fetched or processed, with its bytes if any."""
        with self.conn:
            capture = self._store_capture(body, content_type) if body is not None else None
            self.conn.execute(
                "INSERT INTO failures (run_id, source, url, stage, reason, status,"
                " capture_sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, source, url, stage, reason[:2000], status, capture, now()),
            )

    # raw captures ---------------------------------------------------------------------
    def _store_capture(self, body: bytes, content_type: str | None) -> str:
        sha = hashlib.sha256(body).hexdigest()
        self.conn.execute(
            "INSERT OR IGNORE INTO captures (sha256, size, content_type, compression, body,"
            " first_seen) VALUES (?, ?, ?, ?, ?, ?)",
            (sha, len(body), content_type, "zlib", zlib.compress(body, 6), now()),
        )
        return sha

    def read_capture(self, sha256: str) -> bytes:
        """The raw bytes of a capture, verified against their hash."""
        row = self.conn.execute(
            "SELECT compression, body FROM captures WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            raise ArchiveError(f"no capture {sha256}")
        compression, blob = row
        body = zlib.decompress(blob) if compression == "zlib" else bytes(blob)
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ArchiveError(f"capture {sha256} is corrupt")
        return body

    # reading --------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts for `crawler stats` and the demo summary."""
        q = self.conn.execute

        def one(sql: str) -> Any:
            return q(sql).fetchone()[0]

        return {
            "documents": one("SELECT count(*) FROM documents"),
            "sightings": one("SELECT count(*) FROM sightings"),
            "sources": one("SELECT count(DISTINCT source) FROM sightings"),
            "captures": one("SELECT count(*) FROM captures"),
            "capture_bytes": one("SELECT coalesce(sum(length(body)), 0) FROM captures"),
            "raw_bytes": one("SELECT coalesce(sum(size), 0) FROM captures"),
            "runs": one("SELECT count(*) FROM crawl_runs"),
            "failures": one("SELECT count(*) FROM failures"),
            "skipped": one("SELECT count(*) FROM skipped"),
            "by_doc_type": dict(
                q("SELECT doc_type, count(*) FROM documents GROUP BY doc_type ORDER BY 2 DESC")
            ),
            "file_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }
