"""Link discovery: recognisers, each a pure function from a page to the requests it names.

Real bureau portals publish their lists in more ways than `<a href>`: pagination written by
a TRS script, Hanweb data proxies answering POSTs in XML, JSON APIs called by XHR,
attachments behind `onclick`, frames, meta refresh, sitemaps. `discover(page)` runs every
recogniser on a page, drops repeats, files, schemes and tracking parameters the crawl has
no use for, and keeps what a recogniser could not read as an error instead of raising
(stage `discover` in the archive's failures). The profile, ad-hoc and fleet spiders all
find their links here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS

from spiders.discovery import hanweb, html_links, json_lists, sitemaps, trs
from spiders.discovery.found import DiscoveryError, Found
from spiders.discovery.page import Page

__all__ = ["Discovered", "DiscoveryError", "Found", "Page", "canonical_url", "discover"]

ATTACHMENTS = ("doc", "docx", "pdf", "wps", "txt")
SKIPPED_EXTENSIONS = frozenset(e for e in IGNORED_EXTENSIONS if e not in ATTACHMENTS)
# query parameters that track a click and never change the page
TRACKING = ("utm_", "spm", "from", "share", "isappinstalled", "fbclid", "gclid", "scene",
            "clicktime", "enterid", "wfr", "_hsenc", "_hsmi")  # fmt: skip

Recogniser = Callable[[Page], Iterable[Found]]
RECOGNISERS: tuple[tuple[str, Recogniser], ...] = (
    ("a", html_links.anchors),
    ("frame", html_links.frames),
    ("onclick", html_links.scripted),
    ("meta-refresh", html_links.meta_refresh),
    ("trs-pages", trs.pagination),
    ("hanweb-proxy", hanweb.proxy),
    ("hanweb-records", hanweb.records),
    ("script-api", json_lists.script_apis),
    ("json", json_lists.links),
    ("sitemap", sitemaps.from_robots),
    ("sitemap", sitemaps.entries),
)


@dataclass
class Discovered:
    """The requests a page names, in the order found, and what could not be read."""

    found: list[Found] = field(default_factory=list)
    errors: list[DiscoveryError] = field(default_factory=list)


@functools.lru_cache(maxsize=65536)  # a site's pages repeat the same links
def canonical_url(url: str) -> str:
    """`url` without its fragment and tracking parameters (`utm_source`, `spm`, …)."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING)
    ]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


@functools.lru_cache(maxsize=65536)
def _wanted(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
    return ext not in SKIPPED_EXTENSIONS


def discover(page: Page, recognisers: Iterable[tuple[str, Recogniser]] = RECOGNISERS) -> Discovered:
    """Every request `page` names, once each (the first recogniser to find one names it)."""
    out = Discovered()
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for how, recognise in recognisers:
        try:
            for found in recognise(page):
                url = canonical_url(found.url)
                if (url, found.form) in seen or not _wanted(url):
                    continue
                seen.add((url, found.form))
                out.found.append(found if url == found.url else replace(found, url=url))
        except DiscoveryError as exc:
            out.errors.append(exc)
        except Exception as exc:  # malformed input must not stop the page's other links
            out.errors.append(DiscoveryError(how, f"{type(exc).__name__}: {exc}"))
    return out
