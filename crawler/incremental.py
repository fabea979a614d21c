"""Conditional requests: ask again for an archived page only if it changed.

A downloader middleware. Requests a spider marks with ``meta["conditional"]`` (articles and
attachments; list pages never are) get ``If-None-Match`` / ``If-Modified-Since`` from the
validators the archive kept for their URL, and accept a 304 answer, which reaches the
spider's callback (not its errback) as an empty response. With a 304,
``meta["known_links"]`` lists the attachments last fetched from the page and
``meta["kept_page"]`` holds the page as last kept (bytes, content type), so a spider can
check them, and find the page's links, although the 304 has no body.

A sitemap's `lastmod` for the URL (``meta["lastmod"]``) saves even the conditional
request: when the archive checked the page after that time, the middleware answers 304
itself, and nothing is sent (stat ``incremental/lastmod_unchanged``).

Settings: ``INCREMENTAL_ENABLED`` (default True) and ``ARCHIVE_DB``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from spiders.base import KEPT_PAGE_META

logger = logging.getLogger(__name__)

# (ETag, Last-Modified) of a URL, or None; the attachments last fetched from it; when it
# was last checked
Lookup = Callable[[str], tuple[str | None, str | None] | None]
Links = Callable[[str], list[tuple[str, str | None]]]
Checked = Callable[[str], str | None]
Kept = Callable[[str], tuple[bytes, str] | None]


def _utc(text: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or time as UTC; a bare date is taken at the end of its day when asked
    (a page changed "on 2024-01-15" may have changed late that day)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(text.strip()) == 10 and end_of_day:
        value = value.replace(hour=23, minute=59, second=59)
    return value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC)


def unchanged_since_check(lastmod: str | None, checked: str | None) -> bool:
    """Whether a page whose sitemap says `lastmod` was checked after that."""
    if not lastmod or not checked:
        return False
    changed, seen = _utc(lastmod, end_of_day=True), _utc(checked)
    return changed is not None and seen is not None and changed < seen


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The headers of a conditional GET for a page with these validators."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


class ConditionalRequestMiddleware:
    """Sends the kept validators with conditional requests and lets 304 through."""

    def __init__(
        self,
        lookup: Lookup,
        links: Links,
        checked: Checked | None = None,
        stats: Any = None,
        kept: Kept | None = None,
    ) -> None:
        self.lookup = lookup
        self.links = links
        self.kept = kept or (lambda url: None)
        self.checked = checked or (lambda url: None)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        settings = crawler.settings
        if not settings.getbool("INCREMENTAL_ENABLED", True) or not settings.get("ARCHIVE_DB"):
            raise NotConfigured
        from archive.store import Archive

        archive = Archive(settings["ARCHIVE_DB"])
        from scrapy import signals

        crawler.signals.connect(archive.close, signal=signals.spider_closed)
        return cls(
            archive.validators, archive.attachment_links, archive.last_checked, crawler.stats,
            kept=archive.kept_page,
        )  # fmt: skip

    def process_request(self, request: Request) -> Response | None:
        if not request.meta.get("conditional"):
            return None
        if unchanged_since_check(request.meta.get("lastmod"), self.checked(request.url)):
            if self.stats:
                self.stats.inc_value("incremental/lastmod_unchanged")
            _accept_304(request)
            return Response(request.url, status=304, request=request)
        kept = self.lookup(request.url)
        if kept is None:
            return None
        headers = conditional_headers(*kept)
        if not headers:
            return None
        for name, value in headers.items():
            request.headers.setdefault(name, value)
        _accept_304(request)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        # only a 304 needs them: the attachments fetched from the page last time, and the
        # page as last kept, whose links the spider finds
        if response.status == 304 and request.meta.get("conditional"):
            request.meta["known_links"] = self.links(request.url)
            if (kept := self.kept(request.url)) is not None:
                request.meta[KEPT_PAGE_META] = kept
        return response


def _accept_304(request: Request) -> None:
    """Let a 304 reach the spider's callback (Scrapy's HttpErrorMiddleware would drop it)."""
    request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]
