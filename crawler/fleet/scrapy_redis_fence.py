"""The bets this project places on scrapy-redis's private names, here alone, checked at import.

`scrapy_redis.queue.Base._encode_request` and `_decode_request`: the leased queue
(crawler/fleet/queue.py) encodes a request without its lease token and decodes what it
pops itself, in one Redis script. Importing this module checks them and raises
IncompatibleVersion, one line, when a scrapy-redis release moved one.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from scrapy_redis.queue import Base

from crawler.text.errors import fence_failure

__all__ = ["TESTED", "check"]

TESTED = "scrapy-redis 0.9.1"


def missing() -> list[str]:
    """The private names this project uses that the installed scrapy-redis lacks."""
    gone = []
    for name, parameter in (("_encode_request", "request"), ("_decode_request", "encoded_request")):
        method = getattr(Base, name, None)
        if not callable(method) or parameter not in inspect.signature(method).parameters:
            gone.append(f"scrapy_redis.queue.Base.{name}({parameter})")
    return gone


def check() -> None:
    """Raise IncompatibleVersion when the installed scrapy-redis moved a name used here."""
    if gone := missing():
        raise fence_failure("scrapy-redis", version("scrapy-redis"), gone, TESTED)


check()
