"""What a recogniser reads: one fetched page (its URL, text and type), parsed once."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from spiders.discovery.found import DiscoveryError

MAX_LIST_PAGES = 1000
_XML_START = re.compile(r"^\s*(<\?xml|<datastore|<urlset|<sitemapindex)", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """A response as recognisers see it. `form` is the POST form the page was asked with
    (a data proxy's), `tree_given` an lxml tree the caller has already parsed,
    `max_list_pages` the cap on the pages a script-written list may generate (a profile's
    `max_list_pages`)."""

    url: str
    text: str
    content_type: str = ""
    form: tuple[tuple[str, str], ...] = ()
    tree_given: Any = field(default=None, compare=False, repr=False)
    max_list_pages: int = MAX_LIST_PAGES  # pages generated from one list (TRS, JSON) at most

    @cached_property
    def kind(self) -> str:
        """html, xml, json or text."""
        ctype = self.content_type.lower()
        head = self.text[:200].lstrip()
        if "json" in ctype or head[:1] in ("{", "["):
            return "json"
        if ("xml" in ctype and "html" not in ctype) or _XML_START.match(head):
            return "xml"
        if "html" in ctype or "<" in head[:1] or not ctype:
            return "html"
        return "text"

    @property
    def is_list_data(self) -> bool:
        """Data a list is made of, read for its links and never archived: robots.txt, a
        data proxy's XML, a JSON list, a sitemap."""
        return self.url.endswith("/robots.txt") or self.kind in ("xml", "json")

    @cached_property
    def tree(self) -> Any:
        """The page parsed as HTML (None for other kinds or an empty page)."""
        if self.tree_given is not None:
            return self.tree_given
        if self.kind != "html" or not self.text.strip():
            return None
        try:
            return lxml.html.document_fromstring(self.text)
        except (etree.ParserError, ValueError):
            return None

    @cached_property
    def base(self) -> str:
        """The URL links are relative to: `<base href>` when the page names one."""
        if self.tree is not None:
            for href in self.tree.xpath("//base/@href")[:1]:
                if href.strip():
                    return urljoin(self.url, href.strip())
        return self.url

    def absolute(self, href: str) -> str:
        href = href.strip()
        return _join(self._base_for(href), href)

    def _base_for(self, href: str) -> str:
        """A base that joins `href` as this page's base does, shared by more pages (so
        that the join is remembered across them): for a root-relative link, the site;
        for an absolute http(s) link, the scheme alone."""
        scheme, _, rest = self.base.partition("://")
        if not rest or "/" in scheme:
            return self.base
        if href.startswith("/") and not href.startswith("//"):
            return f"{scheme}://{rest.split('/', 1)[0]}/"
        for prefix in ("http://", "https://"):
            if href.startswith(prefix) and href[len(prefix) : len(prefix) + 1] not in "/?#":
                return f"{scheme}://base.invalid/"
        return self.base

    @cached_property
    def scripts(self) -> list[str]:
        """The text of the page's inline scripts."""
        if self.tree is None:
            return []
        return [s.text or "" for s in self.tree.iter("script") if (s.text or "").strip()]

    @cached_property
    def values(self) -> dict[str, str]:
        """The values the page's scripts assign to names (`var countPage = 5;`)."""
        return script_values(self.scripts)

    @cached_property
    def data(self) -> Any:
        """The page parsed as JSON (a JSON list answer); DiscoveryError when it is not."""
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise DiscoveryError("json", f"not JSON: {exc}") from None


@functools.lru_cache(maxsize=65536)  # a site's pages repeat the same links
def _join(base: str, href: str) -> str:
    return urljoin(base, href)


_ASSIGNMENT = re.compile(
    r"""(?:^|[;{},(]|\b(?:var|let|const)\b)\s*([A-Za-z_$][\w$]*)\s*=\s*"""
    r"""(?:(-?\d+)|'([^']*)'|"([^"]*)")""",
    re.MULTILINE,
)


def script_values(scripts: list[str]) -> dict[str, str]:
    """`var name = 5;`, `name = "x"` assignments in a page's scripts (first one wins)."""
    found: dict[str, str] = {}
    for script in scripts:
        for name, value in _assignments(script):
            found.setdefault(name, value)
    return found


@functools.lru_cache(maxsize=1024)  # a site's pages repeat the same scripts
def _assignments(script: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, number or single or double)
        for name, number, single, double in _ASSIGNMENT.findall(script)
    )
