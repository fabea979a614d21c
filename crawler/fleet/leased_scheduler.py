"""scrapy-redis's scheduler and dupefilter with leases, a heartbeat and per-crawl filtering.

Settings: `FLEET_WORKER_ID`, `FLEET_LEASE_TIMEOUT` (seconds without a heartbeat before a
worker's requests go back to the queue) and scrapy-redis's own (`REDIS_URL`, …).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler.fleet.keys import Keys
from crawler.fleet.queue import LEASE_META, LeasedQueue, heartbeat, reap
from crawler.scrapy_fence import engine_slot

logger = logging.getLogger(__name__)

CRAWL_META = "fleet_crawl"
HEARTBEAT_INTERVAL = 0.5


class CrawlDupeFilter(RFPDupeFilter):
    """scrapy-redis's seen-URL filter, one namespace per crawl: a crawl seeded again
    (the next scheduled run) fetches its pages again."""

    def request_fingerprint(self, request: Request) -> str:
        base = super().request_fingerprint(request)
        crawl = request.meta.get(CRAWL_META, "")
        return hashlib.sha1(f"{crawl}\n{base}".encode()).hexdigest()


class LeasedScheduler(Scheduler):
    """Takes requests from the shared queue as leases and returns them when done."""

    crawler: Crawler
    worker: str
    lease_timeout: float
    leased: dict[str, Request]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.worker = crawler.settings["FLEET_WORKER_ID"]
        scheduler.lease_timeout = crawler.settings.getfloat("FLEET_LEASE_TIMEOUT", 30.0)
        scheduler.leased = {}
        scheduler.keys = Keys(crawler.settings["SCHEDULER_QUEUE_KEY"].rsplit(":", 1)[0])
        scheduler.loop = None
        return scheduler

    def open(self, spider: Any) -> None:
        self._engine_slot()  # fail at start, not with every heartbeat, on another Scrapy
        super().open(spider)
        assert isinstance(self.queue, LeasedQueue)
        self.queue.worker = self.worker
        heartbeat(self.server, self.keys, self.worker, self.lease_timeout)
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(HEARTBEAT_INTERVAL, now=False)

    def close(self, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.settle()
        returned = self.queue.give_back()
        if returned:
            logger.info("%d unfinished requests returned to the queue", returned)
        super().close(reason)

    def tick(self) -> None:
        """Heartbeat, finished leases, dead workers' requests, and wake the engine for work."""
        try:
            heartbeat(self.server, self.keys, self.worker, self.lease_timeout)
            self.settle()
            dead, requeued = reap(self.server, self.keys)
            if dead:
                logger.warning("%d dead worker(s): %d requests back in the queue", dead, requeued)
            if len(self.queue):
                self._engine_slot().nextcall.schedule()
        except Exception:  # a Redis hiccup must not stop the heartbeat loop
            logger.exception("fleet heartbeat failed")

    def _engine_slot(self) -> Any:
        return engine_slot(self.crawler.engine)

    def settle(self) -> None:
        """Release the leases of requests the engine has finished with."""
        if not self.leased:
            return
        inprogress = self._engine_slot().inprogress
        done = [token for token, request in self.leased.items() if request not in inprogress]
        self.queue.ack(*done)
        for token in done:
            del self.leased[token]

    def next_request(self) -> Request | None:
        self.settle()
        request = self.queue.pop()
        if request is None:
            return None
        self.leased[request.meta[LEASE_META]] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(LEASE_META, None)
        if token is not None and token not in self.leased:
            token = None
        # a retry or redirect of a leased request: queued, and that lease done, at once
        if not request.dont_filter:
            # seen and queued in one step (scrapy-redis marks it seen, then queues it)
            fingerprint = self.df.request_fingerprint(request)
            if not self.queue.push_new(request, self.df.key, fingerprint, token):
                self.df.log(request, self.spider)
                return False
        elif token is not None:
            self.queue.push_and_release(request, token)
        else:
            self.queue.push(request)
        if token is not None:
            del self.leased[token]
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True
