"""One site, many names: `www.` and bare, http and https, `localhost` and `127.0.0.1`.

A portal is linked under several names of itself (a `<base href>` naming it by another
host, an absolute link with `www.`); fetched under each, every page would be fetched twice
and archived under two URLs. `SiteNames` maps every name of the start URLs' sites to the
start URL's own scheme and host, and tells the URLs of other sites apart.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=65536)  # asked of every link of every page
def site_key(url: str) -> tuple[str, int | None]:
    """The host (lower case, without `www.`, loopback names as one) and the port unless it
    is its scheme's default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    host = "127.0.0.1" if host in LOOPBACK else host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == DEFAULT_PORTS.get(parts.scheme):
        port = None
    return host, port


class SiteNames:
    """The sites of some start URLs, under the names the start URLs use."""

    def __init__(self, start_urls: Iterable[str]) -> None:
        self.names: dict[tuple[str, int | None], tuple[str, str]] = {}
        for url in start_urls:
            parts = urlsplit(url)
            self.names.setdefault(site_key(url), (parts.scheme, parts.netloc.lower()))

    def canonical(self, url: str) -> str | None:
        """`url` under its site's start name; None when it is on another site."""
        name = self.names.get(site_key(url))
        if name is None:
            return None
        scheme, netloc = name
        return urlunsplit(urlsplit(url)._replace(scheme=scheme, netloc=netloc))

    def answered_as(self, url: str) -> None:
        """A site redirected to `url` (`www.` to bare, http to https): its links are asked
        for under that name from now on."""
        key = site_key(url)
        if key in self.names:
            parts = urlsplit(url)
            self.names[key] = (parts.scheme, parts.netloc.lower())
