"""Links an HTML page names itself: anchors, frames, meta refresh, and URLs in `onclick`
handlers and `javascript:` links (`downloadFile('…docx')`, `window.open('…')`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from spiders.discovery.found import Found
from spiders.discovery.page import Page

# a quoted string in a script that is a path or URL to a page or a file
_QUOTED_URL = re.compile(
    r"""['"]((?:https?://|/|\.\.?/)?[^'"\s<>(){};,]+?"""
    r"""\.(?:s?html?|jsp|aspx?|php|docx?|pdf|wps|xlsx?|txt|zip)(?:\?[^'"\s<>]*)?)['"]""",
    re.IGNORECASE,
)
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
_NOT_PAGES = ("javascript:", "mailto:", "tel:", "#", "data:", "about:")


def _text(element: object) -> str:
    return " ".join(element.text_content().split())  # type: ignore[attr-defined]


def anchors(page: Page) -> Iterator[Found]:
    """`<a href>` and `<area href>`, against `<base href>`."""
    if page.tree is None:
        return
    for element in page.tree.iter("a", "area"):
        href = (element.get("href") or "").strip()
        if href and not href.lower().startswith(_NOT_PAGES):
            yield Found(page.absolute(href), "a", _text(element) or element.get("title"))


def frames(page: Page) -> Iterator[Found]:
    """`<iframe src>` and `<frame src>`: part of the page, so followed as its list."""
    if page.tree is None:
        return
    for element in page.tree.iter("iframe", "frame"):
        src = (element.get("src") or "").strip()
        if src and not src.lower().startswith(_NOT_PAGES):
            yield Found(page.absolute(src), "frame", list=True)


def scripted(page: Page) -> Iterator[Found]:
    """URLs in `onclick` handlers and `javascript:` hrefs."""
    if page.tree is None:
        return
    for element in page.tree.xpath(
        "//*[@onclick or starts-with(normalize-space(@href), 'javascript:')]"
    ):
        code = f"{element.get('onclick') or ''} {element.get('href') or ''}"
        for url in _QUOTED_URL.findall(code):
            yield Found(page.absolute(url), "onclick", _text(element) or None)


def meta_refresh(page: Page) -> Iterator[Found]:
    """`<meta http-equiv="refresh" content="0; url=…">`."""
    if page.tree is None:
        return
    for element in page.tree.iter("meta"):
        if (element.get("http-equiv") or "").lower() == "refresh":
            match = _REFRESH.search(element.get("content") or "")
            if match:
                yield Found(page.absolute(match.group(1)), "meta-refresh")
