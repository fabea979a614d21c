"""What recognisers find: URLs to request, each with the recogniser that found it."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.errors import CrawlerError


@dataclass(frozen=True)
class Found:
    """A request to make.

    `how` names the recogniser (`a`, `frame`, `onclick`, `meta-refresh`, `trs-pages`,
    `hanweb-proxy`, `hanweb-records`, `json`, `script-api`, `sitemap`). `list` marks a list
    or a data source (generated pagination, a data proxy, a JSON list, a sitemap): followed
    as a list from a list page whatever the profile's patterns say. `form` makes it a POST.
    `lastmod` is a sitemap's date for the URL.
    """

    url: str
    how: str
    text: str | None = None
    list: bool = False
    form: tuple[tuple[str, str], ...] = ()
    lastmod: str | None = None

    @property
    def method(self) -> str:
        return "POST" if self.form else "GET"


class DiscoveryError(CrawlerError):
    """A recogniser could not read what it was made for (malformed script, XML, JSON)."""

    def __init__(self, how: str, message: str) -> None:
        super().__init__(message)
        self.how = how
