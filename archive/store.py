"""The SQLite archive: documents, their sightings, raw captures, runs, failures."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.captures import Captures
from archive.dedup import NearDuplicates, Progress, Rebuilt
from archive.errors import ArchiveError
from archive.fingerprint import text_sha256
from archive.records import (
    COUNTED,
    DOCUMENT_FIELDS,
    Added,
    Sighting,
    TextIndex,
    cache_mib,
    now,
)
from archive.refiling import Refiling
from archive.runs import Runs
from archive.schema import migrate
from archive.validators import Validators
from crawler.text.chinese_script import to_simplified
from crawler.text.errors import RulesError
from crawler.text.vocabulary import vocabulary

__all__ = ["Archive", "Sighting"]  # records live in archive.records; Sighting for brevity

logger = logging.getLogger(__name__)


def _official_hosts() -> tuple[str, ...]:
    """The vocabulary's official hosts, or gov.cn when it cannot be read."""
    try:
        return vocabulary().words("year.official_hosts")
    except RulesError as exc:
        logger.warning("official hosts from the vocabulary not read, using gov.cn: %s", exc)
        return ("gov.cn",)


class Archive(Runs, Captures, Validators, Refiling):
    """One SQLite archive file, opened in WAL mode and migrated to the current schema."""

    def __init__(self, path: str | Path, official_hosts: Sequence[str] | None = None) -> None:
        """`official_hosts`: the bureaus' own sites, whose copy of a document is canonical
        among its near-duplicates (default: the vocabulary's `year.official_hosts`)."""
        self.path = Path(path)
        hosts = official_hosts if official_hosts is not None else _official_hosts()
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
            migrate(self.db, hosts)
            self.near = NearDuplicates(conn, hosts)  # near-duplicate clusters (archive/dedup.py)
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
                if not self.conn.in_transaction:  # a savepoint must not start it
                    # the write lock now, waiting for another writer (the busy timeout),
                    # rather than failing at the first write when one committed meanwhile
                    self.conn.execute("BEGIN IMMEDIATE")
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

    def dedup(self, *, rebuild: bool = False, progress: Progress | None = None) -> Rebuilt:
        """Index the documents missing from the near-duplicate index (all with `rebuild`).

        Commits every 1,000 documents: an interrupted run leaves a consistent archive
        whose unindexed documents the next run picks up.
        """
        with self.atomic():
            near = self.near
            run = near.rebuild if rebuild else near.index_missing
            return run(progress, commit_every=1000)

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

    def has_failure(self, stage: str, reason: str) -> bool:
        """Whether a failure of this stage and reason is already recorded."""
        row = self.conn.execute(
            "SELECT 1 FROM failures WHERE stage = ? AND reason = ? LIMIT 1", (stage, reason)
        ).fetchone()
        return row is not None

    def has_outcome(self, url: str, run_id: int) -> bool:
        """Whether `url` already has an outcome in this run: a sighting, a skip or a failure."""
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM sightings WHERE url = ?1 AND run_id = ?2)"
            " OR EXISTS (SELECT 1 FROM skipped WHERE url = ?1 AND run_id = ?2)"
            " OR EXISTS (SELECT 1 FROM failures WHERE url = ?1 AND run_id = ?2)",
            (url, run_id),
        ).fetchone()
        return bool(row[0])

    def document_text(self, document_id: int) -> str | None:
        """A document's text, None when there is no such document."""
        row = self.conn.execute(
            "SELECT text FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        """Rows of one of the archive's tables."""
        if table not in COUNTED:
            raise ArchiveError(f"no table {table!r} to count")
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

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

    def documents_by_source(self) -> dict[str, int]:
        """How many distinct documents each source has been seen with."""
        return dict(
            self.conn.execute(
                "SELECT source, count(DISTINCT document_id) FROM sightings GROUP BY source"
            ).fetchall()
        )
