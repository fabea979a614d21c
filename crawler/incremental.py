"""Conditional requests: ask again for an archived page only if it changed.

A downloader middleware. Requests a spider marks with ``meta["conditional"]`` (articles and
attachments; list pages never are) get ``If-None-Match`` / ``If-Modified-Since`` from the
validators the archive kept for their URL, and accept a 304 answer, which reaches the
spider's callback (not its errback) as an empty response. With a 304,
``meta["known_links"]`` lists the attachments last fetched from the page, so a spider can
check them although it has no body to extract links from.

Settings: ``INCREMENTAL_ENABLED`` (default True) and ``ARCHIVE_DB``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)

# (ETag, Last-Modified) of a URL, or None; the attachments last fetched from it
Lookup = Callable[[str], tuple[str | None, str | None] | None]
Links = Callable[[str], list[tuple[str, str | None]]]


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

    def __init__(self, lookup: Lookup, links: Links) -> None:
        self.lookup = lookup
        self.links = links

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        settings = crawler.settings
        if not settings.getbool("INCREMENTAL_ENABLED", True) or not settings.get("ARCHIVE_DB"):
            raise NotConfigured
        from archive.store import Archive

        archive = Archive(settings["ARCHIVE_DB"])
        from scrapy import signals

        crawler.signals.connect(archive.close, signal=signals.spider_closed)
        return cls(archive.validators, archive.known_links)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return
        kept = self.lookup(request.url)
        if kept is None:
            return
        headers = conditional_headers(*kept)
        if not headers:
            return
        for name, value in headers.items():
            request.headers.setdefault(name, value)
        request.meta["handle_httpstatus_list"] = [
            *request.meta.get("handle_httpstatus_list", []),
            304,
        ]

    def process_response(self, request: Request, response: Response) -> Response:
        # only a 304 needs them: the kept page's links are read (and parsed) then
        if response.status == 304 and request.meta.get("conditional"):
            request.meta["known_links"] = self.links(request.url)
        return response
