"""The fleet workers' spider: one spider for every crawl seeded in Redis.

Each request carries its crawl id (`meta['fleet_crawl']`); the crawl's spec (a site profile
or ad-hoc URLs, written by `crawler seed`) names the spider that knows the site, a
`ProfileSpider` or the `DiscoverSpider`. Their callbacks do the work, so a page gives the
same items and links as in a local crawl; this spider files their requests under the crawl
(scope, depth limit) and wraps their items with the crawl id.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fleet.connect import connect
from crawler.fleet.keys import SPIDER, Keys
from crawler.fleet.pipeline import FleetItem
from crawler.fleet.queue import fleet_idle
from crawler.fleet.scheduler import CRAWL_META
from crawler.fleet.scope import SCOPE_META
from spiders.base import ArchiveSpider
from spiders.discover import DEFAULT_DEPTH, DiscoverSpider
from spiders.profile_spider import spider_for
from spiders.profiles import profile_from_dict

CALLBACKS = ("parse", "parse_article", "parse_attachment")


def delegate_for(spec: dict[str, Any]) -> tuple[ArchiveSpider, list[str], int]:
    """The spider that knows a crawl's site, its domains and its depth limit (0: none)."""
    if spec["kind"] == "profile":
        profile = profile_from_dict(spec["profile"])
        return spider_for(profile)(), list(profile.allowed_domains), profile.settings.depth or 0
    spider = DiscoverSpider(urls=spec["urls"])
    return spider, list(spider.allowed_domains), int(spec.get("depth") or DEFAULT_DEPTH)


class FleetSpider(scrapy.Spider):
    """Crawls whatever the shared queue holds; stops after `until_idle` seconds of a fleet
    with nothing queued or in flight (never, when 0)."""

    name = SPIDER

    def __init__(self, redis_url: str, prefix: str = SPIDER, until_idle: float = 0, **kw: Any):
        super().__init__(**kw)
        self.server = connect(redis_url)
        self.keys = Keys(prefix)
        self.until_idle = float(until_idle)
        self.idle_since: float | None = None
        self.delegates: dict[str, tuple[ArchiveSpider, list[str], int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FleetSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        return
        yield  # the requests come from the shared queue

    def spider_idle(self) -> None:
        """Keep waiting for work, unless the whole fleet has been idle `until_idle` seconds."""
        if self.until_idle and fleet_idle(self.server, self.keys):
            self.idle_since = self.idle_since or time.monotonic()
            if time.monotonic() - self.idle_since >= self.until_idle:
                return
        else:
            self.idle_since = None
        raise DontCloseSpider

    def delegate(self, crawl: str) -> tuple[ArchiveSpider, list[str], int]:
        if crawl not in self.delegates:
            raw = self.server.hget(self.keys.crawls, crawl)
            if raw is None:
                raise KeyError(f"crawl {crawl!r} is not in {self.keys.crawls}")
            self.delegates[crawl] = delegate_for(json.loads(raw))
        return self.delegates[crawl]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse", kwargs)

    def parse_article(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse_article", kwargs)

    def parse_attachment(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse_attachment", kwargs)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        crawl = request.meta[CRAWL_META]
        spider, _, _ = self.delegate(crawl)
        for out in spider.on_error(failure):
            yield FleetItem(crawl, out)

    def _relay(self, response: Response, callback: str, kwargs: dict[str, Any]) -> Iterator[Any]:
        crawl = response.meta[CRAWL_META]
        spider, domains, depth_limit = self.delegate(crawl)
        depth = response.meta.get("depth", 0) + 1
        for out in getattr(spider, callback)(response, **kwargs):
            if not isinstance(out, Request):
                yield FleetItem(crawl, out)
            elif not depth_limit or depth <= depth_limit:
                yield self.adopt(out, crawl, domains)

    def adopt(self, request: Request, crawl: str, domains: list[str]) -> Request:
        """A delegate's request as this spider's: its callback, the crawl and its scope."""
        name = getattr(request.callback, "__name__", "parse")
        if name not in CALLBACKS:
            raise ValueError(f"unknown callback {name!r}")
        meta = {**request.meta, CRAWL_META: crawl, SCOPE_META: domains}
        return request.replace(callback=getattr(self, name), errback=self.on_error, meta=meta)
