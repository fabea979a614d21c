"""Sitemaps: those robots.txt names, `/sitemap.xml`, and sitemap indexes (Scrapy's parser)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from spiders.discovery.found import Found
from spiders.discovery.page import Page


def from_robots(page: Page) -> Iterator[Found]:
    """The sitemaps a robots.txt names."""
    if not page.url.endswith("/robots.txt"):
        return
    for url in sitemap_urls_from_robots(page.text.encode("utf-8"), base_url=page.url):
        yield Found(url, "sitemap", list=True)


def entries(page: Page) -> Iterator[Found]:
    """A sitemap's pages (with their `lastmod`), or a sitemap index's sitemaps."""
    head = page.text[:500]
    if "<urlset" not in head and "<sitemapindex" not in head:
        return
    sitemap = Sitemap(page.text.encode("utf-8"))
    nested = sitemap.type == "sitemapindex"
    for entry in sitemap:
        loc = entry.get("loc")
        if loc:
            yield Found(
                urljoin(page.url, loc), "sitemap", list=nested, lastmod=entry.get("lastmod")
            )
