"""The ad-hoc discovery spider: from start URLs, every page on the same host, to a depth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from spiders.base import ATTACHMENT_RE, PROBE_META, RENDER_META, ArchiveSpider, page_date
from spiders.discovery.sites import SiteNames

DEFAULT_DEPTH = 8


class DiscoverSpider(ArchiveSpider):
    """Follows same-host links and hands every page to the archive, which keeps the reports."""

    name = "discover"
    custom_settings = {"DEPTH_LIMIT": DEFAULT_DEPTH}  # noqa: RUF012

    render_mode = "auto"  # a page whose list a script fills is loaded in a browser

    def __init__(self, urls: str | list[str] = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = urls.split(",") if isinstance(urls, str) else list(urls)
        self.start_urls = [u.strip() for u in self.start_urls if u.strip()]
        if not self.start_urls:
            raise ValueError("discover needs at least one URL: -a urls=http://…")
        self.sites = SiteNames(self.start_urls)
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})
        # each URL asked for by GET, at the least depth asked: a site's pages link the same
        # pages again and again, and a request Scrapy would drop as seen costs more to make
        # than to skip here
        self.asked: dict[str, int] = {}

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

    def parse(
        self,
        response: Response,
        link_text: str | None = None,
        published_hint: str | None = None,
    ) -> Iterator[Any]:
        """Archive-or-skip this page, then follow what it names on the same host.

        Data a list is made of (a data proxy's XML, a JSON list, a sitemap, robots.txt) is
        read for its links, not archived."""
        if response.meta.get("redirect_urls"):
            self.sites.answered_as(response.url)
        if response.meta.get(PROBE_META):  # not a page anyone asked for (crawl summary)
            self.count("discover/probe_responses")
        page = self.page_of(response) if isinstance(response, TextResponse) else None
        found, failures = self.discover_links(response, page)
        rendered = bool(response.meta.get(RENDER_META))  # archived when it was fetched
        if not rendered and (page is None or not page.is_list_data):
            yield self.page_item(response, link_text, published_hint)
        yield from failures
        if render := self.render_request(response, page, found, self.render_mode):
            yield render
        date: list[str | None] = []  # the page's date, for the attachments it links
        depth = response.meta.get("depth", 0) + 1
        for item in found:
            if self.sites.canonical(item.url) is None:  # another site: counted, not followed
                self.count("discover/offsite")
                continue
            if not item.form:  # asked before at this depth or less: Scrapy would drop it
                if self.asked.get(item.url, depth + 1) <= depth:
                    continue
                self.asked[item.url] = depth
            hint = None
            if page is not None and ATTACHMENT_RE.search(item.url):
                date = date or [page_date(page)]
                hint = date[0]
            yield self.follow(item, self.parse, published_hint=hint)
