"""A Redis client from a URL, failing early with a message that names the URL."""

from __future__ import annotations

import redis

from crawler.errors import CrawlerError


class FleetError(CrawlerError):
    """Redis cannot be reached, or the fleet's state in it is not usable."""


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis://host:port/db), checked with PING."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except ValueError as exc:
        raise FleetError(f"{url}: not a Redis URL ({exc})") from None
    except redis.RedisError as exc:
        raise FleetError(f"{url}: cannot reach Redis: {exc}") from None
    return client


def server_time(client: redis.Redis) -> float:
    """Redis's clock in seconds: one clock for every machine of the fleet."""
    seconds, micros = client.time()
    return seconds + micros / 1e6
