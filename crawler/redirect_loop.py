"""Scrapy's redirect middleware, telling a redirect loop apart (and recording it).

Scrapy drops a redirect back to a URL already requested as a duplicate, silently. Here a
redirect to a URL already in the request's redirect chain is refused with an error that
names the loop, and the spider records it as a failure.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

import crawler.scrapy_fence  # noqa: F401  (checks _redirect)


class RedirectLoopMiddleware(RedirectMiddleware):
    """Replaces RedirectMiddleware in the settings."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        # a private method: crawler/scrapy_fence.py checks it
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        return super()._redirect(redirected, request, reason)
