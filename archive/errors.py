"""The errors the archive raises."""

from __future__ import annotations

from crawler.text.errors import CrawlerError


class ArchiveError(CrawlerError):
    """The archive cannot be opened or written."""


class ArchiveUnwritable(ArchiveError):
    """SQLite refused a write for good: the disk is full, the file is read-only, I/O failed."""


class ServeError(CrawlerError):
    """Datasette cannot be started or stopped on its own."""
