"""Lists filled by XHR: the JSON API a page's script calls, and the links in its answers.

A list page with an empty `<ul>` ("数据加载中……") names its API in a script
(`/api/cms/content/list?channelId=1024&page=1&size=15`); the answer holds the items
(`{"data": {"list": [{"title", "url", "publishDate"}], "totalPage": 7}}`): every field
that names a URL is a link, with the item's title as its text, and the other pages of the
list are asked for by the page parameter up to the total.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from spiders.discovery.found import DiscoveryError, Found
from spiders.discovery.page import Page

URL_ENDINGS = ("url", "link", "href", "path", "addr")  # linkUrl, docPubUrl, jumpUrl, filePath…
NOT_PAGES = ("img", "pic", "image", "thumb", "cover", "icon", "logo", "avatar", "photo", "video")
TITLE_KEYS = ("title", "name", "doctitle", "articletitle", "infotitle", "subject", "filename")
TOTAL_PAGE_KEYS = {"totalpage", "totalpages", "pagecount", "pages", "pagetotal", "totalpagenum",
                   "total_page", "totalpagecount"}  # fmt: skip
TOTAL_RECORD_KEYS = {"total", "totalcount", "totalrecord", "totalrecords", "recordcount",
                     "totalelements", "totalnum", "total_count"}  # fmt: skip
PAGE_PARAMS = ("page", "pageNo", "pageNum", "pageIndex", "currentPage", "curPage", "current",
               "pageNumber", "pn", "p")  # fmt: skip
SIZE_PARAMS = ("size", "pageSize", "rows", "limit", "perPage", "perpage", "pagesize", "ps")

# a URL that looks like a list API: a JSON file or a path naming a list, a query or an API
# (never a script, a style sheet or an image)
_API = re.compile(
    r"""^(?:https?://[^\s'"<>]+?|/[^\s'"<>]*?)"""
    r"""(?:\.json|/api/|list|query|search|page|channel|article)""",
    re.IGNORECASE,
)
_NOT_API = re.compile(r"\.(js|css|png|jpe?g|gif|svg|ico|woff2?)(\?|$)", re.IGNORECASE)
_TOKEN = re.compile(
    r"""'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`$]*)`|(\+)|([A-Za-z_$][\w$.]*)|(\s+)|(.)"""
)
_POST = re.compile(r"""(?:type|method)\s*:\s*['"]post['"]""", re.IGNORECASE)
_DATA = re.compile(r"data\s*:\s*\{([^{}]*)\}", re.DOTALL)
_PAIR = re.compile(
    r"""['"]?([A-Za-z_$][\w$]*)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|(-?\d+)|([A-Za-z_$][\w$.]*))"""
)


def _value_of(name: str, values: dict[str, str]) -> str:
    """A variable's value; a page number not assigned anywhere is the first page."""
    if name in values:
        return values[name]
    last = name.rsplit(".", 1)[-1]
    return "1" if last in PAGE_PARAMS or last.lower() in ("pageno", "pagenum", "page") else ""


def script_strings(script: str, values: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The strings a script builds, concatenations resolved with the variables' values
    (`"/api/list?channelId=" + channelId + "&page=" + page`), each with its position."""
    current: str | None = None
    start = 0
    joining = False
    for match in _TOKEN.finditer(script):
        single, double, template, plus, name, space, _other = match.groups()
        literal = single if single is not None else double if double is not None else template
        if space is not None:
            continue
        if literal is not None:
            if current is not None and joining:
                current += literal
            else:
                if current is not None:
                    yield current, start
                current, start = literal, match.start()
            joining = False
        elif plus is not None and current is not None:
            joining = True
        elif name is not None and joining and current is not None:
            current += _value_of(name, values)
            joining = False
        else:
            if current is not None:
                yield current, start
            current, joining = None, False
    if current is not None:
        yield current, start


def _enclosing_object(script: str, at: int) -> str:
    """The `{…}` literal around position `at` (a call's options), or ""."""
    depth, start = 0, -1
    for i in range(at, max(0, at - 2000) - 1, -1):
        if script[i] == "}":
            depth += 1
        elif script[i] == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    if start < 0:
        return ""
    depth = 0
    for j in range(start, min(len(script), start + 4000)):
        if script[j] == "{":
            depth += 1
        elif script[j] == "}":
            depth -= 1
            if depth == 0:
                return script[start : j + 1]
    return ""


def _form_near(script: str, at: int, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The POST form of the call whose options hold position `at` (`type: 'post', data:
    {…}`), or () for a GET."""
    window = _enclosing_object(script, at)
    if not _POST.search(window):
        return ()
    data = _DATA.search(window)
    if data is None:
        return ()
    pairs = []
    for key, single, double, number, name in _PAIR.findall(data.group(1)):
        value = single or double or number
        if name and not (single or double or number):
            value = _value_of(name, values)
        pairs.append((key, value))
    return tuple(pairs)


def script_apis(page: Page) -> Iterator[Found]:
    """The list APIs an HTML page's scripts call (GET, or POST with the form they send)."""
    values = tuple(sorted(page.values.items()))
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for script in page.scripts:
        for url, form in _apis_of(script, values):
            if (url, form) not in seen:
                seen.add((url, form))
                yield Found(page.absolute(url), "script-api", list=True, form=form)


@functools.lru_cache(maxsize=1024)  # a site's pages repeat the same scripts
def _apis_of(
    script: str, values: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(URL, POST form) of each list API one script calls, with the page's values."""
    named = dict(values)
    found = []
    for text, at in script_strings(script, named):
        url = text.strip()
        if not _API.match(url) or _NOT_API.search(url) or "dataproxy.jsp" in url:
            continue
        found.append((url, _form_near(script, at, named)))
    return tuple(found)


def links(page: Page) -> Iterator[Found]:
    """The URLs of a JSON answer's items, and the list's other pages."""
    if page.kind != "json":
        return
    pages: list[int] = []
    records: list[int] = []
    for url, text in _walk(page.data, pages, records):
        yield Found(page.absolute(url), "json", text)
    total = max(pages) if pages else _pages_from_records(page, records)
    if total:
        yield from _other_pages(page, total)


def _is_url_key(key: str) -> bool:
    lower = key.lower()
    return lower.endswith(URL_ENDINGS) and not any(word in lower for word in NOT_PAGES)


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"(https?://|/|\.\.?/)[^\s<>]*$", value)) and len(value) < 2000


def _walk(
    data: Any, pages: list[int], records: list[int], depth: int = 0
) -> Iterator[tuple[str, str | None]]:
    if depth > 20:
        raise DiscoveryError("json", "JSON nested more than 20 levels")
    if isinstance(data, list):
        for value in data:
            yield from _walk(value, pages, records, depth + 1)
        return
    if not isinstance(data, dict):
        return
    title = next((str(data[k]) for k in data if str(k).lower() in TITLE_KEYS and data[k]), None)
    for key, value in data.items():
        lower = str(key).lower()
        if isinstance(value, str) and _is_url_key(str(key)) and _looks_like_url(value.strip()):
            yield value.strip(), title
        elif isinstance(value, int | str) and str(value).isdigit() and depth < 4:
            if lower in TOTAL_PAGE_KEYS:
                pages.append(int(value))
            elif lower in TOTAL_RECORD_KEYS:
                records.append(int(value))
        elif isinstance(value, dict | list):
            yield from _walk(value, pages, records, depth + 1)


def _params(page: Page) -> list[tuple[str, str]]:
    """The parameters the list was asked with: its POST form, else its query."""
    return list(page.form) if page.form else parse_qsl(urlsplit(page.url).query, True)


def _pages_from_records(page: Page, records: list[int]) -> int:
    """Pages from a record count and the page size the list was asked with."""
    params = dict(_params(page))
    size = next((params[p] for p in SIZE_PARAMS if p in params), "")
    if not records or not size.isdigit() or int(size) < 1:
        return 0
    return -(-max(records) // int(size))


def _other_pages(page: Page, total: int) -> Iterator[Found]:
    """From the first page of a list, pages 2 to `total` (by its page parameter)."""
    params = _params(page)
    names = [k for k, _ in params]
    param = next((p for p in PAGE_PARAMS if p in names), None)
    if param is None:
        return
    current = dict(params)[param]
    if not current.isdigit() or int(current) > 1:  # pages are asked for from the first
        return
    first = int(current)  # 0- or 1-based
    for n in range(first + 1, first + min(total, page.max_list_pages)):
        new = [(k, str(n) if k == param else v) for k, v in params]
        if page.form:
            yield Found(page.url, "json", list=True, form=tuple(new))
        else:
            parts = urlsplit(page.url)
            yield Found(urlunsplit(parts._replace(query=urlencode(new))), "json", list=True)
