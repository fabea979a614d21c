"""Every error type, in one place for the crawl and the CLI (each is one line on stderr).

The text layer's errors live in crawler.text.errors and the archive's in archive.errors;
this module adds the crawl's own and names them all.
"""

from __future__ import annotations

from archive.errors import ArchiveError, ArchiveUnwritable, ServeError
from crawler.text.errors import (
    CrawlerError,
    DecodeError,
    ExtractError,
    RulesError,
    StageError,
    UnsupportedFormat,
)

__all__ = [
    "ArchiveError",
    "ArchiveUnwritable",
    "CrawlerError",
    "DecodeError",
    "ExtractError",
    "ProfileError",
    "RulesError",
    "ServeError",
    "StageError",
    "UnsupportedFormat",
]


class ProfileError(CrawlerError):
    """A site profile file is missing, unreadable or invalid."""
