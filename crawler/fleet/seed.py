"""Seed a distributed crawl: a profile's (or ad-hoc URLs') start requests into Redis.

A crawl gets an id (`<source>-<UTC time>-<random>`), its spec in `fleet:crawls` (the
profile's own data, so workers need no profile files), each of its hosts' delay and
concurrency in `fleet:sites`, and its start requests in the shared queue through
scrapy-redis's queue and dupefilter, exactly as a worker would queue them.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Request

from crawler.fleet.crawl_spec import CrawlSpec
from crawler.fleet.keys import Keys
from crawler.fleet.leased_scheduler import CrawlDupeFilter
from crawler.fleet.queue import LeasedQueue
from crawler.fleet.spider import FleetSpider, plan_for
from spiders.discover import DEFAULT_DEPTH
from spiders.profiles import Profile, SiteSettings, profile_from_dict


@dataclass(frozen=True)
class Seeded:
    """One crawl put in the queue."""

    crawl: str
    source: str
    requests: int


def crawl_id(source: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{source}-{stamp}-{secrets.token_hex(3)}"


def profile_spec(profile: Profile) -> CrawlSpec:
    """The crawl spec of a profile: its file's data, which workers validate again."""
    if profile.path is None:
        raise ValueError(f"profile {profile.name} has no file to send to the workers")
    data = tomllib.loads(profile.path.read_text("utf-8"))
    profile_from_dict(data, profile.path)  # still the same valid profile
    return CrawlSpec.of_profile(profile.name, data)


def urls_spec(urls: list[str], depth: int | None, *, private_network: bool = False) -> CrawlSpec:
    """The crawl spec of an ad-hoc crawl from URLs."""
    source = urlsplit(urls[0]).netloc.lower()
    return CrawlSpec.of_urls(source, urls, depth or DEFAULT_DEPTH, private_network=private_network)


def start_requests(spec: CrawlSpec, crawl: str, spider: Any) -> list[Request]:
    """The crawl's first requests, with the fleet spider's callbacks."""
    plan = plan_for(spec)
    return [
        Request(url, callback=getattr(spider, name), errback=spider.on_error, meta=plan.meta(crawl))
        for url, name in plan.starts
    ]


def site_limits(spec: CrawlSpec, delay: float | None, concurrency: int | None) -> dict:
    """host → {delay, concurrency} for the fleet-wide rate limit."""
    if spec.kind == "profile":
        profile = profile_from_dict(spec.profile)
        hosts = {*profile.allowed_domains, *(urlsplit(u).hostname for u in profile.start_urls)}
        base = {"delay": profile.settings.delay, "concurrency": profile.settings.concurrency}
    else:
        hosts = {urlsplit(u).hostname for u in spec.urls}
        base = {"delay": SiteSettings().delay, "concurrency": SiteSettings().concurrency}
    if delay is not None:
        base["delay"] = delay
    if concurrency is not None:
        base["concurrency"] = concurrency
    return {h.lower(): base for h in hosts if h}


def seed(
    client: redis.Redis,
    spec: CrawlSpec,
    *,
    keys: Keys | None = None,
    delay: float | None = None,
    concurrency: int | None = None,
) -> Seeded:
    """Register one crawl and queue its start requests."""
    keys = keys or Keys()
    crawl = crawl_id(spec.source)
    client.hset(keys.crawls, crawl, spec.to_json())
    for host, limit in site_limits(spec, delay, concurrency).items():
        client.hset(keys.sites, host, json.dumps(limit))
    # an unbound spider: the queue only needs its method names to serialise callbacks
    spider = FleetSpider.__new__(FleetSpider)
    spider.name = keys.prefix
    queue = LeasedQueue(client, spider, keys.requests)
    dupefilter = CrawlDupeFilter(client, keys.dupefilter)
    queued = 0
    for request in start_requests(spec, crawl, spider):
        if not dupefilter.request_seen(request):
            queue.push(request)
            queued += 1
    return Seeded(crawl, spec.source, queued)
