"""Find a page's main text block, title, date text and <meta> values.

Without profile selectors the main block is found by text density, link density and tag
structure (a readability-style score tuned for Chinese punctuation), not by class names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector, SelectorError

from crawler.errors import ExtractError

logger = logging.getLogger(__name__)

__all__ = ["Extracted", "Selectors", "extract"]


@dataclass(frozen=True)
class Selectors:
    """Profile-provided CSS selectors; any may be None."""

    body: str | None = None
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Extracted:
    """What a page holds: title, main text (one line per block), date text, meta values."""

    title: str | None
    text: str
    date_text: str | None
    meta: dict[str, str] = field(default_factory=dict)


# Elements never holding body text.
_DROP_ALWAYS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "input", "select", "option", "button", "textarea", "link", "meta", "rt", "rp", "map",
    "audio", "video", "head",
)  # fmt: skip
# Page furniture by HTML5 semantics.
_DROP_FURNITURE = ("nav", "footer", "aside", "menu", "dialog")
_BLOCK = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "caption",
    ]
)
_CELL = frozenset(("td", "th"))
_TAG_PRIOR = {
    "div": 5.0, "article": 8.0, "main": 5.0, "section": 3.0, "td": 3.0, "pre": 3.0,
    "blockquote": 3.0, "form": -3.0, "ol": -3.0, "ul": -3.0, "dl": -3.0, "li": -3.0,
    "dd": -3.0, "dt": -3.0, "address": -3.0, "th": -5.0,
    "h1": -5.0, "h2": -5.0, "h3": -5.0, "h4": -5.0, "h5": -5.0, "h6": -5.0,
}  # fmt: skip
# Generic names of page furniture (readability's "unlikely candidates", plus Chinese-site
# habits such as share/print toolbars); used only for small or link-heavy elements.
_UNLIKELY = re.compile(
    r"breadcrumb|crumb|banner|combx|comment|community|disqus|footer|foot\b|header|menu|"
    r"related|relate|remark|replies|rss|shoutbox|sidebar|side-?bar|skyscraper|social|sponsor|"
    r"share|bdshare|jiathis|print|toolbar|tools?\b|pagination|pager|popup|login|hot|recommend|"
    r"tuijian|xgwz|ad-|advert|position|location|weizhi|nav",
    re.I,
)
_MAYBE = re.compile(r"article|body|content|main|text|detail|zoom|editor|news_?con|column", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_PUNCT = re.compile(r"[，。、；：！？,;!?]")
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_TITLE_HINT = re.compile(r"title|biaoti|headline|tit\b", re.I)
_TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-–—]+\s+|\s*——\s*|\s*--\s*")
_LINE = "\n"
_WORDY = re.compile(r"[\u3400-\u9fffA-Za-z]")
_SITE_TAIL = re.compile(
    r"\s*[-–—|_｜]\s*[^-–—|_｜]{1,15}(网|网站|官网|门户|频道|委|局|政府|中心|百科|平台)\s*$"
)
_WEIGHTS = (1.0, 1.0, 0.5, 0.25)


@dataclass
class _Stats:
    """Per-element counts gathered in one bottom-up pass."""

    total: int = 0  # non-whitespace chars in the subtree
    link: int = 0  # of which inside <a>
    links: int = 0  # number of <a> elements
    punct: int = 0
    own: int = 0  # chars in the element's own text (text, inline children, tails)
    own_link: int = 0
    own_punct: int = 0
    score: float = 0.0


def _nsl(text: str | None) -> int:
    """Number of non-whitespace characters."""
    if not text:
        return 0
    return len(text) - sum(1 for ch in text if ch.isspace())


def _npunct(text: str | None) -> int:
    """Number of sentence punctuation marks."""
    return len(_PUNCT.findall(text)) if text else 0


def _tag(el: etree._Element) -> str:
    """Lower-case tag name, '' for comments and processing instructions."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _hints(el: etree._Element) -> str:
    """The class and id attributes joined, for name hints."""
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


def _parse(html: str) -> etree._Element:
    """Parse HTML text into an lxml document; ExtractError on nothing to parse."""
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        raise ExtractError("empty page")
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparsable HTML: {exc}") from exc


def _meta(doc: etree._Element) -> dict[str, str]:
    """<meta name=/property=> values, keys lower-cased; first occurrence wins."""
    meta: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = el.get("name") or el.get("property")
        content = el.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), content.strip())
    return meta


def _page_title(doc: etree._Element) -> str | None:
    """Text of <title>, whitespace collapsed."""
    for el in doc.iter("title"):
        text = _collapse(el.text_content())
        if text:
            return text
    return None


def strip_site_suffix(title: str) -> str:
    """'报告标题_XX卫健委' / '报告标题 - 某某网' → '报告标题' (the longest part wins)."""
    title = _SITE_TAIL.sub("", title.strip()) or title.strip()
    parts = [p.strip() for p in _TITLE_SPLIT.split(title) if p and p.strip()]
    if len(parts) < 2:
        return title.strip()
    best = parts[0]
    for part in parts[1:]:
        if _nsl(part) > _nsl(best):
            best = part
    return best


def _collapse(text: str) -> str:
    """Collapse runs of spaces and strip."""
    return _SPACES.sub(" ", text).strip()


def _remove(el: etree._Element) -> None:
    """Remove an element but keep its tail text."""
    if el.getparent() is not None:
        el.drop_tree()


def _strip_noise(doc: etree._Element) -> None:
    """Drop comments, scripts, ruby annotations, form controls and hidden elements."""
    etree.strip_elements(doc, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(doc.iter(*_DROP_ALWAYS)):
        _remove(el)
    for el in list(doc.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.get("hidden") is not None or _HIDDEN.search(el.get("style", "")):
            _remove(el)


def _strip_furniture(doc: etree._Element) -> None:
    """Drop nav/footer/aside, and <header> blocks outside articles that hold no <h1>."""
    for el in list(doc.iter(*_DROP_FURNITURE)):
        _remove(el)
    for el in list(doc.iter("header")):
        inside = any(_tag(a) in ("article", "main") for a in el.iterancestors())
        if not inside and next(el.iter("h1"), None) is None:
            _remove(el)


def _gather(doc: etree._Element) -> dict[etree._Element, _Stats]:
    """Counts for every element, children before parents."""
    stats: dict[etree._Element, _Stats] = {}
    for el in reversed(list(doc.iter())):
        if not isinstance(el.tag, str):
            continue
        st = _Stats()
        head = el.text
        st.total = st.own = _nsl(head)
        st.punct = st.own_punct = _npunct(head)
        is_link = _tag(el) == "a"
        for child in el:
            tail = child.tail
            tail_len, tail_punct = _nsl(tail), _npunct(tail)
            cs = stats.get(child)
            st.total += tail_len
            st.punct += tail_punct
            st.own += tail_len
            st.own_punct += tail_punct
            if cs is None:
                continue
            st.total += cs.total
            st.link += cs.link
            st.links += cs.links
            st.punct += cs.punct
            if _tag(child) not in _BLOCK and _tag(child) not in _CELL:
                st.own += cs.total
                st.own_link += cs.link
                st.own_punct += cs.punct
        if is_link:
            st.link = st.total
            st.links += 1
            st.own_link = st.own
        stats[el] = st
    return stats


def _link_density(st: _Stats) -> float:
    """Share of the text that sits inside links."""
    return st.link / st.total if st.total else 0.0


def _unlikely(el: etree._Element, st: _Stats, page_total: int) -> bool:
    """True for small or link-heavy elements named like furniture (share, related, pager…)."""
    hints = _hints(el)
    if not hints or not _UNLIKELY.search(hints) or _MAYBE.search(hints):
        return False
    if _tag(el) in ("body", "html", "article", "main", "a"):
        return False
    return st.total < 0.3 * page_total or _link_density(st) > 0.5


def _strip_unlikely(doc: etree._Element) -> None:
    """Remove furniture named by class/id hints, guarding elements holding most text."""
    stats = _gather(doc)
    body = doc.find("body")
    page_total = stats[body].total if body is not None and body in stats else 0
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        st = stats.get(el)
        if st is not None and _unlikely(el, st, page_total):
            _remove(el)


def _score(
    stats: dict[etree._Element, _Stats],
) -> tuple[list[etree._Element], dict[etree._Element, float]]:
    """Score paragraphs by length and punctuation, add to ancestors; candidates best first."""
    scores: dict[etree._Element, float] = {}
    for el, st in stats.items():
        tag = _tag(el)
        if (tag not in _BLOCK and tag not in _CELL) or tag in ("html", "body"):
            continue
        if st.own < 12 or st.own_link > 0.5 * st.own:
            continue
        if st.own < 25 and st.own_punct == 0:
            continue
        points = 1.0 + st.own_punct + min(st.own / 80.0, 4.0)
        for weight, anc in zip(_WEIGHTS, _self_and_ancestors(el), strict=False):
            if _tag(anc) == "html":
                break
            if anc not in scores:
                scores[anc] = _TAG_PRIOR.get(_tag(anc), 0.0)
            scores[anc] += points * weight
    for el in scores:
        scores[el] *= 1.0 - _link_density(stats[el])
    return sorted(scores, key=lambda e: scores[e], reverse=True), scores


def _self_and_ancestors(el: etree._Element) -> Iterator[etree._Element]:
    """The element, then its ancestors upwards."""
    yield el
    yield from el.iterancestors()


def _main_nodes(
    top: etree._Element, scores: dict[etree._Element, float], stats: dict[etree._Element, _Stats]
) -> list[etree._Element]:
    """The top candidate plus siblings that look like part of the same text."""
    parent = top.getparent()
    if parent is None:
        return [top]
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    nodes = []
    for sib in parent:
        if not isinstance(sib.tag, str):
            continue
        if sib is top:
            nodes.append(sib)
            continue
        st = stats.get(sib)
        if st is None or st.total == 0:
            continue
        density = _link_density(st)
        good_score = scores.get(sib, 0.0) >= threshold and density < 0.4
        if good_score or (st.own > 60 and density < 0.25 and st.own_punct >= 2):
            nodes.append(sib)
    return nodes


def _heading_text(el: etree._Element) -> str:
    """Collapsed text of a heading element."""
    return _collapse(el.text_content())


def _find_title(
    doc: etree._Element, nodes: list[etree._Element], page_title: str | None
) -> etree._Element | None:
    """The heading nearest above the main block (or atop it), preferring <title> matches."""
    order = {el: i for i, el in enumerate(doc.iter())}
    start = order.get(nodes[0], 0)
    first_text = _first_text_index(nodes[0], order)
    norm_page = re.sub(r"\s+", "", page_title or "")
    best: tuple[float, etree._Element] | None = None
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = _tag(el)
        is_heading = tag in ("h1", "h2", "h3")
        hinted = tag not in ("a", "title", "html", "body") and bool(_TITLE_HINT.search(_hints(el)))
        if not (is_heading or hinted):
            continue
        idx = order[el]
        if idx > first_text:
            break
        text = _heading_text(el)
        size = len(_WORDY.findall(text))
        if size < 2 or _nsl(text) > 120:
            continue
        compact = re.sub(r"\s+", "", text)
        score = {"h1": 3.0, "h2": 2.0, "h3": 1.0}.get(tag, 1.5)
        if norm_page and (compact in norm_page or norm_page in compact):
            score += 6.0
        elif size < 4:
            continue
        # Nearer to the main block is better; a heading far above is likely site chrome.
        score -= min(abs(start - idx) / 50.0, 4.0)
        if best is None or score >= best[0]:
            best = (score, el)
    if best is None or best[0] < -1.0:
        return None
    return best[1]


def _first_text_index(node: etree._Element, order: dict[etree._Element, int]) -> int:
    """Document index of the first descendant of node holding substantial own text."""
    for el in node.iter():
        if isinstance(el.tag, str) and _nsl(el.text) >= 20:
            return order.get(el, order.get(node, 0))
    return order.get(node, 0)


def _lines(nodes: Iterable[etree._Element], skip: set[etree._Element]) -> str:
    """Text of nodes: one line per block, <br> as a break, table cells space-separated."""
    out: list[str] = []
    for node in nodes:
        _walk(node, out, skip)
        out.append(_LINE)
    lines = (_collapse(line) for line in "".join(out).split(_LINE))
    return _LINE.join(line for line in lines if line)


def _walk(el: etree._Element, out: list[str], skip: set[etree._Element]) -> None:
    """Append the text of el to out with line markers (recursive)."""
    tag = _tag(el)
    if el in skip or not tag:
        return
    if tag == "br":
        out.append(_LINE)
        return
    block = tag in _BLOCK
    if block:
        out.append(_LINE)
    elif tag in _CELL:
        out.append(" ")
    if el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out, skip)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append(_LINE)
    elif tag in _CELL:
        out.append(" ")


def _link_blocks(
    nodes: list[etree._Element], stats: dict[etree._Element, _Stats]
) -> set[etree._Element]:
    """Link lists inside the main block (related articles, pagers, share bars)."""
    skip: set[etree._Element] = set()
    for node in nodes:
        for el in node.iter():
            if el is node or not isinstance(el.tag, str):
                continue
            st = stats.get(el)
            if st is None or st.links < 2 or _tag(el) not in _BLOCK:
                continue
            if _link_density(st) > 0.6 and st.punct <= st.links:
                skip.add(el)
    return skip


def _select(doc: etree._Element, selector: str | None) -> list[etree._Element]:
    """Elements matching a CSS selector; ExtractError if the selector is invalid."""
    if not selector:
        return []
    try:
        return CSSSelector(selector)(doc)
    except SelectorError as exc:
        raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc


def _general(doc: etree._Element) -> tuple[list[etree._Element], dict[etree._Element, _Stats]]:
    """Main-block nodes found by density scoring."""
    _strip_furniture(doc)
    _strip_unlikely(doc)
    stats = _gather(doc)
    ranked, scores = _score(stats)
    if not ranked:
        body = doc.find("body")
        return ([body] if body is not None else [doc]), stats
    return _main_nodes(ranked[0], scores, stats), stats


def extract(html: str, url: str | None = None, selectors: Selectors | None = None) -> Extracted:
    """Title, main text, date text and meta values of an HTML page."""
    doc = _parse(html)
    meta = _meta(doc)
    page_title = _page_title(doc)
    _strip_noise(doc)
    selectors = selectors or Selectors()

    date_text = None
    date_hits = _select(doc, selectors.date)
    if date_hits:
        date_text = _collapse(date_hits[0].text_content()) or None

    title = None
    title_hits = _select(doc, selectors.title)
    if title_hits:
        title = _collapse(title_hits[0].text_content()) or None

    text = ""
    body_hits = _select(doc, selectors.body)
    if body_hits:
        text = _lines(body_hits, set())
        if not text:
            logger.debug("body selector %r matched no text on %s", selectors.body, url)
    if not text:
        nodes, stats = _general(doc)
        heading = _find_title(doc, nodes, page_title)
        skip = _link_blocks(nodes, stats)
        if heading is not None:
            skip.add(heading)
            if title is None:
                title = _heading_text(heading)
        text = _lines(nodes, skip)
        if not text:
            body = doc.find("body")
            text = _lines([body if body is not None else doc], set())
    if title is None and page_title:
        title = strip_site_suffix(page_title) or None
    if not text:
        raise ExtractError(f"no text found in page {url or ''}".strip())
    return Extracted(title=title, text=text, date_text=date_text, meta=meta)
