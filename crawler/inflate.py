"""Scrapy's decompression middleware, with a lower limit for bodies that inflate like bombs.

Scrapy inflates a Content-Encoded body (gzip, deflate, br, zstd) up to DOWNLOAD_MAXSIZE,
32 MiB here, so that large attachments pass. A decompression bomb therefore costs 32 MiB
(more while the buffer is copied) before it is refused, and Scrapy's refusal keeps that
buffer alive in its exception's traceback as long as the failure lives: bombs refused
close together raised the crawl's peak memory by hundreds of MiB. Here a body may inflate
to `INFLATE_MAX_RATIO` times its compressed size, or to `INFLATE_FLOOR` if that is more,
never beyond DOWNLOAD_MAXSIZE: pages and documents rarely inflate more than 10 times,
bombs about 1,000 times. A refusal is an `InflateRefused` (an `IgnoreRequest`), which the
spider records as a failure with its reason; the partial buffer is freed at once.
Bodies sent without Content-Encoding keep the plain DOWNLOAD_MAXSIZE.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.scrapy_fence import DecompressionMaxSizeExceeded

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

INFLATE_MAX_RATIO = 20  # inflated size / compressed size allowed beyond the floor
INFLATE_FLOOR = 4 * 2**20  # any body may inflate this far, whatever its ratio


class InflateRefused(IgnoreRequest):
    """A Content-Encoded body inflated beyond its limit; the response is dropped."""


def inflate_limit(compressed: int, max_size: int, *, ratio: int, floor: int) -> int:
    """The most bytes a body of `compressed` bytes may inflate to (0: no limit)."""
    limit = max(floor, compressed * ratio) if ratio else 0
    if max_size and (not limit or limit > max_size):
        return max_size
    return limit


def limit_name(limit: int, max_size: int, floor: int) -> str:
    """The setting that set `limit`, for the failure's reason."""
    if limit == max_size:
        return "DOWNLOAD_MAXSIZE"
    return "INFLATE_FLOOR" if limit == floor else "INFLATE_MAX_RATIO"


class InflateLimitMiddleware(HttpCompressionMiddleware):
    """Replaces HttpCompressionMiddleware in the settings (same place, 590)."""

    def __init__(
        self, *, crawler: Crawler, ratio: int = INFLATE_MAX_RATIO, floor: int = INFLATE_FLOOR
    ) -> None:
        super().__init__(crawler=crawler)
        self.ratio = ratio
        self.floor = floor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflateLimitMiddleware:
        if not crawler.settings.getbool("COMPRESSION_ENABLED"):
            raise NotConfigured
        return cls(
            crawler=crawler,
            ratio=crawler.settings.getint("INFLATE_MAX_RATIO", INFLATE_MAX_RATIO),
            floor=crawler.settings.getint("INFLATE_FLOOR", INFLATE_FLOOR),
        )

    def _handle_encoding(  # a private method: crawler/scrapy_fence.py checks it
        self, body: bytes, content_encoding: list[bytes], max_size: int
    ) -> tuple[bytes, list[bytes]]:
        limit = inflate_limit(len(body), max_size, ratio=self.ratio, floor=self.floor)
        try:
            return super()._handle_encoding(body, content_encoding, limit)
        except DecompressionMaxSizeExceeded as exc:
            inflated = exc.decompressed_size
        # raised outside the except block: nothing keeps the inflated buffer alive
        reason = (
            f"refused while inflating: {len(body)} B compressed grew past {inflated} B,"
            f" over its limit of {limit} B ({limit_name(limit, max_size, self.floor)})"
        )
        logger.warning("%s", reason)
        raise InflateRefused(reason)
