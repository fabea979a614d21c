"""Retry as Scrapy does, but first wait as long as a 429 or 503 answer's Retry-After asks.

A server that says it is busy says when to come back; retrying at once is impolite and
usually fails again. The wait is capped (`RETRY_AFTER_MAX`, 60 s by default): a longer
one gives up the retry instead, and the page is recorded as failed.
"""

from __future__ import annotations

import asyncio
import email.utils
import time

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

RETRY_AFTER_STATUSES = (429, 503)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header value asks for (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, honouring Retry-After (replaces it in the settings)."""

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        wait = None
        if response.status in RETRY_AFTER_STATUSES:
            header = response.headers.get("Retry-After")
            wait = retry_after(header.decode("latin-1") if header else None)
            if wait is not None and wait > self.crawler.settings.getfloat("RETRY_AFTER_MAX", 60):
                return response  # too long to wait for: not retried, recorded as failed
        result = super().process_response(request, response)
        if wait and result is not response:
            await asyncio.sleep(wait)
        return result
