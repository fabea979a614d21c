"""Find a page's main text, title, date text and <meta> values.

Without profile selectors the main text is found by text density, link density and tag
structure (a readability-style score tuned for Chinese punctuation), and by repeated
structure: blocks built alike (posts, replies, answers) are taken together, while repeated
teasers for other pages are not text.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from crawler.errors import ExtractError

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


Element = etree._Element
Key = tuple[str, ...]

# Elements never holding body text.
_DROP_ALWAYS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "input", "select", "option", "button", "textarea", "link", "meta", "rt", "rp", "map",
    "audio", "video", "head",
)  # fmt: skip
# Page furniture by HTML5 semantics.
_DROP_FURNITURE = ("nav", "footer", "aside", "menu", "dialog")
_BLOCK = frozenset((
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
))  # fmt: skip
_CELL = frozenset(("td", "th"))
_LINE = "\n"
# What the start and end of an element add to the text.
_MARKS = dict.fromkeys(_BLOCK, _LINE) | dict.fromkeys(_CELL, " ")
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
# Names of the parts of a discussion, whose replies are text rather than furniture.
_SUMMARY = re.compile(r"summary|abstract|lead\b|intro\b|digest|excerpt|daodu|zhaiyao", re.I)
_DISCUSSION = re.compile(r"comment|repl[yi]|answer|post|discuss|review|thread|floor", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
# Sentence punctuation: CJK and Arabic-script marks, and Latin ones followed by a space.
_PUNCT = re.compile(r"[，。、；：！？،؛؟।]|[,;:!?.](?=\s)")
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Characters libxml2 refuses: C0 controls other than tab/newline/return, and surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+")
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^<>]*>")
_DIGITS = re.compile(r"\d+")
_TITLE_HINT = re.compile(r"title|biaoti|headline|tit\b", re.I)
_TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-–—]+\s+|\s*——\s*|\s*--\s*")
_WORDY = re.compile(r"[\u3400-\u9fffA-Za-z]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, hanzi, hangul
_WORD = re.compile(r"[^\W\d_]{2,}")
_SITE_TAIL = re.compile(
    r"\s*[-–—|_｜]\s*[^-–—|_｜]{1,15}(网|网站|官网|门户|频道|委|局|政府|中心|百科|平台)\s*$"
)
_WEIGHTS = (1.0, 1.0, 0.5, 0.25)
_MAX_DEPTH = 128  # deeper nesting is flattened (text kept, structure dropped)
_KEY_DEPTH = 2  # levels of tag and class names that make an element's structural key
_FURNITURE_SHARE = 0.3  # furniture-named blocks holding less of the page than this go
_MAX_ELEMENTS = 150_000  # nodes looked at in a page; the rest of a huge page is ignored
_SAMPLE = 24  # items looked at to tell whether a repeated structure is a list of teasers


@dataclass(slots=True)
class _Stats:
    """Per-element counts gathered in one bottom-up pass."""

    total: int = 0  # non-whitespace chars in the subtree
    link: int = 0  # of which inside <a>
    links: int = 0  # number of <a> elements
    punct: int = 0
    own: int = 0  # chars in the element's own text (text, inline children, tails)
    own_link: int = 0
    own_punct: int = 0


@dataclass
class _Page:
    """A page stripped of furniture, with the measurements the choice is made from."""

    doc: Element
    stats: dict[Element, _Stats]
    keys: dict[Element, Key]  # structural keys: signatures of the element and its parents
    scores: dict[Element, float]
    order: dict[Element, int]  # document order
    groups: dict[Key, list[Element]]  # scored elements sharing a key


# -- parsing ----------------------------------------------------------------------------


def _parse(html: str) -> Element:
    """Parse HTML text into an lxml document; ExtractError on nothing to parse.

    Work is bounded: a page nested deeper than _MAX_DEPTH is flattened, and only the first
    _MAX_ELEMENTS nodes of a huge page are kept.
    """
    html = _BAD_CHARS.sub("", _XML_DECL.sub("", html, count=1))
    if not html.strip():
        raise ExtractError("empty page")
    doc, too_deep = _parse_markup(html)
    _bound(doc)
    if too_deep or _deeper_than(doc, _MAX_DEPTH):
        logger.debug("page nested deeper than %d levels; flattening it", _MAX_DEPTH)
        doc, _ = _parse_markup(_flatten(html))
        _bound(doc)
    return doc


def _deeper_than(doc: Element, limit: int) -> bool:
    """True when some element of doc is nested more than `limit` levels deep."""
    depth: dict[Element | None, int] = {None: 0}
    for el in doc.iter(etree.Element):
        level = depth[el.getparent()] + 1
        if level > limit:
            return True
        depth[el] = level
    return False


def _bound(doc: Element) -> None:
    """Cut a huge document after its first _MAX_ELEMENTS nodes, so that work stays bounded."""
    last = next(itertools.islice(doc.iter(), _MAX_ELEMENTS, None), None)
    if last is None:
        return
    logger.warning("page has more than %d elements; ignoring the rest", _MAX_ELEMENTS)
    for child in list(last):
        last.remove(child)
    for node in _self_and_ancestors(last):
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
            if name in _MARKS and between.strip():
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


# -- small helpers ----------------------------------------------------------------------


def _nsl(text: str | None) -> int:
    """Number of non-whitespace characters."""
    return sum(map(len, text.split())) if text else 0


def _npunct(text: str | None) -> int:
    """Number of sentence punctuation marks."""
    return len(_PUNCT.findall(text)) if text else 0


def _tag(el: Element) -> str:
    """Tag name ('' for comments); the HTML parser gives it in lower case."""
    tag = el.tag
    return tag if isinstance(tag, str) else ""


def _hints(el: Element) -> str:
    """The class and id attributes joined, for name hints."""
    return f"{el.get('class', '')} {el.get('id', '')}".strip()


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


def _elements(doc: Element) -> Iterator[Element]:
    """Elements of doc in document order (no comments or processing instructions)."""
    return doc.iter(etree.Element)


def _self_and_ancestors(el: Element) -> Iterator[Element]:
    """The element, then its ancestors upwards."""
    yield el
    yield from el.iterancestors()


def _link_density(st: _Stats) -> float:
    """Share of the text that sits inside links."""
    return st.link / st.total if st.total else 0.0


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
        if _nsl(part) > _nsl(best):
            best = part
    return best


# -- removing what is never text --------------------------------------------------------


def _strip_noise(doc: Element) -> None:
    """Drop comments, scripts, ruby annotations, form controls and hidden elements."""
    etree.strip_elements(doc, etree.Comment, etree.ProcessingInstruction, with_tail=False)
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
        inside = any(_tag(a) in ("article", "main") for a in el.iterancestors())
        if not inside and next(el.iter("h1"), None) is None:
            _remove(el)


def _strip_unlikely(doc: Element, stats: dict[Element, _Stats], keys: dict[Element, Key]) -> None:
    """Remove furniture named by class/id hints, guarding blocks that hold much text.

    A block counts together with its repeated twins (same structural key): one comment is
    small, but a page whose comments hold most of its text is a discussion.
    """
    body = doc.find("body")
    page_total = stats[body].total if body is not None else 0
    key_total: Counter[Key] = Counter()
    for el, key in keys.items():
        key_total[key] += stats[el].total
    for el in doc.xpath("//*[@class or @id]"):
        st = stats.get(el)
        if st is None or el.getparent() is None or _tag(el) in ("body", "a", "article", "main"):
            continue
        if not _furniture_name(el.get("class"), el.get("id")) or _in_code(el):
            continue
        if key_total[keys[el]] < _FURNITURE_SHARE * page_total or _link_density(st) > 0.5:
            _forget(el, stats, keys)
            _remove(el)


@functools.lru_cache(maxsize=4096)
def _furniture_name(cls: str | None, ident: str | None) -> bool:
    """True for class/id names of furniture that do not also name content."""
    hints = f"{cls or ''} {ident or ''}"
    return bool(_UNLIKELY.search(hints)) and not _MAYBE.search(hints)


def _in_code(el: Element) -> bool:
    """True inside <pre> or <code>, where class names mark syntax, not furniture."""
    return any(_tag(a) in ("pre", "code") for a in el.iterancestors())


def _forget(el: Element, stats: dict[Element, _Stats], keys: dict[Element, Key]) -> None:
    """Take a subtree about to be removed out of the counts of its ancestors."""
    gone = stats[el]
    inline = _tag(el) not in _MARKS
    for anc in el.iterancestors():
        st = stats[anc]
        st.total -= gone.total
        st.link -= gone.link
        st.links -= gone.links
        st.punct -= gone.punct
        if inline:
            st.own -= gone.total
            st.own_link -= gone.link
            st.own_punct -= gone.punct
            inline = _tag(anc) not in _MARKS
        if _tag(anc) == "a":
            st.link, st.own_link = st.total, st.own
    for sub in el.iter():
        stats.pop(sub, None)
        keys.pop(sub, None)


# -- measuring --------------------------------------------------------------------------


def _gather(doc: Element) -> dict[Element, _Stats]:
    """Counts for every element, children before parents."""
    stats: dict[Element, _Stats] = {}
    for el in reversed(list(_elements(doc))):
        text = el.text
        total = own = _nsl(text)
        punct = own_punct = _npunct(text) if total else 0
        link = links = own_link = 0
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                size, marks = _nsl(tail), _npunct(tail)
                total += size
                own += size
                punct += marks
                own_punct += marks
            cs = stats.get(child)
            if cs is None:
                continue
            total += cs.total
            link += cs.link
            links += cs.links
            punct += cs.punct
            if child.tag not in _MARKS:
                own += cs.total
                own_link += cs.link
                own_punct += cs.punct
        if el.tag == "a":
            link, own_link, links = total, own, links + 1
        stats[el] = _Stats(total, link, links, punct, own, own_link, own_punct)
    return stats


def _keys(doc: Element) -> dict[Element, Key]:
    """Structural key of every element: its signature and those of its nearest ancestors.

    A signature is the tag and first class name without digits ('div.post' for
    class="post post-12 first"), so posts numbered or marked up differently still match.
    """
    keys: dict[Element, Key] = {}
    signatures: dict[tuple[str, str], str] = {}
    for el in _elements(doc):
        cls = el.get("class") or ""
        sig = signatures.get((el.tag, cls))
        if sig is None:
            names = _DIGITS.sub("", cls).lower().split()
            sig = signatures[(el.tag, cls)] = f"{el.tag}.{names[0]}" if names else el.tag
        parent = el.getparent()
        above = keys.get(parent, ()) if parent is not None else ()
        keys[el] = (sig, *above[: _KEY_DEPTH - 1])
    return keys


def _score(stats: dict[Element, _Stats], skip: set[Element]) -> dict[Element, float]:
    """Score paragraphs by length and punctuation and add the points to their ancestors."""
    scores: dict[Element, float] = {}
    for el, st in stats.items():
        if st.own < 12 or st.own_link > 0.5 * st.own or (st.own < 25 and st.own_punct == 0):
            continue
        tag = el.tag
        if tag not in _MARKS or tag in ("html", "body") or el in skip:
            continue
        points = 1.0 + st.own_punct + min(st.own / 80.0, 4.0)
        for weight, anc in zip(_WEIGHTS, _self_and_ancestors(el), strict=False):
            if anc.tag == "html":
                break
            if anc not in scores:
                scores[anc] = _TAG_PRIOR.get(anc.tag, 0.0)
            scores[anc] += points * weight
    for el in scores:
        scores[el] *= 1.0 - _link_density(stats[el])
    return scores


def _measure(doc: Element) -> _Page:
    """Strip furniture, score what is left, and score it again without teaser lists."""
    _strip_furniture(doc)
    stats = _gather(doc)
    keys = _keys(doc)
    _strip_unlikely(doc, stats, keys)
    scores = _score(stats, set())
    groups = _groups(scores, keys)
    teasers = [item for members in groups.values() for item in _teaser_items(members)]
    if teasers:
        scores = _score(stats, {el for item in teasers for el in item.iter()})
        groups = _groups(scores, keys)
    order = {el: i for i, el in enumerate(_elements(doc))}
    return _Page(doc, stats, keys, scores, order, groups)


# -- repeated structure -----------------------------------------------------------------


def _outermost(elements: Iterable[Element]) -> list[Element]:
    """The elements not nested inside another of them, in the order given."""
    elements = list(elements)
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def _ancestor_counts(members: list[Element]) -> Counter[Element]:
    """How many of the members each element holds."""
    counts: Counter[Element] = Counter()
    for member in members:
        counts.update(member.iterancestors())
    return counts


def _items(members: list[Element], counts: Counter[Element] | None = None) -> list[Element]:
    """Each member's repeated item: its highest ancestor holding no other member."""
    counts = counts if counts is not None else _ancestor_counts(members)
    items = []
    for member in members:
        item = member
        for anc in member.iterancestors():
            if counts[anc] > 1:
                break
            item = anc
        items.append(item)
    return items


def _container(members: list[Element], counts: Counter[Element] | None = None) -> Element:
    """The nearest common ancestor of the members (at least two)."""
    counts = counts if counts is not None else _ancestor_counts(members)
    return next(a for a in members[0].iterancestors() if counts[a] == len(members))


def _is_teaser(item: Element) -> bool:
    """True for an item holding a headline link to another page (a teaser for an article)."""
    for link in item.iter("a"):
        href = (link.get("href") or "").strip().lower()
        if not href or href.startswith(("#", "javascript")):
            continue
        text = "".join(link.itertext())
        if "://" in text or "www." in text:
            continue
        if len(_CJK.findall(text)) >= 10 or len(_WORD.findall(text)) >= 4:
            return True
    return False


def _mostly_teasers(items: list[Element]) -> bool:
    """True when most items are teasers for other pages (judged on a sample of them)."""
    sample = items[:: max(1, len(items) // _SAMPLE)]
    return sum(1 for item in sample if _is_teaser(item)) * 2 > len(sample)


def _groups(scores: dict[Element, float], keys: dict[Element, Key]) -> dict[Key, list[Element]]:
    """Scored elements sharing a structural key, two or more not nested in each other."""
    groups: dict[Key, list[Element]] = defaultdict(list)
    for el, score in scores.items():
        if score > 0:
            groups[keys[el]].append(el)
    found = {}
    for key, members in groups.items():
        if len(members) > 1:
            members = _outermost(members)
            if len(members) > 1:
                found[key] = members
    return found


def _teaser_items(members: list[Element]) -> list[Element]:
    """The items of repeated blocks that are mostly teasers for other pages, else none."""
    items = _items(members)
    return items if _mostly_teasers(items) else []


def _repeats(page: _Page) -> list[list[Element]]:
    """Repeated blocks: groups whose key names a class, spread over two or more parents."""
    return [
        members
        for key, members in page.groups.items()
        if len({m.getparent() for m in members}) > 1 and any("." in sig for sig in key)
    ]


def _twins(members: list[Element], page: _Page) -> list[Element]:
    """Every element with the members' key that holds text (short replies too), in order."""
    key = page.keys[members[0]]
    found = [
        el for el, k in page.keys.items() if k == key and page.stats[el].total > page.stats[el].link
    ]
    found = _outermost(found)
    return found if len(found) > 1 else members


# -- choosing the main text -------------------------------------------------------------


def _choose(page: _Page) -> list[Element]:
    """The main-text nodes: the best block or set of repeated blocks, then any replies."""
    scores = page.scores
    if not scores:
        body = page.doc.find("body")
        return [body if body is not None else page.doc]
    clusters = _repeats(page)
    top = max(scores, key=lambda el: scores[el])
    best: list[Element] = []
    best_total = scores[top]
    for members in clusters:
        total = sum(max(scores[m], 0.0) for m in members)
        # Paragraphs of one text are collected by their container; posts are not.
        if total > best_total and scores.get(_container(members), 0.0) < 0.5 * total:
            best, best_total = members, total
    if best:
        nodes = _twins(best, page)
        nodes = _lead(page, nodes, best_total) + nodes
    else:
        nodes = _main_nodes(top, page)
        nodes = _summary(page, nodes) + nodes
    return nodes + _replies(page, nodes)


def _summary(page: _Page, nodes: list[Element]) -> list[Element]:
    """A lead or abstract named as such, above the main text and outside it (encyclopedias
    and some news pages put it in the page header)."""
    start = page.order[nodes[0]]
    around = {a for n in nodes for a in _self_and_ancestors(n)}
    found = [
        el
        for el, st in page.stats.items()
        if page.order.get(el, start) < start
        and el not in around
        and _SUMMARY.search(_hints(el))
        and st.total >= 40
        and st.punct >= 2
        and _link_density(st) < 0.3
    ]
    found.sort(key=lambda el: page.order[el])
    return _outermost(found)[-1:]  # the nearest above the main text


def _lead(page: _Page, nodes: list[Element], total: float) -> list[Element]:
    """The best block before a set of posts and outside it: the question or first post."""
    start = page.order[nodes[0]]
    above = {a for n in nodes for a in n.iterancestors()}
    best: list[Element] = []
    best_score = max(10.0, 0.2 * total)
    for el, score in page.scores.items():
        if score > best_score and page.order[el] < start and el not in above:
            best, best_score = [el], score
    return best


def _replies(page: _Page, nodes: list[Element]) -> list[Element]:
    """Repeated text blocks after the main text and outside it: replies and comments.

    Each block taken claims its whole item, so a post's author line is not a reply.
    """
    start = min(page.order[n] for n in nodes)
    by_key: dict[Key, list[Element]] = defaultdict(list)
    for el, key in page.keys.items():
        st = page.stats[el]
        if st.total and _link_density(st) < 0.5 and page.order[el] > start:
            by_key[key].append(el)
    found: list[tuple[float, list[Element]]] = []
    for key in dict.fromkeys(page.keys[el] for el, score in page.scores.items() if score > 0):
        members = _outermost(by_key.get(key, ()))
        if len(members) > 1 and _is_discussion(members, page):
            found.append((sum(max(page.scores.get(m, 0.0), 0.0) for m in members), members))
    claimed = set(_items(nodes) if len(nodes) > 1 else nodes)
    covered = {a for c in claimed for a in c.iterancestors()}
    replies: list[Element] = []
    for _, members in sorted(found, key=lambda pair: -pair[0]):
        members = [
            m
            for m in members
            if m not in covered and not any(a in claimed for a in _self_and_ancestors(m))
        ]
        if len(members) > 1:
            replies.extend(members)
            items = _items(members)
            claimed.update(items)
            covered.update(a for item in items for a in item.iterancestors())
    return sorted(replies, key=lambda el: page.order[el])


def _is_discussion(members: list[Element], page: _Page) -> bool:
    """True for blocks with sentence text, named like replies, that are not teasers."""
    if sum(page.stats[m].punct for m in members) * 2 < len(members):
        return False
    counts = _ancestor_counts(members)
    container = _container(members, counts)
    for anc in _self_and_ancestors(members[0]):
        if _DISCUSSION.search(_hints(anc)):
            return not _mostly_teasers(_items(members, counts))
        if anc is container:
            break
    return False


def _main_nodes(top: Element, page: _Page) -> list[Element]:
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
        if st is None or st.total == 0:
            continue
        density = _link_density(st)
        good_score = page.scores.get(sib, 0.0) >= threshold and density < 0.4
        if good_score or (st.own > 60 and density < 0.25 and st.own_punct >= 2):
            nodes.append(sib)
    return nodes


def _widen(top: Element, stats: dict[Element, _Stats]) -> Element:
    """The outermost ancestor of top that adds (almost) no text of its own."""
    for parent in top.iterancestors():
        if parent.tag in ("body", "html") or stats[parent].total > 1.1 * stats[top].total:
            break
        top = parent
    return top


def _link_blocks(nodes: list[Element], stats: dict[Element, _Stats]) -> set[Element]:
    """Link lists inside the main text (related articles, pagers, share bars)."""
    skip: set[Element] = set()
    for node in nodes:
        for el in _elements(node):
            st = stats.get(el)
            if el is node or st is None or st.links < 2 or el.tag not in _BLOCK:
                continue
            if _link_density(st) > 0.6 and st.punct <= st.links:
                skip.add(el)
    return skip


# -- title ------------------------------------------------------------------------------


def _find_title(page: _Page, nodes: list[Element], page_title: str | None) -> Element | None:
    """The heading nearest above the main text (or atop it), preferring <title> matches."""
    order = page.order
    start = order.get(nodes[0], 0)
    first_text = _first_text_index(nodes[0], order)
    norm_page = re.sub(r"\s+", "", page_title or "")
    best: tuple[float, Element] | None = None
    for el in _elements(page.doc):
        tag = el.tag
        if tag not in ("h1", "h2", "h3") and (
            tag in ("a", "title", "html", "body") or not _title_name(el.get("class"), el.get("id"))
        ):
            continue
        idx = order[el]
        if idx > first_text:
            break
        text = _text(el)
        size = len(_WORDY.findall(text))
        if size < 2 or _nsl(text) > 120:
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
def _title_name(cls: str | None, ident: str | None) -> bool:
    """True for class/id names of a title."""
    return bool(_TITLE_HINT.search(f"{cls or ''} {ident or ''}"))


def _first_text_index(node: Element, order: dict[Element, int]) -> int:
    """Document index of the first of node's first 2,000 elements with substantial text."""
    for el in itertools.islice(_elements(node), 2000):
        if _nsl(el.text) >= 20:
            return order.get(el, order.get(node, 0))
    return order.get(node, 0)


# -- text -------------------------------------------------------------------------------


def _lines(nodes: Iterable[Element], skip: set[Element]) -> str:
    """Text of nodes: one line per block, <br> as a break, table cells space-separated."""
    out: list[str] = []
    for node in nodes:
        _walk(node, out, skip)
        out.append(_LINE)
    lines = (_collapse(line) for line in "".join(out).split(_LINE))
    return _LINE.join(line for line in lines if line)


def _walk(root: Element, out: list[str], skip: set[Element]) -> None:
    """Append the text of root to out with line marks (iterative, so any depth is fine)."""
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if el in skip or tag == "br" or not isinstance(tag, str):
                walker.skip_subtree()
                continue
            out.append(_MARKS.get(tag, ""))
            if el.text:
                out.append(el.text)
            continue
        if el not in skip:
            out.append(_LINE if tag == "br" else _MARKS.get(tag, ""))
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


def _general(doc: Element, page_title: str | None) -> tuple[str, str | None]:
    """Main text and heading found without selectors."""
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
        text = _lines([body if body is not None else doc], set())
    return text, title


def extract(html: str, url: str | None = None, selectors: Selectors | None = None) -> Extracted:
    """Title, main text, date text and meta values of an HTML page.

    Raises ExtractError when the page holds no text or a selector is invalid.
    """
    doc = _parse(html)
    meta = _meta(doc)
    page_title = _page_title(doc)
    _strip_noise(doc)
    selectors = selectors or Selectors()
    date_text = _first_text(doc, selectors.date)
    title = _first_text(doc, selectors.title)

    text = ""
    body_hits = _select(doc, selectors.body)
    if body_hits:
        text = _lines(body_hits, set())
        if not text:
            logger.debug("body selector %r matched no text on %s", selectors.body, url)
    if not text:
        text, heading = _general(doc, page_title)
        title = title or heading
    if title is None and page_title:
        title = strip_site_suffix(page_title) or None
    if not text:
        raise ExtractError(f"no text found in page {url or ''}".strip())
    return Extracted(title=title, text=text, date_text=date_text, meta=meta)
