"""Find a page's main text, title, date text and <meta> values.

Without profile selectors the main text is found by text density, link density and tag
structure (a readability-style score tuned for Chinese punctuation), and by repeated
structure (crawler.text.repeats): blocks built alike (posts, replies, answers) are taken
together, while repeated teasers for other pages are not text. The page is parsed by
crawler.text.html_parse and measured with the counts of crawler.text.page_stats.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from crawler.text.clean import is_byline
from crawler.text.errors import ExtractError
from crawler.text.html_parse import (
    BLOCK,
    LINE,
    MARKS,
    Element,
    elements,
    hints,
    parse,
    self_and_ancestors,
)
from crawler.text.page_stats import Key, Page, Stats, forget, gather, link_density, nsl
from crawler.text.repeats import (
    container,
    key_groups,
    outermost,
    repeated_blocks,
    replies,
    structural_keys,
    teaser_items,
    twins,
)
from crawler.text.tables import CELL, table_rows

logger = logging.getLogger(__name__)

__all__ = ["Extracted", "Selectors", "extract", "strip_site_suffix"]


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
    link_share: float = 0.0  # of the main text's characters, those inside links


# Elements never holding body text.
_DROP_ALWAYS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "input", "select", "option", "button", "textarea", "link", "meta", "rt", "rp", "map",
    "audio", "video", "head",
)  # fmt: skip
# Page furniture by HTML5 semantics.
_DROP_FURNITURE = ("nav", "footer", "aside", "menu", "dialog")
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
    r"tuijian|xgwz|ad-|advert|position|location|weizhi|nav|modal|player",
    re.I,
)
_MAYBE = re.compile(r"article|body|content|main|text|detail|zoom|editor|news_?con|column", re.I)
# Names of a lead or abstract, which is text even above the main block.
_SUMMARY = re.compile(r"summary|abstract|lead\b|intro\b|digest|excerpt|daodu|zhaiyao", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_TITLE_HINT = re.compile(r"title|biaoti|headline|tit\b", re.I)
_TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-–—]+\s+|\s*——\s*|\s*--\s*")
_WORDY = re.compile(r"[\u3400-\u9fffA-Za-z]")
_SITE_TAIL = re.compile(
    r"\s*[-–—|_｜]\s*[^-–—|_｜]{1,15}(网|网站|官网|门户|频道|委|局|政府|中心|百科|平台)\s*$"
)
_WEIGHTS = (1.0, 1.0, 0.5, 0.25)
_CELL_MARK = "\x1f"  # between a table row's cells until lines are collapsed
_FURNITURE_SHARE = 0.3  # furniture-named blocks holding less of the page than this go


# -- small helpers ----------------------------------------------------------------------


def _text(el: Element) -> str:
    """All text inside an element, whitespace collapsed."""
    return _collapse("".join(el.itertext()))


def _collapse(text: str) -> str:
    """Collapse runs of spaces and strip."""
    return _SPACES.sub(" ", text).strip()


def _remove(el: Element) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# -- metadata and title -----------------------------------------------------------------


def _meta(doc: Element) -> dict[str, str]:
    """<meta name=/property=> values, keys lower-cased; first occurrence wins."""
    meta: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = el.get("name") or el.get("property")
        content = el.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), content.strip())
    return meta


def _page_title(doc: Element) -> str | None:
    """Text of <title>, whitespace collapsed."""
    for el in doc.iter("title"):
        text = _text(el)
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
        if nsl(part) > nsl(best):
            best = part
    return best


# -- removing what is never text --------------------------------------------------------


def _strip_noise(doc: Element) -> None:
    """Drop scripts, ruby annotations, form controls and hidden elements."""
    for el in list(doc.iter(*_DROP_ALWAYS)):
        _remove(el)
    for el in doc.xpath("//*[@hidden or @style]"):
        if el.get("hidden") is not None or _HIDDEN.search(el.get("style") or ""):
            _remove(el)


def _strip_furniture(doc: Element) -> None:
    """Drop nav/footer/aside, and <header> blocks outside articles that hold no <h1>."""
    for el in list(doc.iter(*_DROP_FURNITURE)):
        _remove(el)
    for el in list(doc.iter("header")):
        inside = any(a.tag in ("article", "main") for a in el.iterancestors())
        if not inside and next(el.iter("h1"), None) is None:
            _remove(el)


def _strip_unlikely(doc: Element, stats: dict[Element, Stats], keys: dict[Element, Key]) -> None:
    """Remove furniture named by class/id hints, guarding blocks that hold much text.

    A block counts together with its repeated twins (same structural key): one comment is
    small, but a page whose comments hold most of its text is a discussion.
    """
    body = doc.find("body")
    page_total = stats[body].total if body is not None else 0
    named = [
        el
        for el in doc.xpath("//*[@class or @id]")
        if el in stats and el.tag not in ("body", "a", "article", "main")
        and _furniture_name(hints(el))
    ]  # fmt: skip
    key_total: Counter[Key] = Counter()  # text of the furniture-named blocks built alike
    for el in named:
        key_total[keys[el]] += stats[el].total
    for el in named:
        st = stats.get(el)  # None once an ancestor is gone
        if st is None or el.getparent() is None or _in_code(el):
            continue
        if key_total[keys[el]] < _FURNITURE_SHARE * page_total or link_density(st) > 0.5:
            forget(el, stats, keys)
            _remove(el)


@functools.lru_cache(maxsize=4096)
def _furniture_name(names: str) -> bool:
    """True for class/id names of furniture that do not also name content."""
    return bool(_UNLIKELY.search(names)) and not _MAYBE.search(names)


def _in_code(el: Element) -> bool:
    """True inside <pre> or <code>, where class names mark syntax, not furniture."""
    return any(a.tag in ("pre", "code") for a in el.iterancestors())


# -- measuring --------------------------------------------------------------------------


def _score(stats: dict[Element, Stats], skip: set[Element]) -> dict[Element, float]:
    """Score paragraphs by length and punctuation and add the points to their ancestors."""
    scores: dict[Element, float] = {}
    for el, st in stats.items():
        if st.own < 12 or st.own_link > 0.5 * st.own or (st.own < 25 and st.own_punct == 0):
            continue
        tag = el.tag
        if tag not in MARKS or tag in ("html", "body") or el in skip:
            continue
        points = 1.0 + st.own_punct + min(st.own / 80.0, 4.0)
        for weight, anc in zip(_WEIGHTS, self_and_ancestors(el), strict=False):
            if anc.tag == "html":
                break
            if anc not in scores:
                scores[anc] = _TAG_PRIOR.get(anc.tag, 0.0)
            scores[anc] += points * weight
    for el in scores:
        scores[el] *= 1.0 - link_density(stats[el])
    return scores


def _measure(doc: Element) -> Page:
    """Strip furniture, score what is left, and score it again without teaser lists."""
    _strip_furniture(doc)
    stats = gather(doc)
    keys = structural_keys(doc)
    _strip_unlikely(doc, stats, keys)
    scores = _score(stats, set())
    groups = key_groups(scores, keys)
    teasers = [item for members in groups.values() for item in teaser_items(members)]
    if teasers:
        scores = _score(stats, {el for item in teasers for el in item.iter()})
        groups = key_groups(scores, keys)
    order = {el: i for i, el in enumerate(elements(doc))}
    return Page(doc, stats, keys, scores, order, groups)


# -- choosing the main text -------------------------------------------------------------


def _choose(page: Page) -> list[Element]:
    """The main-text nodes: the best block or set of repeated blocks, then any replies."""
    scores = page.scores
    if not scores:
        body = page.doc.find("body")
        return [body if body is not None else page.doc]
    clusters = repeated_blocks(page)
    top = max(scores, key=lambda el: scores[el])
    best: list[Element] = []
    best_total = scores[top]
    for members in clusters:
        total = sum(max(scores[m], 0.0) for m in members)
        # Paragraphs of one text are collected by their container; posts are not.
        if total > best_total and scores.get(container(members), 0.0) < 0.5 * total:
            best, best_total = members, total
    if best:
        nodes = twins(best, page)
        if len(first := _first_of_titled(nodes, page)) < len(nodes):
            return first
        nodes = _lead(page, nodes, best_total) + nodes
    else:
        post = _post_above_comments(top, page)
        nodes = _main_nodes(post, page)
        nodes = _summary(page, nodes) + nodes
        if post is not top:  # an author's post: its readers' comments are not its text
            return nodes
        if _in_comments(top):  # answers to a short question: the question leads
            nodes = _question(nodes[0], page) + nodes
        if sum(page.stats[n].total - page.stats[n].link for n in nodes) >= _POST_MIN:
            return nodes + [r for r in replies(page, nodes) if not _in_comments(r)]
    return nodes + replies(page, nodes)  # a short question: its answers are the text


def _in_comments(el: Element) -> bool:
    """True inside a block named as readers' comments."""
    return any(_COMMENTS.search(hints(a)) for a in self_and_ancestors(el))


_COMMENTS = re.compile(r"comment|pinglun|评论|留言", re.I)
_POST_MIN = 200  # characters of a post that its comments do not outweigh


def _post_above_comments(top: Element, page: Page) -> Element:
    """The post, when the best block is the comments below it (a blog whose readers wrote
    more than its author): the best block above them, outside them, of some length."""
    if not any(_COMMENTS.search(hints(a)) for a in self_and_ancestors(top)):
        return top
    start = page.order[top]
    around = set(self_and_ancestors(top))
    above = [
        el
        for el, score in page.scores.items()
        if page.order[el] < start
        and el not in around
        and page.stats[el].total - page.stats[el].link >= _POST_MIN
        and score >= 0.05 * page.scores[top]
        and not any(_COMMENTS.search(hints(a)) for a in self_and_ancestors(el))
    ]
    return max(above, key=lambda el: page.scores[el], default=top)


_REPLY_TITLE = re.compile(r"^\s*(re|回复|答复|回帖)\b|^\s*(re|回复|答复)\s*[:：]", re.I)
_DATE = re.compile(r"(19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def _first_of_titled(nodes: list[Element], page: Page) -> list[Element]:
    """The nodes of the first text, when repeated blocks come under titles and dates of
    their own (a blog's or a column's page of whole posts): separate texts, not one
    discussion. Sections of one text (原文, 译文) carry no dates; replies say 'Re:'."""
    marks: list[tuple[int, str | None]] = []  # (document index, title text or None: a date)
    for el in elements(page.doc):
        index = page.order.get(el)
        if index is None:
            continue
        if el.tag in ("h1", "h2", "h3", "h4") or _title_name(hints(el)):
            text = _text(el)
            if 2 <= nsl(text) <= 60:
                marks.append((index, text))
        if _DATE.search(el.text or "") or _DATE.search(el.tail or ""):
            marks.append((index, None))
    indexes = [index for index, _ in marks]
    titles: list[str] = []
    cut = None
    for n, (before, node) in enumerate(itertools.pairwise(nodes), start=1):
        last = max(page.order[el] for el in elements(before))
        gap = marks[
            bisect.bisect_right(indexes, last) : bisect.bisect_left(indexes, page.order[node])
        ]
        named = [text for _, text in gap if text]
        if not named or not any(text is None for _, text in gap):
            continue
        if _REPLY_TITLE.search(named[-1]):
            return nodes
        titles.append(named[-1])
        cut = cut or n
    if cut is None or len(set(titles)) < len(titles):
        return nodes
    return nodes[:cut]


def _question(answers: Element, page: Page) -> list[Element]:
    """The block right above a page's answers, when it asks something in a sentence."""
    sib = _widen(answers, page.stats).getprevious()
    while sib is not None and not page.stats.get(sib, Stats()).total:
        sib = sib.getprevious()
    st = page.stats.get(sib) if sib is not None else None
    if st is None or st.punct == 0 or link_density(st) > 0.3:
        return []
    return [sib]


def _summary(page: Page, nodes: list[Element]) -> list[Element]:
    """A lead or abstract named as such, above the main text and outside it (encyclopedias
    and some news pages put it in the page header)."""
    start = page.order[nodes[0]]
    around = {a for n in nodes for a in self_and_ancestors(n)}
    found = [
        el
        for el, st in page.stats.items()
        if page.order.get(el, start) < start
        and el not in around
        and _SUMMARY.search(hints(el))
        and st.total >= 40
        and st.punct >= 2
        and link_density(st) < 0.3
    ]
    found.sort(key=lambda el: page.order[el])
    return outermost(found)[-1:]  # the nearest above the main text


def _lead(page: Page, nodes: list[Element], total: float) -> list[Element]:
    """The best block before a set of posts and outside it: the question or first post."""
    start = page.order[nodes[0]]
    above = {a for n in nodes for a in n.iterancestors()}
    best: list[Element] = []
    best_score = max(10.0, 0.2 * total)
    for el, score in page.scores.items():
        if score > best_score and page.order[el] < start and el not in above:
            best, best_score = [el], score
    return best


def _main_nodes(top: Element, page: Page) -> list[Element]:
    """The top candidate plus siblings that look like part of the same text.

    Siblings are looked for beside the widest ancestor that adds almost no text to top.
    """
    threshold = max(10.0, page.scores.get(top, 0.0) * 0.2)
    wide = _widen(top, page.stats)
    parent = wide.getparent()
    if parent is None:
        return [top]
    nodes = []
    for sib in parent:
        if sib is wide:
            nodes.append(top)
            continue
        st = page.stats.get(sib)
        if st is None or st.total == 0 or _COMMENTS.search(hints(sib)):
            continue
        density = link_density(st)
        good_score = page.scores.get(sib, 0.0) >= threshold and density < 0.4
        if good_score or (st.own > 60 and density < 0.25 and st.own_punct >= 2):
            nodes.append(sib)
    return nodes


def _widen(top: Element, stats: dict[Element, Stats]) -> Element:
    """The outermost ancestor of top that adds (almost) no text of its own."""
    for parent in top.iterancestors():
        if parent.tag in ("body", "html") or stats[parent].total > 1.1 * stats[top].total:
            break
        top = parent
    return top


def _link_blocks(nodes: list[Element], stats: dict[Element, Stats]) -> set[Element]:
    """Link lists inside the main text (related articles, pagers, share bars)."""
    skip: set[Element] = set()
    for node in nodes:
        for el in elements(node):
            st = stats.get(el)
            if el is node or st is None or st.links < 2 or el.tag not in BLOCK:
                continue
            if link_density(st) > 0.6 and st.punct <= st.links:
                skip.add(el)
                skip.update(_list_heading(el, stats))
    return skip


def _list_heading(block: Element, stats: dict[Element, Stats]) -> list[Element]:
    """The label right above a link list ('重点推荐', '相关新闻 更多>>'), which goes with it."""
    prev = block.getprevious()
    if prev is None or nsl(prev.tail) or (st := stats.get(prev)) is None:
        return []
    if st.total <= 20 and (st.punct == 0 or link_density(st) > 0.5):
        return [prev]
    return []


# -- title ------------------------------------------------------------------------------


def _find_title(page: Page, nodes: list[Element], page_title: str | None) -> Element | None:
    """The heading nearest above the main text (or atop it), preferring <title> matches."""
    order = page.order
    start = order.get(nodes[0], 0)
    first_text = _first_text_index(nodes[0], order)
    norm_page = re.sub(r"\s+", "", page_title or "")
    best: tuple[float, Element] | None = None
    for el in elements(page.doc):
        tag = el.tag
        if tag not in ("h1", "h2", "h3") and (
            tag in ("a", "title", "html", "body") or not _title_name(hints(el))
        ):
            continue
        idx = order[el]
        if idx > first_text:
            break
        text = _text(el)
        size = len(_WORDY.findall(text))
        if size < 2 or nsl(text) > 120 or is_byline(text):
            continue
        compact = re.sub(r"\s+", "", text)
        score = {"h1": 3.0, "h2": 2.0, "h3": 1.0}.get(tag, 1.5)
        if norm_page and (compact in norm_page or norm_page in compact):
            score += 6.0
        elif size < 4:
            continue
        # Nearer to the main text is better; a heading far above is likely site chrome.
        score -= min(abs(start - idx) / 50.0, 4.0)
        if best is None or score >= best[0]:
            best = (score, el)
    if best is None or best[0] < -1.0:
        return None
    return best[1]


@functools.lru_cache(maxsize=4096)
def _title_name(names: str) -> bool:
    """True for class/id names of a title."""
    return bool(_TITLE_HINT.search(names))


def _first_text_index(node: Element, order: dict[Element, int]) -> int:
    """Document index of the first of node's first 2,000 elements with substantial text."""
    for el in itertools.islice(elements(node), 2000):
        if nsl(el.text) >= 20:
            return order.get(el, order.get(node, 0))
    return order.get(node, 0)


_TOKEN = re.compile(r"[\u3400-\u9fff]{2}|\d+|[A-Za-z]+")


def _tokens(text: str) -> set[str]:
    """Overlapping CJK character pairs, digit runs and Latin words of a text."""
    compact = re.sub(r"\s+", "", text)
    pairs = {compact[i : i + 2] for i in range(len(compact) - 1)}
    return {t for t in pairs if _TOKEN.fullmatch(t)} | set(re.findall(r"\d+|[A-Za-z]+", compact))


def _support(title: str, text: str) -> float:
    """Share of a title's tokens found in the text."""
    tokens = _tokens(title)
    return sum(t in text for t in tokens) / len(tokens) if tokens else 0.0


def _agreed_title(heading: str | None, page_title: str, text: str) -> str | None:
    """The visible headline, unless it disagrees with <title> and the body agrees with
    <title> better (a column name or a sidebar heading taken for the headline)."""
    if not heading or is_byline(heading):
        return page_title or None
    a, b = re.sub(r"\s+", "", heading), re.sub(r"\s+", "", page_title)
    if not b or a in b or b in a:
        return heading
    shared = _tokens(heading) & _tokens(page_title)
    if len(shared) >= 0.5 * min(len(_tokens(heading)), len(_tokens(page_title))):
        return heading
    return page_title if _support(page_title, text) > _support(heading, text) + 0.25 else heading


# -- text -------------------------------------------------------------------------------


def _lines(nodes: Iterable[Element], skip: set[Element]) -> str:
    """Text of nodes: one line per block, <br> as a break; a data table's rows one line
    each, their cells separated by a tab (crawler/text/tables.py)."""
    out: list[str] = []
    for node in nodes:
        _walk(node, out, skip)
        out.append(LINE)
    lines = (_collapse_row(line) for line in "".join(out).split(LINE))
    return LINE.join(line for line in lines if line)


def _link_share(nodes: Iterable[Element], skip: set[Element]) -> float:
    """Share of the main text's non-whitespace characters that sit inside links."""
    inside = total = 0
    for node in nodes:
        walker = etree.iterwalk(node, events=("start", "end"))
        depth = 0
        for event, el in walker:
            if event == "start":
                if el in skip:
                    walker.skip_subtree()
                    continue
                depth += el.tag == "a"
                size = nsl(el.text)
            else:
                depth -= el.tag == "a" and el not in skip
                size = nsl(el.tail) if el is not node else 0
            total += size
            inside += size if depth > 0 else 0
    return inside / total if total else 0.0


def _collapse_row(line: str) -> str:
    """A line collapsed; a table row cell by cell, its cells joined by a tab."""
    if _CELL_MARK not in line:
        return _collapse(line)
    cells = [_collapse(cell) for cell in line.split(_CELL_MARK)]
    return CELL.join(cells) if any(cells) else ""


def _walk(root: Element, out: list[str], skip: set[Element]) -> None:
    """Append the text of root to out with line marks (iterative, so any depth is fine)."""
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if el in skip or tag == "br":
                walker.skip_subtree()
                continue
            if tag == "table" and (rows := table_rows(el)) is not None:
                out.append(LINE)
                out.append(LINE.join(_CELL_MARK.join(r) for r in rows))
                walker.skip_subtree()
                continue
            out.append(MARKS.get(tag, ""))
            if el.text:
                out.append(el.text)
            continue
        if el not in skip:
            out.append(LINE if tag == "br" else MARKS.get(tag, ""))
        if el is not root and el.tail:
            out.append(el.tail)


# -- the public entry point -------------------------------------------------------------


def _select(doc: Element, selector: str | None) -> list[Element]:
    """Elements matching a CSS selector; ExtractError if the selector is invalid."""
    if not selector:
        return []
    try:
        return CSSSelector(selector)(doc)
    except SelectorError as exc:
        raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc


def _first_text(doc: Element, selector: str | None) -> str | None:
    """Collapsed text of the first element matching selector, or None."""
    hits = _select(doc, selector)
    return (_text(hits[0]) or None) if hits else None


def _general(doc: Element, page_title: str | None) -> tuple[str, str | None, float]:
    """Main text, heading and link share found without selectors."""
    page = _measure(doc)
    nodes = _choose(page)
    heading = _find_title(page, nodes, page_title)
    skip = _link_blocks(nodes, page.stats)
    title = None
    if heading is not None:
        skip.add(heading)
        title = _text(heading) or None
    text = _lines(nodes, skip)
    if not text:
        body = doc.find("body")
        nodes, skip = [body if body is not None else doc], set()
        text = _lines(nodes, skip)
    return text, title, _link_share(nodes, skip)


def extract(html: str, url: str | None = None, selectors: Selectors | None = None) -> Extracted:
    """Title, main text, date text and meta values of an HTML page.

    Raises ExtractError when the page holds no text or a selector is invalid.
    """
    doc = parse(html)
    meta = _meta(doc)
    page_title = _page_title(doc)
    _strip_noise(doc)
    selectors = selectors or Selectors()
    date_text = _first_text(doc, selectors.date)
    title = _first_text(doc, selectors.title)
    by_selector = title is not None

    text = ""
    body_hits = _select(doc, selectors.body)
    if body_hits:
        text = _lines(body_hits, set())
        links = _link_share(body_hits, set())
        if not text:
            logger.debug("body selector %r matched no text on %s", selectors.body, url)
    if not text:
        text, heading, links = _general(doc, page_title)
        title = title or heading
    if page_title and not by_selector:
        title = _agreed_title(title, strip_site_suffix(page_title), text)
    if not text:
        raise ExtractError(f"no text found in page {url or ''}".strip())
    return Extracted(title, text, date_text, meta, links)
