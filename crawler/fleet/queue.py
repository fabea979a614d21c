"""The shared request queue with leases: nothing a worker took is lost when it dies.

scrapy-redis's `PriorityQueue` pops a request by removing it from the queue, so a worker
killed mid-crawl loses what it was fetching. `LeasedQueue` pops and records the request in
the worker's lease hash (`fleet:leases:<worker>`) in one atomic step; the worker deletes
the lease once the request is finished (its items pushed and its links queued). A worker
keeps a heartbeat deadline in `fleet:workers`; when it passes, any worker or the ingester
puts the dead worker's leased requests back in the queue (`reap`) and frees the per-site
slots it held (`crawler.fleet.ratelimit`).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from scrapy import Request
from scrapy_redis.queue import PriorityQueue

import crawler.fleet.scrapy_redis_fence  # noqa: F401  (checks _encode_request, _decode_request)
from crawler.fleet import request_codec
from crawler.fleet.connect import server_time
from crawler.fleet.keys import Keys

logger = logging.getLogger(__name__)

LEASE_META = "fleet_lease"

# ZPOPMIN the best request and keep it (score, data) under a token in the lease hash
_POP = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
redis.call('HSET', KEYS[2], ARGV[1], popped[2] .. '\\n' .. popped[1])
return popped[1]
"""

# a new request (its fingerprint not yet in the dupefilter set) queued, and the lease it
# replaces (a redirect's) dropped, in one step: a worker killed between marking a request
# seen and queueing it would lose it for good (the page that links to it, fetched again,
# finds it seen). KEYS: dupefilter set, queue, lease hash. ARGV: fingerprint, score, data,
# lease token or ''. Returns 1 when queued, 0 when seen before.
_PUSH_NEW = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
"""

# every worker whose deadline passed: its leases back to the queue, its site slots freed
_REAP = """
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local requeued = 0
for _, worker in ipairs(dead) do
    local leases = ARGV[2] .. ':leases:' .. worker
    for _, value in ipairs(redis.call('HVALS', leases)) do
        local cut = string.find(value, '\\n', 1, true)
        redis.call('ZADD', KEYS[2], string.sub(value, 1, cut - 1), string.sub(value, cut + 1))
        requeued = requeued + 1
    end
    redis.call('DEL', leases)
    local held = ARGV[2] .. ':held:' .. worker
    for _, slot in ipairs(redis.call('SMEMBERS', held)) do
        local cut = string.find(slot, ' ', 1, true)
        local host = string.sub(slot, 1, cut - 1)
        local token = string.sub(slot, cut + 1)
        redis.call('ZREM', ARGV[2] .. ':busy:' .. host, worker .. ' ' .. token)
    end
    redis.call('DEL', held)
    redis.call('ZREM', KEYS[1], worker)
end
return {#dead, requeued}
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pops are leases held by one worker; requests are
    JSON (`crawler.fleet.request_codec`) unless another serializer is given."""

    worker: str = ""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer or request_codec)
        self.keys = Keys(key.rsplit(":", 1)[0])

    def lease_key(self) -> str:
        return self.keys.leases(self.worker)

    def pop(self, timeout: int = 0) -> Request | None:
        """The best request, leased to this worker (token in `meta['fleet_lease']`). An entry
        that is not a request is logged and dropped."""
        while True:
            token = uuid.uuid4().hex
            data = self.server.eval(_POP, 2, self.key, self.lease_key(), token)
            if not data:
                return None
            try:
                request = self._decode_request(data)
            except Exception as exc:  # anything Redis holds that this worker cannot crawl
                logger.error("dropped a queued entry that is not a request: %s", exc)
                self.ack(token)
                continue
            request.meta[LEASE_META] = token
            return request

    def _encode_request(self, request: Request) -> Any:
        # a lease belongs to one pop: a copy put back (retry, redirect) gets its own
        token = request.meta.pop(LEASE_META, None)
        try:
            return super()._encode_request(request)
        finally:
            if token is not None:
                request.meta[LEASE_META] = token

    def push_and_release(self, request: Request, token: str) -> None:
        """Queue `request` (a retry or redirect of a leased one) and drop that lease, at once."""
        data = self._encode_request(request)
        pipe = self.server.pipeline(transaction=True)
        pipe.execute_command("ZADD", self.key, -request.priority, data)
        pipe.hdel(self.lease_key(), token)
        pipe.execute()

    def push_new(
        self, request: Request, seen_key: str, fingerprint: str, token: str | None = None
    ) -> bool:
        """Queue `request` unless `fingerprint` is in the set `seen_key`, adding it there
        (and drop the lease `token` of the request it replaces), at once; whether queued."""
        data = self._encode_request(request)
        queued = self.server.eval(
            _PUSH_NEW, 3, seen_key, self.key, self.lease_key(),
            fingerprint, -request.priority, data, token or "",
        )  # fmt: skip
        return bool(queued)

    def ack(self, *tokens: str) -> None:
        """The leased requests are finished."""
        if tokens:
            self.server.hdel(self.lease_key(), *tokens)

    def give_back(self) -> int:
        """Put every request this worker still holds back in the queue (a clean stop)."""
        return reap_worker(self.server, self.keys, self.worker)


def heartbeat(client: redis.Redis, keys: Keys, worker: str, timeout: float) -> None:
    """Move `worker`'s deadline to `timeout` seconds from now (Redis time)."""
    client.zadd(keys.workers, {worker: server_time(client) + timeout})


def reap(client: redis.Redis, keys: Keys) -> tuple[int, int]:
    """Requeue the leases of workers whose deadline passed: (dead workers, requests)."""
    dead, requeued = client.eval(
        _REAP, 2, keys.workers, keys.requests, server_time(client), keys.prefix
    )
    return int(dead), int(requeued)


def reap_worker(client: redis.Redis, keys: Keys, worker: str) -> int:
    """Requeue one worker's leases now (it is stopping, or known dead); the count."""
    client.zadd(keys.workers, {worker: 0})
    _, requeued = client.eval(_REAP, 2, keys.workers, keys.requests, 0, keys.prefix)
    return int(requeued)


def in_flight(client: redis.Redis, keys: Keys) -> int:
    """Requests leased by live or not yet reaped workers."""
    workers = [w.decode() for w in client.zrange(keys.workers, 0, -1)]
    return sum(int(client.hlen(keys.leases(w))) for w in workers)


def fleet_idle(client: redis.Redis, keys: Keys, *, items: bool = False) -> bool:
    """No request queued or in flight (and, with `items`, no item waiting to be archived)."""
    if client.zcard(keys.requests) or in_flight(client, keys):
        return False
    return not (items and (client.llen(keys.items) or client.llen(keys.processing)))
