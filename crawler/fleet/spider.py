"""The fleet workers' spider: one spider for every crawl seeded in Redis.

Each request carries its crawl id (`meta['fleet_crawl']`); the crawl's spec (a site profile
or ad-hoc URLs, written by `crawler seed`) names the spider that knows the site, a
`ProfileSpider` or the `DiscoverSpider`. Their callbacks do the work, so a page gives the
same items and links as in a local crawl; this spider files their requests under the crawl
(scope, depth limit) and wraps their items with the crawl id.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fleet.connect import connect
from crawler.fleet.crawl_spec import CrawlSpec
from crawler.fleet.keys import SPIDER, Keys
from crawler.fleet.leased_scheduler import CRAWL_META
from crawler.fleet.queue import fleet_idle
from crawler.fleet.redis_pipeline import FleetItem
from crawler.fleet.scope import SCOPE_META
from crawler.network_guard import META as PRIVATE_META
from spiders.base import ArchiveSpider
from spiders.discover import DEFAULT_DEPTH, DiscoverSpider
from spiders.profile_spider import spider_for
from spiders.profiles import profile_from_dict

CALLBACKS = ("parse", "parse_article", "parse_attachment")


@dataclass(frozen=True)
class CrawlPlan:
    """What a crawl's spec says about crawling it."""

    spider: ArchiveSpider  # the spider that knows the site
    domains: list[str]
    starts: list[tuple[str, str]]  # (URL, callback name) of the first requests
    depth: int = 0  # links deep from the start pages; 0: no limit
    max_pages: int = 0  # pages fetched by the whole fleet; 0: no limit
    private_network: bool = False  # may fetch private and loopback addresses

    def meta(self, crawl: str) -> dict[str, Any]:
        """The meta of the crawl's requests: its id, scope and network opt-in."""
        meta: dict[str, Any] = {CRAWL_META: crawl, SCOPE_META: self.domains}
        if self.private_network:
            meta[PRIVATE_META] = True
        return meta


def plan_for(spec: CrawlSpec) -> CrawlPlan:
    """The plan of a crawl spec (a site profile's data, or ad-hoc URLs)."""
    if spec.kind == "profile":
        profile = profile_from_dict(spec.profile)
        site = profile.settings
        starts = [
            (u, "parse_article" if profile.is_article(u) else "parse") for u in profile.start_urls
        ]
        return CrawlPlan(
            spider_for(profile)(),
            list(profile.allowed_domains),
            starts,
            depth=site.depth or 0,
            max_pages=site.max_pages or 0,
            private_network=site.private_network,
        )
    spider = DiscoverSpider(urls=list(spec.urls))
    return CrawlPlan(
        spider,
        list(spider.allowed_domains),
        [(u, "parse") for u in spec.urls],
        depth=spec.depth or DEFAULT_DEPTH,
        private_network=spec.private_network,
    )


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
        self.plans: dict[str, CrawlPlan] = {}

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

    def plan(self, crawl: str) -> CrawlPlan:
        """The plan of a crawl seeded in Redis (read once per worker)."""
        if crawl not in self.plans:
            raw = self.server.hget(self.keys.crawls, crawl)
            if raw is None:
                raise KeyError(f"crawl {crawl!r} is not in {self.keys.crawls}")
            self.plans[crawl] = plan_for(CrawlSpec.from_json(raw))
        return self.plans[crawl]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse", kwargs)

    def parse_article(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse_article", kwargs)

    def parse_attachment(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self._relay(response, "parse_attachment", kwargs)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        crawl = request.meta[CRAWL_META]
        for out in self.plan(crawl).spider.on_error(failure):
            yield FleetItem(crawl, out)

    def _relay(self, response: Response, callback: str, kwargs: dict[str, Any]) -> Iterator[Any]:
        crawl = response.meta[CRAWL_META]
        plan = self.plan(crawl)
        depth = response.meta.get("depth", 0) + 1
        for out in getattr(plan.spider, callback)(response, **kwargs):
            if not isinstance(out, Request):
                yield FleetItem(crawl, out)
            elif not plan.depth or depth <= plan.depth:
                yield self.adopt(out, crawl, plan)

    def adopt(self, request: Request, crawl: str, plan: CrawlPlan) -> Request:
        """A delegate's request as this spider's: its callback, and its crawl's meta."""
        name = getattr(request.callback, "__name__", "parse")
        if name not in CALLBACKS:
            raise ValueError(f"unknown callback {name!r}")
        meta = {**request.meta, **plan.meta(crawl)}
        return request.replace(callback=getattr(self, name), errback=self.on_error, meta=meta)
