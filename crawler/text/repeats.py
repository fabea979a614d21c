"""Find repeated structure in a page: posts, replies, answers and lists of teasers.

Elements are matched by a structural key (their tag and class and their parent's), so
blocks built alike are found however they are numbered. Repeated blocks with sentence
text are posts or replies, taken together as text; repeated headline links to other pages
are teasers, which are not.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from crawler.text.html_parse import Element, elements, hints, self_and_ancestors
from crawler.text.page_stats import Key, Page, link_density

_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, hanzi, hangul
_WORD = re.compile(r"[^\W\d_]{2,}")
# Names of the parts of a discussion, whose replies are text rather than furniture.
_DISCUSSION = re.compile(r"comment|repl[yi]|answer|post|discuss|review|thread|floor", re.I)
_KEY_DEPTH = 2  # levels of tag and class names that make an element's structural key
_SAMPLE = 24  # items looked at to tell whether a repeated structure is a list of teasers
_TEASER_TEXT = 300  # CJK characters outside links that no teaser (headline + summary) holds


def structural_keys(doc: Element) -> dict[Element, Key]:
    """Structural key of every element: its signature and those of its nearest ancestors.

    A signature is the tag and first class name without digits ('div.post' for
    class="post post-12 first"), so posts numbered or marked up differently still match.
    """
    keys: dict[Element, Key] = {}
    signatures: dict[tuple[str, str], str] = {}
    for el in elements(doc):
        cls = el.get("class") or ""
        sig = signatures.get((el.tag, cls))
        if sig is None:
            names = _DIGITS.sub("", cls).lower().split()
            sig = signatures[(el.tag, cls)] = f"{el.tag}.{names[0]}" if names else el.tag
        parent = el.getparent()
        above = keys.get(parent, ()) if parent is not None else ()
        keys[el] = (sig, *above[: _KEY_DEPTH - 1])
    return keys


def outermost(candidates: Iterable[Element]) -> list[Element]:
    """The candidates not nested inside another of them, in the order given."""
    candidates = list(candidates)
    chosen = set(candidates)
    return [el for el in candidates if not any(a in chosen for a in el.iterancestors())]


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


def container(members: list[Element], counts: Counter[Element] | None = None) -> Element:
    """The nearest common ancestor of the members (at least two)."""
    counts = counts if counts is not None else _ancestor_counts(members)
    return next(a for a in members[0].iterancestors() if counts[a] == len(members))


def _is_teaser(item: Element) -> bool:
    """True for an item holding a headline link to another page (a teaser for an article),
    and not much text besides: a block of text with links in it is no teaser."""
    linked = 0  # CJK characters inside links
    headline = False
    for link in item.iter("a"):
        text = "".join(link.itertext())
        cjk = len(_CJK.findall(text))
        linked += cjk
        href = (link.get("href") or "").strip().lower()
        if headline or not href or href.startswith(("#", "javascript")):
            continue
        if "://" in text or "www." in text:
            continue
        headline = cjk >= 10 or len(_WORD.findall(text)) >= 4
    return headline and len(_CJK.findall("".join(item.itertext()))) - linked <= _TEASER_TEXT


def _mostly_teasers(items: list[Element]) -> bool:
    """True when most items are teasers for other pages (judged on a sample of them)."""
    sample = items[:: max(1, len(items) // _SAMPLE)]
    return sum(1 for item in sample if _is_teaser(item)) * 2 > len(sample)


def key_groups(scores: dict[Element, float], keys: dict[Element, Key]) -> dict[Key, list[Element]]:
    """Scored elements sharing a structural key, two or more not nested in each other."""
    groups: dict[Key, list[Element]] = defaultdict(list)
    for el, score in scores.items():
        if score > 0:
            groups[keys[el]].append(el)
    found = {}
    for key, members in groups.items():
        if len(members) > 1:
            members = outermost(members)
            if len(members) > 1:
                found[key] = members
    return found


def teaser_items(members: list[Element]) -> list[Element]:
    """The items of repeated blocks that are mostly teasers for other pages, else none."""
    items = _items(members)
    return items if _mostly_teasers(items) else []


def repeated_blocks(page: Page) -> list[list[Element]]:
    """Repeated blocks: groups whose key names a class, spread over two or more parents."""
    return [
        members
        for key, members in page.groups.items()
        if len({m.getparent() for m in members}) > 1 and any("." in sig for sig in key)
    ]


def twins(members: list[Element], page: Page) -> list[Element]:
    """Every element with the members' key that holds text (short replies too), in order."""
    key = page.keys[members[0]]
    found = [
        el for el, k in page.keys.items() if k == key and page.stats[el].total > page.stats[el].link
    ]
    found = outermost(found)
    return found if len(found) > 1 else members


def replies(page: Page, nodes: list[Element]) -> list[Element]:
    """Repeated text blocks after the main text and outside it: replies and comments.

    Each block taken claims its whole item, so a post's author line is not a reply.
    """
    start = min(page.order[n] for n in nodes)
    by_key: dict[Key, list[Element]] = defaultdict(list)
    for el, key in page.keys.items():
        st = page.stats[el]
        if st.total and link_density(st) < 0.5 and page.order[el] > start:
            by_key[key].append(el)
    found: list[tuple[float, list[Element]]] = []
    for key in dict.fromkeys(page.keys[el] for el, score in page.scores.items() if score > 0):
        members = outermost(by_key.get(key, ()))
        if len(members) > 1 and _is_discussion(members, page):
            found.append((sum(max(page.scores.get(m, 0.0), 0.0) for m in members), members))
    claimed = set(_items(nodes) if len(nodes) > 1 else nodes)
    covered = {a for c in claimed for a in c.iterancestors()}
    taken: list[Element] = []
    for _, members in sorted(found, key=lambda pair: -pair[0]):
        members = [
            m
            for m in members
            if m not in covered and not any(a in claimed for a in self_and_ancestors(m))
        ]
        if len(members) > 1:
            taken.extend(members)
            items = _items(members)
            claimed.update(items)
            covered.update(a for item in items for a in item.iterancestors())
    return sorted(taken, key=lambda el: page.order[el])


def _is_discussion(members: list[Element], page: Page) -> bool:
    """True for blocks with sentence text, named like replies, that are not teasers."""
    if sum(page.stats[m].punct for m in members) * 2 < len(members):
        return False
    counts = _ancestor_counts(members)
    common = container(members, counts)
    for anc in self_and_ancestors(members[0]):
        if _DISCUSSION.search(hints(anc)):
            return not _mostly_teasers(_items(members, counts))
        if anc is common:
            break
    return False
