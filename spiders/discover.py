"""The ad-hoc discovery spider: from start URLs, every page on the same host, to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from spiders.base import ArchiveSpider, page_of
from spiders.discovery.sites import SiteNames

DEFAULT_DEPTH = 8


class DiscoverSpider(ArchiveSpider):
    """Follows same-host links and hands every page to the archive, which keeps the reports."""

    name = "discover"
    custom_settings = {"DEPTH_LIMIT": DEFAULT_DEPTH}  # noqa: RUF012

    def __init__(self, urls: str | list[str] = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = urls.split(",") if isinstance(urls, str) else list(urls)
        self.start_urls = [u.strip() for u in self.start_urls if u.strip()]
        if not self.start_urls:
            raise ValueError("discover needs at least one URL: -a urls=http://…")
        self.sites = SiteNames(self.start_urls)
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})

    def source_of(self, url: str) -> str:
        return urlsplit(url).netloc.lower()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield self.request(url, self.parse)
        for site in dict.fromkeys(
            f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.start_urls
        ):
            # the sitemaps robots.txt names, and the usual one
            yield self.request(f"{site}/robots.txt", self.parse, probe=True)
            yield self.request(f"{site}/sitemap.xml", self.parse, probe=True)

    def parse(self, response: Response, link_text: str | None = None) -> Iterator[Any]:
        """Archive-or-skip this page, then follow what it names on the same host.

        Data a list is made of (a data proxy's XML, a JSON list, a sitemap, robots.txt) is
        read for its links, not archived."""
        if response.meta.get("redirect_urls"):
            self.sites.answered_as(response.url)
        found, failures = self.discover_links(response)
        if not (isinstance(response, TextResponse) and _is_list_data(response)):
            yield self.page_item(response, link_text)
        yield from failures
        for item in found:
            url = self.sites.canonical(item.url)
            if url is None:  # another site: counted, not followed
                self.crawler.stats.inc_value("discover/offsite")
            else:
                yield self.follow(replace(item, url=url), self.parse)


def _is_list_data(response: TextResponse) -> bool:
    if response.url.endswith("/robots.txt"):
        return True
    return page_of(response).kind in ("xml", "json")
