"""A crawl's `max_pages`, counted over the whole fleet (two downloader middlewares).

In a local crawl `max_pages` is Scrapy's `CLOSESPIDER_PAGECOUNT`; a fleet worker serves
many crawls and never closes for one, so each crawl's requests are counted in Redis
(`fleet:pages:<crawl>`). `PageLimitCount`, after the fleet rate limit (a request that
waited for its site's slot is counted only once it has one), counts each request about
to be sent and drops those past the limit; `PageLimitCheck`, before the rate limit, drops
a spent crawl's remaining requests at once instead of letting each wait for a slot. Drops
are by policy (`spiders.base.DroppedByPolicy`), as a local crawl drops what is queued when it
closes. Retries count again, so a crawl sends at most `max_pages` requests.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from crawler.fleet.leased_scheduler import CRAWL_META
from spiders.base import DroppedByPolicy


class PageLimitReached(DroppedByPolicy):
    """A request of a crawl that has sent its `max_pages`."""


class _PageLimit:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def limited(self, request: Request) -> tuple[Any, str, int] | None:
        """(fleet spider, crawl, max_pages) when the request's crawl has a page limit."""
        crawl = request.meta.get(CRAWL_META)
        spider = self.crawler.spider
        if crawl is None or spider is None:
            return None
        limit = spider.plan(crawl).max_pages
        return (spider, crawl, limit) if limit else None


def refuse(request: Request, limit: int) -> PageLimitReached:
    return PageLimitReached(f"Crawl page limit reached ({limit} pages): {request.url}")


class PageLimitCheck(_PageLimit):
    """Drops the requests of a crawl that has sent its `max_pages`, before any slot."""

    def process_request(self, request: Request) -> None:
        if (got := self.limited(request)) is None:
            return
        spider, crawl, limit = got
        if int(spider.server.get(spider.keys.pages(crawl)) or 0) >= limit:
            raise refuse(request, limit)


class PageLimitCount(_PageLimit):
    """Counts a request about to be sent; drops it when that passes its crawl's limit."""

    def process_request(self, request: Request) -> None:
        if (got := self.limited(request)) is None:
            return
        spider, crawl, limit = got
        if int(spider.server.incr(spider.keys.pages(crawl))) > limit:
            raise refuse(request, limit)
