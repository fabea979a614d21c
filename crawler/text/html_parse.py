"""Parse HTML text into an lxml document with bounded work, and walk the tree it gives.

Characters libxml2 refuses are stripped, a page nested deeper than the parser allows is
flattened (its text kept, its deepest structure dropped), and a huge page is cut after
its first elements. Also here: what a tag adds to the text layout (block tags break lines,
table cells are spaced) and the small tree helpers the extraction modules share.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator

from lxml import etree

from crawler.text.errors import ExtractError

logger = logging.getLogger(__name__)

Element = etree._Element

BLOCK = frozenset((
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
))  # fmt: skip
_CELL = frozenset(("td", "th"))
LINE = "\n"
# What the start and end of an element add to the text.
MARKS = dict.fromkeys(BLOCK, LINE) | dict.fromkeys(_CELL, " ")
_VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
))  # fmt: skip
# Open elements that a start tag implicitly closes (<li> ends an open <li>, ...).
_CLOSED_BY = {
    "p": ("p",), "li": ("li", "p"), "dt": ("dt", "dd", "p"), "dd": ("dt", "dd", "p"),
    "td": ("td", "th", "p"), "th": ("td", "th", "p"), "tr": ("tr", "td", "th", "p"),
    "option": ("option",),
}  # fmt: skip
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Characters libxml2 refuses: C0 controls other than tab/newline/return, and surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+")
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^<>]*>")
_MAX_DEPTH = 128  # deeper nesting is flattened (text kept, structure dropped)
_MAX_ELEMENTS = 150_000  # nodes looked at in a page; the rest of a huge page is ignored


# -- parsing ----------------------------------------------------------------------------


def parse(html: str) -> Element:
    """Parse HTML text into an lxml document; ExtractError on nothing to parse.

    The document holds elements and text only (no comments or processing instructions).
    Work is bounded: a page nested deeper than _MAX_DEPTH is flattened, and only the first
    _MAX_ELEMENTS nodes of a huge page are kept.
    """
    html = _XML_DECL.sub("", html, count=1)
    if _has_bad_chars(html):
        html = _BAD_CHARS.sub("", html)
    if not html.strip():
        raise ExtractError("empty page")
    doc, too_deep = _parse_markup(html)
    _bound(doc)
    if too_deep or _deeper_than(doc, _MAX_DEPTH):
        logger.debug("page nested deeper than %d levels; flattening it", _MAX_DEPTH)
        doc, _ = _parse_markup(_flatten(html))
        _bound(doc)
    return doc


_C0 = bytes(c for c in range(32) if c not in (9, 10, 13))


def _has_bad_chars(html: str) -> bool:
    """Whether `html` holds a character of _BAD_CHARS (a quick scan of its UTF-8 bytes)."""
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return (
        len(data.translate(None, _C0)) != len(data)
        or b"\xef\xbf\xbe" in data  # U+FFFE
        or b"\xef\xbf\xbf" in data  # U+FFFF
    )


def _deeper_than(doc: Element, limit: int) -> bool:
    """True when some element of doc is nested more than `limit` levels deep."""
    # an element `limit` levels below the root, walked by libxml2 (the root is level 1)
    return bool(doc.xpath(f"boolean({'/'.join(['*'] * limit)})"))


def _bound(doc: Element) -> None:
    """Cut a huge document after its first _MAX_ELEMENTS nodes, so that work stays bounded."""
    last = next(itertools.islice(doc.iter(), _MAX_ELEMENTS, None), None)
    if last is None:
        return
    logger.warning("page has more than %d elements; ignoring the rest", _MAX_ELEMENTS)
    for child in list(last):
        last.remove(child)
    for node in self_and_ancestors(last):
        parent = node.getparent()
        if parent is None:
            break
        for sib in list(node.itersiblings()):
            parent.remove(sib)


def _parse_markup(html: str) -> tuple[Element, bool]:
    """The parsed document and whether the parser stopped at its nesting limit."""
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        doc = etree.fromstring(html, parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparsable HTML: {exc}") from exc
    if doc is None:
        raise ExtractError("no HTML elements in page")
    too_deep = any(err.type_name == "ERR_RESOURCE_LIMIT" for err in parser.error_log)
    return doc, too_deep


def _flatten(html: str, limit: int = _MAX_DEPTH) -> str:
    """The markup with tags nested deeper than `limit` dropped (blocks become <br>).

    Nesting is tracked roughly as a browser would: end tags close the nearest open element
    of their name, and an unclosed <p>, <li> or <td> is closed by the next one.
    """
    parts: list[str] = []
    open_tags: list[str] = []
    dropped: Counter[str] = Counter()
    pos = 0
    for match in _TAG_TOKEN.finditer(html):
        name = match.group(2).lower()
        if name in _VOID or match.group(0).endswith("/>"):
            continue
        if match.group(1):
            keep = _close(open_tags, name, dropped)
        else:
            while open_tags and open_tags[-1] in _CLOSED_BY.get(name, ()):
                open_tags.pop()
            keep = len(open_tags) < limit
            if keep:
                open_tags.append(name)
            else:
                dropped[name] += 1
        if not keep:
            between = html[pos : match.start()]
            parts.append(between)
            if name in MARKS and between.strip():
                parts.append("<br>")
            pos = match.end()
    parts.append(html[pos:])
    return "".join(parts)


def _close(open_tags: list[str], name: str, dropped: Counter[str]) -> bool:
    """Apply an end tag to the open-element stack; False when it must be dropped."""
    if dropped[name]:
        dropped[name] -= 1
        return False
    for i in range(len(open_tags) - 1, max(len(open_tags) - 12, -1), -1):
        if open_tags[i] == name:
            del open_tags[i:]
            return True
    return False


# -- walking the tree -------------------------------------------------------------------


def elements(doc: Element) -> Iterator[Element]:
    """Elements of doc in document order (no comments or processing instructions)."""
    return doc.iter(etree.Element)


def self_and_ancestors(el: Element) -> Iterator[Element]:
    """The element, then its ancestors upwards."""
    yield el
    yield from el.iterancestors()


def hints(el: Element) -> str:
    """The class and id attributes joined, for name hints."""
    return f"{el.get('class', '')} {el.get('id', '')}".strip()
