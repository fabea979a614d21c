"""The generic spider driven by a site profile: list pages, pagination, articles, attachments."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from typing import Any

from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.items import FailureItem
from crawler.settings import DOWNLOADER_MIDDLEWARES
from spiders.base import ATTACHMENT_RE, KEPT_PAGE_META, ArchiveSpider, page_date
from spiders.discovery import Found
from spiders.discovery.sites import SiteNames
from spiders.profiles import Profile

INCREMENTAL_MIDDLEWARE = "crawler.incremental.ConditionalRequestMiddleware"
# list pages in a row without a new article, after which a chain of list pages is a trap
TRAP_PAGES = 5


class ProfileSpider(ArchiveSpider):
    """Crawls one site as its profile says; subclassed per profile by `spider_for`."""

    profile: Profile

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.articles_seen: set[str] = set()  # article links met in this crawl
        self.sites = SiteNames(self.profile.start_urls)

    @property
    def selectors(self) -> dict[str, Any]:
        return asdict(self.profile.selectors)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.profile.start_urls:
            if self.profile.is_article(url):
                yield self.request(url, self.parse_article, conditional=True)
            else:
                yield self.request(url, self.parse)

    def parse(self, response: Response, barren: int = 0, **kwargs: Any) -> Iterator[Any]:
        """A list page: follow pagination and list pages, request the articles.

        `barren` counts the list pages before this one, in a row, that named no article
        not seen before in this crawl. At `TRAP_PAGES` the chain ends (endless pagination,
        calendars), and a failure record says where.
        """
        lists, new = [], 0
        page = self.page_of(response) if isinstance(response, TextResponse) else None
        found, failures = self.discover_links(response, page)
        yield from failures
        if render := self.render_request(response, page, found, self.profile.render):
            yield render
        for item in found:
            if self.profile.is_article(item.url):
                new += item.url not in self.articles_seen
                self.articles_seen.add(item.url)
                yield self.follow(item, self.parse_article, conditional=True)
            elif item.list or self.profile.is_followed(item.url):
                lists.append(item)  # generated pagination, data proxies: lists of this list
        barren = 0 if new else barren + 1
        if barren >= TRAP_PAGES and lists:
            yield FailureItem(
                url=response.url, source=self.source_of(response.url), stage="trap",
                reason=f"{barren} list pages in a row named no new article: links not followed",
            )  # fmt: skip
            return
        for item in lists:
            yield self.follow(item, self.parse, barren=barren)

    def parse_article(self, response: Response, link_text: str | None = None) -> Iterator[Any]:
        """An article: archive it and fetch its attachments.

        Unchanged since the last run (304): nothing to archive, and its attachments are the
        ones fetched from it last time, checked in turn.
        """
        page = None
        if response.status == 304:
            yield self.unchanged_item(response)
            links = [Found(url, "a", text) for url, text in response.meta.get("known_links", [])]
            if kept := response.meta.get(KEPT_PAGE_META):  # the page as last kept: its links
                body, content_type = kept
                old = HtmlResponse(
                    response.url, body=body, headers={"Content-Type": content_type},
                    request=response.request,
                )  # fmt: skip
                found, failures = self.discover_links(old)
                links += found
                yield from failures
        else:
            yield self.page_item(response, link_text)
            page = self.page_of(response) if isinstance(response, TextResponse) else None
            links, failures = self.discover_links(response, page)
            yield from failures
        attachments = [
            item for item in links
            if ATTACHMENT_RE.search(item.url) and not self.profile.is_followed(item.url)
        ]  # fmt: skip
        date = page_date(page) if attachments and page is not None else None
        for item in attachments:
            yield self.follow(item, self.parse_attachment, conditional=True, published_hint=date)

    def parse_attachment(
        self,
        response: Response,
        link_text: str | None = None,
        published_hint: str | None = None,
    ) -> Iterator[Any]:
        if response.status == 304:
            yield self.unchanged_item(response)
        else:
            yield self.page_item(response, link_text, published_hint)


def spider_for(profile: Profile) -> type[ProfileSpider]:
    """A spider class for one profile, carrying its per-site settings."""
    return type(
        f"{profile.name.replace('-', '_')}_spider",
        (ProfileSpider,),
        {
            "name": profile.name,
            "profile": profile,
            "allowed_domains": list(profile.allowed_domains),
            "custom_settings": {
                **profile.settings.scrapy_settings(),
                "DOWNLOADER_MIDDLEWARES": {**DOWNLOADER_MIDDLEWARES, INCREMENTAL_MIDDLEWARE: 450},
            },
            "__module__": __name__,
        },
    )
