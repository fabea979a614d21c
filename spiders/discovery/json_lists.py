"""Lists filled by XHR: the JSON API a page's script calls, and the links in its answers.

A list page with an empty `<ul>` ("数据加载中……") names its API in a script
(`/api/cms/content/list?channelId=1024&page=1&size=15`); the answer holds the items
(`{"data": {"list": [{"title", "url", "publishDate"}], "totalPage": 7}}`): every field
that names a URL is a link, with the item's title as its text, and the other pages of the
list are asked for by the page parameter up to the total.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from spiders.discovery.found import DiscoveryError, Found
from spiders.discovery.page import Page

MAX_PAGES = 1000  # pages of one JSON list asked for at most
URL_KEYS = {
    "url", "link", "href", "path", "linkurl", "docurl", "fileurl", "pageurl", "articleurl",
    "detailurl", "docpuburl", "puburl", "fileaddr", "downloadurl",
}  # fmt: skip
TITLE_KEYS = ("title", "name", "doctitle", "subject", "filename")
TOTAL_KEYS = {"totalpage", "totalpages", "pagecount", "pages", "pagetotal", "totalpagenum"}
PAGE_PARAMS = ("page", "pageNo", "pageNum", "pageIndex", "currentPage", "pageNumber", "p")

# a quoted URL in a script that looks like a list API: a JSON file or a path naming a
# list, a query or an API (never a script, a style sheet or an image)
_API = re.compile(
    r"""['"]((?:https?://[^'"\s]+?|/[^'"\s]*?)"""
    r"""(?:\.json|/api/|[/_](?:list|query|search|getlist|getList|channel|articles?)\b)"""
    r"""[^'"\s]*)['"]"""
)
_NOT_API = re.compile(r"\.(js|css|png|jpe?g|gif|svg|ico|woff2?)(\?|$)", re.IGNORECASE)


def script_apis(page: Page) -> Iterator[Found]:
    """The list APIs an HTML page's scripts call."""
    seen: set[str] = set()
    for script in page.scripts:
        for url in _API.findall(script):
            if _NOT_API.search(url) or "dataproxy.jsp" in url or url in seen:
                continue
            seen.add(url)
            yield Found(page.absolute(url), "script-api", list=True)


def links(page: Page) -> Iterator[Found]:
    """The URLs of a JSON answer's items, and the list's other pages."""
    if page.kind != "json":
        return
    data = page.data
    total: list[int] = []
    for url, text in _walk(data, total):
        yield Found(page.absolute(url), "json", text)
    if total:
        yield from _other_pages(page, max(total))


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"(https?://|/|\.\.?/)[^\s<>]*$", value)) and len(value) < 2000


def _walk(data: Any, total: list[int], depth: int = 0) -> Iterator[tuple[str, str | None]]:
    if depth > 20:
        raise DiscoveryError("json", "JSON nested more than 20 levels")
    if isinstance(data, list):
        for value in data:
            yield from _walk(value, total, depth + 1)
        return
    if not isinstance(data, dict):
        return
    title = next((str(data[k]) for k in data if k.lower() in TITLE_KEYS and data[k]), None)
    for key, value in data.items():
        lower = str(key).lower()
        if isinstance(value, str) and lower in URL_KEYS and _looks_like_url(value.strip()):
            yield value.strip(), title
        elif lower in TOTAL_KEYS and isinstance(value, int | str) and str(value).isdigit():
            total.append(int(value))
        elif isinstance(value, dict | list):
            yield from _walk(value, total, depth + 1)


def _other_pages(page: Page, total: int) -> Iterator[Found]:
    """From the first page of a list, the URLs of pages 2 to `total`."""
    parts = urlsplit(page.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [k for k, _ in query]
    param = next((p for p in PAGE_PARAMS if p in names), None)
    if param is None:
        return
    current = dict(query)[param]
    if not current.isdigit() or int(current) > 1:  # pages are asked for from the first
        return
    first = int(current)  # 0- or 1-based
    last = first + min(total, MAX_PAGES) - 1
    for n in range(first + 1, last + 1):
        new = [(k, str(n) if k == param else v) for k, v in query]
        yield Found(urlunsplit(parts._replace(query=urlencode(new))), "json", list=True)
