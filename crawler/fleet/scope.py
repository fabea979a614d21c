"""Same-site scope per crawl (a downloader middleware): the fleet's one spider crawls many
sites, so Scrapy's `allowed_domains` cannot say which; each request carries its crawl's
domains in `meta['fleet_scope']`, redirects included, and leaves them only to be dropped."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

SCOPE_META = "fleet_scope"


def in_scope(url: str, domains: list[str]) -> bool:
    """`url`'s host is one of `domains` or below one, as Scrapy's offsite check."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


class FleetScopeMiddleware:
    """Drops a request whose host is outside its crawl's domains."""

    def process_request(self, request: Request) -> None:
        domains = request.meta.get(SCOPE_META)
        if domains is not None and not in_scope(request.url, domains):
            raise IgnoreRequest(f"offsite for its crawl: {request.url}")
