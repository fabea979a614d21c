"""Run a crawl worker: the project's Scrapy settings plus the fleet's Redis components."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from scrapy.settings import Settings

from crawler.fleet.keys import Keys
from crawler.runner import CrawlResult, project_settings, run_crawls

LEASE_TIMEOUT = 30.0
PROGRESS_KEYS = (
    ("response_received_count", "pages"),
    ("item_scraped_count", "items pushed"),
    ("scheduler/enqueued/redis", "requests queued"),
)


def worker_id() -> str:
    """A fleet-unique worker name: host, process and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def worker_settings(
    redis_url: str,
    *,
    worker: str | None = None,
    keys: Keys | None = None,
    lease_timeout: float = LEASE_TIMEOUT,
    **overrides: Any,
) -> Settings:
    """The crawler's settings (robots.txt, user agent, size limits, retries …) with the
    shared queue, dupefilter and item list, and the fleet-wide rate limit instead of the
    local delay."""
    keys = keys or Keys()
    base = project_settings()
    middlewares = dict(base.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares.update(
        {
            "crawler.fleet.scope.FleetScopeMiddleware": 60,
            # a crawl's max_pages: its spent requests dropped before they wait for a slot,
            # and each request counted once it has one (crawler/fleet/page_limit.py)
            "crawler.fleet.page_limit.PageLimitCheck": 120,
            # after robots.txt (100): a disallowed page takes no slot; close to the network
            "crawler.fleet.ratelimit.FleetRateLimitMiddleware": 950,
            "crawler.fleet.page_limit.PageLimitCount": 960,
        }
    )
    fleet = {
        "REDIS_URL": redis_url,
        "FLEET_WORKER_ID": worker or worker_id(),
        "FLEET_KEY_PREFIX": keys.prefix,
        "FLEET_LEASE_TIMEOUT": lease_timeout,
        "FLEET_DEFAULT_DELAY": base.getfloat("DOWNLOAD_DELAY"),
        "PRIVATE_NETWORK_HINT": "a profile allows it with `private_network = true` under"
        " [settings], ad-hoc URLs with `crawler seed --private-network`",
        "FLEET_DEFAULT_CONCURRENCY": base.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        "SCHEDULER": "crawler.fleet.leased_scheduler.LeasedScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.fleet.queue.LeasedQueue",
        "SCHEDULER_SERIALIZER": "crawler.fleet.request_codec",  # JSON, not pickle
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "crawler.fleet.leased_scheduler.CrawlDupeFilter",
        "SCHEDULER_PERSIST": True,  # the queue and filter outlive any one worker
        "REDIS_ITEMS_KEY": keys.items,
        "ITEM_PIPELINES": {"crawler.fleet.redis_pipeline.ItemPusher": 300},
        "DOWNLOADER_MIDDLEWARES": middlewares,
        # politeness is fleet-wide (ratelimit.py); locally only a cap per host
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": base.getint("CONCURRENT_REQUESTS"),
        "DEPTH_LIMIT": 0,  # per crawl, in the fleet spider
        "ARCHIVE_ENABLED": False,  # the ingester archives
        "INCREMENTAL_ENABLED": False,  # the validators are in the archive, not here
    }
    fleet.update(overrides)
    return project_settings(**fleet)


def run_worker(
    redis_url: str, settings: Settings, *, until_idle: float = 0, progress: bool = True
) -> CrawlResult:
    """Crawl from the shared queue until stopped (or idle `until_idle` seconds)."""
    from crawler.fleet.spider import FleetSpider

    kwargs = {
        "redis_url": redis_url,
        "prefix": settings.get("FLEET_KEY_PREFIX", "fleet"),
        "until_idle": until_idle,
    }
    return run_crawls(
        [(FleetSpider, kwargs)], settings, progress=progress, progress_keys=PROGRESS_KEYS
    )
