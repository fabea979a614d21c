"""Re-deriving the archive from its captures (crawler reprocess): sightings refiled to their
new texts, skipped and failed pages promoted or re-judged.

A section of `archive.store.Archive`, which holds the connection and the transactions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from archive.errors import ArchiveError
from archive.fingerprint import text_sha256
from archive.records import DOCUMENT_FIELDS, Added, Refiled, Sighting


class Refiling:
    """Re-deriving the archive from its captures (crawler reprocess): sightings refiled to their"""

    conn: sqlite3.Connection
    atomic: Any

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
