"""What incremental crawls keep per URL: validators, the last check, the attachments a page
linked, and the note that a page is unchanged.

A section of `archive.store.Archive`, which holds the connection and the transactions."""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.records import Sighting


class Validators:
    """What incremental crawls keep per URL: validators, the last check, the attachments a page"""

    conn: sqlite3.Connection
    atomic: Any

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

    def _latest_document_at(self, url: str) -> int | None:
        row = self.conn.execute(
            "SELECT document_id FROM sightings WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
        ).fetchone()
        return int(row[0]) if row else None
