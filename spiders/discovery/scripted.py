"""Lists that only a browser can read: a list container still empty in the page as served,
filled by a script's XHR or fetch that no recogniser understood.

`needs_browser` is the test for `render = "auto"`: an HTML page whose scripts call the
network (`fetch(`, `XMLHttpRequest`, `$.ajax`, `axios`…), with an empty list (a `<ul>`,
`<ol>`, `<tbody>` or list-named block without a link, or a "数据加载中" placeholder), and from
which no recogniser of script-written lists (TRS, Hanweb, a list API) found anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spiders.discovery.found import Found
from spiders.discovery.page import Page

SCRIPT_LIST_RECOGNISERS = {"trs-pages", "hanweb-proxy", "hanweb-records", "script-api", "json"}
_NETWORK = re.compile(
    r"fetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|post|getJSON)\b|axios\b|\.load\s*\(|new\s+Vue\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"加载中|正在加载|loading", re.IGNORECASE)
_LIST_NAME = re.compile(r"list|news|article|data|content|item|tab|lb|xxgk", re.IGNORECASE)


def _empty_lists(page: Page) -> bool:
    for element in page.tree.iter("ul", "ol", "tbody", "div", "table"):
        if element.tag == "div" or element.tag == "table":
            named = f"{element.get('id') or ''} {element.get('class') or ''}"
            if not _LIST_NAME.search(named):
                continue
        if next(element.iter("a"), None) is None and len(element.text_content().strip()) < 40:
            return True
    return False


def needs_browser(page: Page, found: Iterable[Found]) -> str | None:
    """Why `page` should be rendered in a browser, or None when it need not be."""
    if page.kind != "html" or page.tree is None:
        return None
    if any(f.how in SCRIPT_LIST_RECOGNISERS for f in found):
        return None
    if not any(_NETWORK.search(script) for script in page.scripts):
        return None
    body = page.tree.find("body")
    placeholder = body is not None and _PLACEHOLDER.search(body.text_content() or "")
    if placeholder or _empty_lists(page):
        return "a list filled by a script"
    return None
