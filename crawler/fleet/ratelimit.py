"""A per-site rate limit for the whole fleet, kept in Redis (a downloader middleware).

Each host has a delay (seconds between the starts of two requests) and a concurrency
(requests in flight at once), the site profile's `delay` and `concurrency`, which
`crawler seed` writes to `fleet:sites`. Before a request is downloaded, `acquire` runs one
Lua script on Redis's clock: it grants the request when the host's next start time has come
and it is not at its concurrency (and moves that time on by the delay), or says how long to
wait. Within a worker one request per host asks at a time, so a worker with many requests
for a host waiting sends Redis one query per turn, not one per request. The slot is freed
when the response or error comes back; a dead worker's slots are freed by
`crawler.fleet.queue.reap`. Local delays are off in workers: this is the only one.

Settings: `FLEET_RATELIMIT_ENABLED` (default True), `FLEET_WORKER_ID`, `REDIS_URL`,
`FLEET_KEY_PREFIX`, and `DOWNLOAD_DELAY` / `CONCURRENT_REQUESTS_PER_DOMAIN` of the project
as the defaults for hosts no seed described.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis

# loaded now, not on the first download: that import would come between a slot's grant and
# its request, and push the request that much closer to the next one
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.fleet.keys import Keys

logger = logging.getLogger(__name__)

SLOT_META = "fleet_slot"
SLOT_TTL = 120.0  # a slot not freed by then (a stuck download) is freed anyway
MAX_WAIT = 1.0  # sleep at most this long before asking again

# KEYS: rate hash, busy zset, held set. ARGV: delay, concurrency, member, held member, ttl
# returns 0 (granted) or the seconds to wait, as a string
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local next = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if now < next then return tostring(next - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return '0.02' end
redis.call('HSET', KEYS[1], 'next', tostring(now + tonumber(ARGV[1])))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return '0'
"""


@dataclass(frozen=True)
class SiteLimit:
    """A host's politeness: seconds between request starts, requests in flight at once."""

    delay: float
    concurrency: int


def host_of(url: str) -> str:
    """The rate-limited unit: the host name, as Scrapy's own download slots."""
    return (urlsplit(url).hostname or "").lower()


class FleetRateLimiter:
    """Grants and frees one host's request slots for one worker."""

    def __init__(self, client: redis.Redis, keys: Keys, worker: str, default: SiteLimit) -> None:
        self.client = client
        self.keys = keys
        self.worker = worker
        self.default = default

    def limit(self, host: str) -> SiteLimit:
        """The host's limit as seeded (read for each request, so a new seed applies at once)."""
        raw = self.client.hget(self.keys.sites, host)
        if raw is None:
            return self.default
        data = json.loads(raw)
        return SiteLimit(float(data["delay"]), int(data["concurrency"]))

    def acquire(self, host: str, token: str, limit: SiteLimit) -> float:
        """0.0 when the request may start now (slot taken), else the seconds to wait."""
        wait = self.client.eval(
            _ACQUIRE, 3, self.keys.rate(host), self.keys.busy(host), self.keys.held(self.worker),
            limit.delay, limit.concurrency, f"{self.worker} {token}", f"{host} {token}", SLOT_TTL,
        )  # fmt: skip
        return max(0.0, float(wait))

    def release(self, host: str, token: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(self.keys.busy(host), f"{self.worker} {token}")
        pipe.srem(self.keys.held(self.worker), f"{host} {token}")
        pipe.execute()


class FleetRateLimitMiddleware:
    """Waits for the host's fleet-wide slot before each download; frees it afterwards."""

    def __init__(self, limiter: FleetRateLimiter) -> None:
        self.limiter = limiter
        # one waiting request per host asks Redis; the others queue behind it here
        self.turns: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetRateLimitMiddleware:
        settings = crawler.settings
        if not settings.getbool("FLEET_RATELIMIT_ENABLED", True) or not settings.get("REDIS_URL"):
            raise NotConfigured
        default = SiteLimit(
            settings.getfloat("FLEET_DEFAULT_DELAY", 1.0),
            settings.getint("FLEET_DEFAULT_CONCURRENCY", 2),
        )
        client = redis.Redis.from_url(settings["REDIS_URL"])
        keys = Keys(settings.get("FLEET_KEY_PREFIX", "fleet"))
        return cls(FleetRateLimiter(client, keys, settings["FLEET_WORKER_ID"], default))

    async def process_request(self, request: Request) -> None:
        host = host_of(request.url)
        token = uuid.uuid4().hex
        async with self.turns.setdefault(host, asyncio.Lock()):
            limit = self.limiter.limit(host)  # once, not at every try
            while (wait := self.limiter.acquire(host, token, limit)) > 0:
                await asyncio.sleep(min(wait, MAX_WAIT))
        request.meta[SLOT_META] = (host, token)

    def process_response(self, request: Request, response: Response) -> Response:
        self._free(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._free(request)

    def _free(self, request: Request) -> None:
        slot = request.meta.pop(SLOT_META, None)
        if slot is not None:
            self.limiter.release(*slot)
