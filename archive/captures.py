"""Raw captures: every fetched body kept once, compressed, by its sha256.

A section of `archive.store.Archive`, which holds the connection and the transactions."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from typing import Any

from archive.errors import ArchiveError
from archive.records import now


class Captures:
    """Raw captures: every fetched body kept once, compressed, by its sha256."""

    conn: sqlite3.Connection
    atomic: Any

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
