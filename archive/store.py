"""The SQLite archive: documents, their sightings, raw captures, runs, failures."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import minhash
from archive.dedup import NearDuplicates, Progress, Rebuilt
from archive.errors import ArchiveError, ArchiveUnwritable
from archive.fingerprint import text_sha256
from archive.schema import DOCUMENT_COLUMNS, migrate
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
    """The clear error for a SQLite error that stops every write to the archive at `path`."""
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


class Archive:
    """One SQLite archive file, opened in WAL mode and migrated to the current schema."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._depth = 0  # atomic writes open (Archive.atomic)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # up to 128 MiB of pages in memory: the near-duplicate index looks band keys up
            # at random, and the default 2 MiB makes each lookup a read (dedup.py); a
            # crawl's memory grows by up to this much as the archive grows
            conn.execute(f"PRAGMA cache_size=-{cache_mib() * 1024}")
            self.db = sqlite_utils.Database(conn)
            migrate(self.db)
            self.near = NearDuplicates(conn)  # near-duplicate clusters (archive/dedup.py)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: cannot open archive: {exc}") from None
        except OSError as exc:
            raise ArchiveError(f"{self.path}: cannot create archive: {exc.strerror}") from None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One atomic write: a transaction of its own, or, inside another atomic write or a batch, a
        savepoint (rolled back alone when it fails, the enclosing one going on)."""
        if self._depth:
            self._depth += 1
            self.conn.execute("SAVEPOINT atomic")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK TO atomic")
                self.conn.execute("RELEASE atomic")
                raise
            else:
                self.conn.execute("RELEASE atomic")
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.conn:  # commits at the end, rolls back on an error
                if not self.conn.in_transaction:
                    self.conn.execute("BEGIN")  # a savepoint must not start it
                yield
        finally:
            self._depth = 0

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one transaction, committed at the end (rolled back on an error
        that leaves the block): fewer commits for a writer that has many items at hand."""
        if self._depth:
            raise ArchiveError("archive batches do not nest")
        with self.atomic():
            yield

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # runs -----------------------------------------------------------------------------
    def start_run(self, source: str, command: str | None = None) -> int:
        """Record the start of a crawl of `source`; return the run id."""
        with self.atomic():
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
        with self.atomic():
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
            # the run of a document's first sighting: later sightings by runs that started
            # earlier (crawls run side by side) do not move it, so no document counts twice
            "documents_new": count(
                "SELECT count(*) FROM sightings s WHERE s.run_id = ?"
                " AND s.id = (SELECT min(id) FROM sightings WHERE document_id = s.document_id)"
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
        with self.atomic():
            capture = self._store_capture(body, sighting.content_type) if body is not None else None
            return self._add_document(text, fields, sighting, run_id, capture)

    def _add_document(
        self,
        text: str,
        fields: Mapping[str, Any],
        sighting: Sighting,
        run_id: int | None,
        capture: str | None,
        index: TextIndex | None = None,
    ) -> Added:
        """`add_document` inside the caller's transaction, the capture already stored
        (`index`: the text's `text_index`, made here when not given)."""
        document_id, new = self._document_for(text, fields, sighting.fetched_at, index)
        values = asdict(sighting)
        values.update(document_id=document_id, run_id=run_id, capture_sha256=capture)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.conn.execute(
            f"INSERT INTO sightings ({cols}) VALUES ({marks})", tuple(values.values())
        )
        # cluster a new document; a known one may now have a better copy (its cluster's
        # canonical depends on its sightings' hosts and first_seen)
        if new:
            self.near.add(document_id, index.sketch if index else None)
        else:
            self.near.seen(document_id)
        return Added(document_id=document_id, new=new, sighting_id=int(cur.lastrowid or 0))

    def _document_for(
        self, text: str, fields: Mapping[str, Any], seen: str, index: TextIndex | None
    ) -> tuple[int, bool]:
        """The id of the document holding `text` (inserted if new) and whether it is new."""
        unknown = set(fields) - set(DOCUMENT_FIELDS)
        if unknown:
            raise ArchiveError(f"unknown document fields: {', '.join(sorted(unknown))}")
        sha = text_sha256(text)
        row = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha,)).fetchone()
        if row is not None:
            self.conn.execute(
                "UPDATE documents SET first_seen = min(first_seen, ?),"
                " last_seen = max(last_seen, ?) WHERE id = ?",
                (seen, seen, row[0]),
            )
            return int(row[0]), False
        values = {f: fields.get(f) for f in DOCUMENT_FIELDS}
        simplified = index.simplified if index else None
        values.update(self._text_columns(text, sha, simplified), first_seen=seen, last_seen=seen)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.conn.execute(
            f"INSERT INTO documents ({cols}) VALUES ({marks})", tuple(values.values())
        )
        document_id = int(cur.lastrowid or 0)
        self.conn.execute(
            "UPDATE documents SET cluster_id = ?, canonical = 1 WHERE id = ?",
            (document_id, document_id),
        )
        return document_id, True

    @staticmethod
    def _text_columns(
        text: str, sha256: str | None = None, simplified: str | None = None
    ) -> dict[str, Any]:
        """The columns computed from a document's text (those already known passed in)."""
        return {
            "text": text,
            "sha256": sha256 or text_sha256(text),
            "chars": len(text),
            "text_simplified": to_simplified(text) if simplified is None else simplified,
        }

    # reprocessing -----------------------------------------------------------------------
    def captured_sightings(self) -> list[dict[str, Any]]:
        """Every sighting whose raw bytes are kept, with their content type, the date it was
        archived with and the text of the link to it; by document."""
        cur = self.conn.execute(
            "SELECT s.id, s.document_id, s.url, s.source, s.fetched_at, s.capture_sha256,"
            " coalesce(s.content_type, c.content_type) AS content_type, s.published,"
            " (SELECT link_text FROM validators v WHERE v.url = s.url) AS link_text"
            " FROM sightings s JOIN captures c ON c.sha256 = s.capture_sha256"
            " ORDER BY s.document_id, s.id"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def refile(self, moves: list[Refiled]) -> None:
        """Give one document's sightings their re-derived texts and fields, in one transaction.

        A sighting whose new text is another document's moves there; the first sighting's
        new text replaces its document's text when no other document holds it (ids stay).
        Documents left without sightings are removed: their text is in their captures.
        """
        with self.atomic():
            touched = {m.document_id for m in moves}
            for move in moves:
                current = self.conn.execute(
                    "SELECT document_id FROM sightings WHERE id = ?", (move.sighting_id,)
                ).fetchone()
                if current is None:
                    continue
                target = self._refile_target(current[0], move)
                touched.update((current[0], target))
                self.conn.execute(
                    "UPDATE sightings SET document_id = ?, encoding = ?, encoding_source = ?,"
                    " page_title = ?, published = ? WHERE id = ?",
                    (target, move.encoding, move.encoding_source, move.page_title,
                     move.published, move.sighting_id),
                )  # fmt: skip
            self.conn.execute(
                "DELETE FROM documents WHERE id NOT IN (SELECT document_id FROM sightings)"
                " AND id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted({m.document_id for m in moves})),),
            )
            self.near.refresh(touched)  # new texts, new fields, documents gone: re-cluster

    def _refile_target(self, document_id: int, move: Refiled) -> int:
        """The document a re-derived sighting belongs to, updated with the new fields."""
        sha = text_sha256(move.text)
        row = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha,)).fetchone()
        columns = {f: move.fields.get(f) for f in DOCUMENT_FIELDS}
        # the same document keeps the new text even when it hashes alike (the hash ignores
        # whitespace, and a table's cells went from lines of their own to tab-separated rows)
        if (row is None or int(row[0]) == document_id) and move.keeps_id:
            columns.update(self._text_columns(move.text))
            target = document_id
        elif row is None:
            target, _ = self._document_for(move.text, move.fields, move.fetched_at, None)
            return target
        else:
            target = int(row[0])
        assignments = ", ".join(f"{c} = ?" for c in columns)
        self.conn.execute(
            f"UPDATE documents SET {assignments} WHERE id = ?", (*columns.values(), target)
        )
        return target

    def dedup(self, *, rebuild: bool = False, progress: Progress | None = None) -> Rebuilt:
        """Index the documents missing from the near-duplicate index (all with `rebuild`).

        Commits every 1,000 documents: an interrupted run leaves a consistent archive
        whose unindexed documents the next run picks up.
        """
        with self.atomic():
            near = self.near
            run = near.rebuild if rebuild else near.index_missing
            return run(progress, commit_every=1000)

    def promote(
        self,
        table: str,
        row_id: int,
        *,
        text: str,
        fields: Mapping[str, Any],
        sighting: Sighting,
        run_id: int | None,
        capture: str | None,
    ) -> Added:
        """Archive a skipped or failed page as a document and drop its old row, atomically."""
        if table not in ("skipped", "failures"):
            raise ArchiveError(f"cannot promote rows of {table}")
        with self.atomic():
            added = self._add_document(text, fields, sighting, run_id, capture)
            self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        return added

    def failure_to_skipped(
        self, row_id: int, title: str | None, reason: str, score: float | None
    ) -> None:
        """A failed page that can now be read but is no work document becomes a skipped one."""
        with self.atomic():
            self.conn.execute(
                "INSERT INTO skipped (run_id, source, url, title, reason, score, capture_sha256,"
                " at) SELECT run_id, source, url, ?, ?, ?, capture_sha256, at FROM failures"
                " WHERE id = ?",
                (title, reason, score, row_id),
            )
            self.conn.execute("DELETE FROM failures WHERE id = ?", (row_id,))

    def captured_rows(self, table: str) -> list[dict[str, Any]]:
        """Skipped or failed pages whose bytes are kept (failures at the fetch stage excluded)."""
        if table not in ("skipped", "failures"):
            raise ArchiveError(f"no captured rows in {table}")
        where = " AND t.stage != 'fetch'" if table == "failures" else ""
        cur = self.conn.execute(
            f"SELECT t.id, t.run_id, t.url, t.source, t.at, t.capture_sha256, c.content_type"
            f" FROM {table} t JOIN captures c ON c.sha256 = t.capture_sha256"
            f" WHERE 1 = 1{where} ORDER BY t.id"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def update_skipped(self, row_id: int, title: str | None, reason: str, score: float) -> None:
        """Record a re-derived verdict on a skipped page."""
        with self.atomic():
            self.conn.execute(
                "UPDATE skipped SET title = ?, reason = ?, score = ? WHERE id = ?",
                (title, reason, score, row_id),
            )

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
        with self.atomic():
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
        with self.atomic():
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

    # incremental crawls -----------------------------------------------------------------
    def add_page(
        self,
        *,
        text: str,
        fields: Mapping[str, Any],
        sighting: Sighting,
        run_id: int | None,
        body: bytes | None = None,
        link_text: str | None = None,
        index: TextIndex | None = None,
    ) -> tuple[Added, int | None]:
        """`add_document` for a crawled URL, plus its validators and its revision link.

        When the URL last showed another document, a `revisions` row links the new document
        to that one (both texts stay). Returns the outcome and the previous document's id
        (None when the URL is new or its text has not changed). One transaction. `index`:
        the text's `text_index`, if it was made beforehand.
        """
        with self.atomic():
            previous = self._latest_document_at(sighting.url)
            capture = self._store_capture(body, sighting.content_type) if body is not None else None
            added = self._add_document(text, fields, sighting, run_id, capture, index)
            if previous == added.document_id:
                previous = None
            if previous is not None:
                self.conn.execute(
                    "INSERT INTO revisions (url, source, document_id, previous_document_id,"
                    " run_id, at) VALUES (?, ?, ?, ?, ?, ?)",
                    (sighting.url, sighting.source, added.document_id, previous, run_id, now()),
                )
            self._remember(sighting, run_id, link_text)
        return added, previous

    def _latest_document_at(self, url: str) -> int | None:
        row = self.conn.execute(
            "SELECT document_id FROM sightings WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
        ).fetchone()
        return int(row[0]) if row else None

    def remember_validators(
        self, sighting: Sighting, run_id: int | None, link_text: str | None = None
    ) -> None:
        """Keep a fetched URL's ETag and Last-Modified for the next run's conditional request."""
        with self.atomic():
            self._remember(sighting, run_id, link_text)

    def _remember(self, sighting: Sighting, run_id: int | None, link_text: str | None) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO validators (url, source, etag, last_modified, referer,"
            " link_text, fetched_at, checked_at, run_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, 200)",
            (sighting.url, sighting.source, sighting.etag, sighting.last_modified,
             sighting.referer, link_text, sighting.fetched_at, sighting.fetched_at, run_id),
        )  # fmt: skip

    def forget_validators(self, url: str) -> None:
        """The next run downloads `url` in full (its last download could not be processed)."""
        with self.atomic():
            self.conn.execute("DELETE FROM validators WHERE url = ?", (url,))

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """(ETag, Last-Modified) kept for `url`, or None when it was never fetched whole."""
        row = self.conn.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def last_checked(self, url: str) -> str | None:
        """When `url` was last fetched whole or found unchanged (ISO time), if ever."""
        row = self.conn.execute(
            "SELECT checked_at FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return row[0] if row else None

    def attachment_links(self, url: str) -> list[tuple[str, str | None]]:
        """(url, link text) of the attachments last fetched from the page at `url`."""
        rows = self.conn.execute(
            "SELECT url, link_text FROM validators WHERE referer = ? ORDER BY url", (url,)
        )
        return rows.fetchall()

    def kept_page(self, url: str) -> tuple[bytes, str] | None:
        """(bytes, content type) of the last kept HTML capture of `url`: an archived page,
        else a skipped one. A page that answers 304 has no body of its own; the spider finds
        the links in this one (an attachment never fetched, because the crawl was killed
        between archiving the page and fetching it, is fetched all the same)."""
        row = None
        for table in ("sightings", "skipped"):
            row = (
                row
                or self.conn.execute(
                    f"SELECT capture_sha256 FROM {table} WHERE url = ? AND capture_sha256 IS NOT"
                    " NULL ORDER BY id DESC LIMIT 1",
                    (url,),
                ).fetchone()
            )
        if row is None:
            return None
        (content_type,) = self.conn.execute(
            "SELECT content_type FROM captures WHERE sha256 = ?", (row[0],)
        ).fetchone()
        content_type = content_type or "text/html"
        if "html" not in content_type:
            return None
        return self.read_capture(row[0]), content_type

    def mark_unchanged(self, url: str, run_id: int | None, at: str) -> int | None:
        """A URL answered 304: note the check and move its document's `last_seen` on.

        Returns the id of the document last seen at the URL (None for a skipped page).
        """
        with self.atomic():
            self.conn.execute(
                "UPDATE validators SET checked_at = ?, run_id = ?, status = 304 WHERE url = ?",
                (at, run_id, url),
            )
            document_id = self._latest_document_at(url)
            if document_id is not None:
                self.conn.execute(
                    "UPDATE documents SET last_seen = max(last_seen, ?) WHERE id = ?",
                    (at, document_id),
                )
        return document_id

    def note_progress(self, run_id: int, pages_fetched: int, pages_unchanged: int) -> None:
        """Keep a running crawl's counts current, so a killed run still tells what it did."""
        with self.atomic():
            self.conn.execute(
                "UPDATE crawl_runs SET pages_fetched = ?, pages_unchanged = ?,"
                " revisions = (SELECT count(*) FROM revisions WHERE run_id = ?3) WHERE id = ?3",
                (pages_fetched, pages_unchanged, run_id),
            )

    def set_run_log(self, run_id: int, log_path: str) -> None:
        """Where the log of a scheduled run is kept."""
        with self.atomic():
            self.conn.execute("UPDATE crawl_runs SET log_path = ? WHERE id = ?", (log_path, run_id))

    def incremental_counts(self, run_id: int) -> dict[str, int]:
        """Pages of one run answered 304, and revisions it archived, from the tables."""
        unchanged, revisions = self.conn.execute(
            "SELECT (SELECT count(*) FROM validators WHERE run_id = ?1 AND status = 304),"
            " (SELECT count(*) FROM revisions WHERE run_id = ?1)",
            (run_id,),
        ).fetchone()
        return {"pages_unchanged": int(unchanged), "revisions": int(revisions)}

    def close_run(
        self, run_id: int, status: str, *, exit_code: int | None = None
    ) -> dict[str, Any]:
        """Close a run from outside the crawl (the scheduler): status, exit code, and the counts
        from the tables, so a crawl that was killed is still accounted for."""
        counts = {**self.run_counts(run_id), **self.incremental_counts(run_id)}
        # a crawl killed before it noted its progress: the pages the tables show it fetched
        answered = self.conn.execute(
            "SELECT count(*) FROM failures WHERE run_id = ? AND status IS NOT NULL", (run_id,)
        ).fetchone()[0]
        fetched = (
            counts["sightings_added"] + counts["pages_skipped"] + counts["pages_unchanged"]
            + answered
        )  # fmt: skip
        with self.atomic():
            self.conn.execute(
                "UPDATE crawl_runs SET finished = ?, status = ?, exit_code = ?,"
                " pages_fetched = coalesce(pages_fetched, ?),"
                " pages_unchanged = ?, revisions = ?, documents_new = ?, sightings_added = ?,"
                " pages_skipped = ?, failures = ? WHERE id = ?",
                (now(), status, exit_code, fetched, counts["pages_unchanged"], counts["revisions"],
                 counts["documents_new"], counts["sightings_added"], counts["pages_skipped"],
                 counts["failures"], run_id),
            )  # fmt: skip
        return self.run(run_id) or {}

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One `crawl_runs` row as a dict."""
        cur = self.conn.execute("SELECT * FROM crawl_runs WHERE id = ?", (run_id,))
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def abandon_runs(self, source: str, command_prefix: str) -> int:
        """Mark as failed the runs of `source` left 'running' by a process that is gone."""
        with self.atomic():
            cur = self.conn.execute(
                "UPDATE crawl_runs SET status = 'failed', finished = coalesce(finished, ?)"
                " WHERE source = ? AND status = 'running' AND command LIKE ? || '%'",
                (now(), source, command_prefix),
            )
        return cur.rowcount

    def failures_of(self, run_ids: list[int]) -> list[tuple[str, str]]:
        """(URL, reason) of the failures some runs recorded, in the order recorded."""
        marks = ", ".join("?" for _ in run_ids)
        return self.conn.execute(
            f"SELECT url, reason FROM failures WHERE run_id IN ({marks}) ORDER BY id", run_ids
        ).fetchall()

    def documents_by_source(self) -> dict[str, int]:
        """How many distinct documents each source has been seen with."""
        return dict(
            self.conn.execute(
                "SELECT source, count(DISTINCT document_id) FROM sightings GROUP BY source"
            ).fetchall()
        )

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest `crawl_runs` row of each source."""
        cur = self.conn.execute(
            "SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs GROUP BY source)"
        )
        names = [d[0] for d in cur.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cur}
