"""What spiders hand to pipelines: raw responses and fetch failures, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageItem:
    """A fetched page or attachment, raw bytes and all; processing happens in the pipeline."""

    url: str
    source: str
    body: bytes
    status: int
    fetched_at: str
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    referer: str | None = None
    link_text: str | None = None
    selectors: dict[str, str | None] | None = None
    # an attachment's: the date the page linking it shows (used when the file shows none)
    published_hint: str | None = None


@dataclass
class FailureItem:
    """A page that could not be fetched."""

    url: str
    source: str
    stage: str
    reason: str
    status: int | None = None


@dataclass
class UnchangedItem:
    """A page answered 304 Not Modified to a conditional request: its archived copy stands."""

    url: str
    source: str
    fetched_at: str
