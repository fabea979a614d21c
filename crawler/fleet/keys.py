"""The Redis keys of a fleet (all under one prefix, `fleet` by default).

| key | type | holds |
|---|---|---|
| `fleet:requests` | zset | scrapy-redis's request queue (score = -priority) |
| `fleet:dupefilter` | set | fingerprints of requests seen, per crawl (scrapy-redis's filter) |
| `fleet:items` | list | items pushed by workers, oldest first |
| `fleet:items:processing` | list | items the ingester took and has not archived yet |
| `fleet:ingester` | string | the running ingester's id (a lock with a time to live) |
| `fleet:crawls` | hash | crawl id → JSON spec (source, profile or URLs) |
| `fleet:sites` | hash | host → JSON {delay, concurrency} for the rate limit |
| `fleet:pages:<crawl>` | string | requests the crawl sent (for its `max_pages`) |
| `fleet:workers` | zset | worker id → heartbeat deadline (Redis time) |
| `fleet:leases:<worker>` | hash | token → request a worker took and has not finished |
| `fleet:rate:<host>` | hash | `next`: the earliest time of the host's next request |
| `fleet:busy:<host>` | zset | `worker token` → deadline, the host's requests in flight |
| `fleet:held:<worker>` | set | `host token` the worker holds in `fleet:busy:*` |
"""

from __future__ import annotations

from dataclasses import dataclass

SPIDER = "fleet"  # the workers' spider name, and so scrapy-redis's key prefix


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix."""

    prefix: str = SPIDER

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def items(self) -> str:
        return f"{self.prefix}:items"

    @property
    def processing(self) -> str:
        return f"{self.prefix}:items:processing"

    @property
    def ingester(self) -> str:
        return f"{self.prefix}:ingester"

    @property
    def crawls(self) -> str:
        return f"{self.prefix}:crawls"

    @property
    def sites(self) -> str:
        return f"{self.prefix}:sites"

    def pages(self, crawl: str) -> str:
        return f"{self.prefix}:pages:{crawl}"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def leases(self, worker: str) -> str:
        return f"{self.prefix}:leases:{worker}"

    def rate(self, host: str) -> str:
        return f"{self.prefix}:rate:{host}"

    def busy(self, host: str) -> str:
        return f"{self.prefix}:busy:{host}"

    def held(self, worker: str) -> str:
        return f"{self.prefix}:held:{worker}"


KEYS = Keys()
