"""Text counts per element (characters, link text, punctuation) and the measured page.

The counts are gathered in one bottom-up pass and kept up to date when a subtree is
removed; the main-text choice (crawler.text.extract) and the repeated-structure detection
(crawler.text.repeats) both read them from a Page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.text.html_parse import MARKS, Element, elements

Key = tuple[str, ...]

# Sentence punctuation: CJK and Arabic-script marks, and Latin ones followed by a space.
_PUNCT = re.compile(r"[，。、；：！？،؛؟।]|[,;:!?.](?=\s)")


@dataclass(slots=True)
class Stats:
    """Per-element counts gathered in one bottom-up pass."""

    total: int = 0  # non-whitespace chars in the subtree
    link: int = 0  # of which inside <a>
    links: int = 0  # number of <a> elements
    punct: int = 0
    own: int = 0  # chars in the element's own text (text, inline children, tails)
    own_link: int = 0
    own_punct: int = 0


@dataclass
class Page:
    """A page stripped of furniture, with the measurements the choice is made from."""

    doc: Element
    stats: dict[Element, Stats]
    keys: dict[Element, Key]  # structural keys: signatures of the element and its parents
    scores: dict[Element, float]
    order: dict[Element, int]  # document order
    groups: dict[Key, list[Element]]  # scored elements sharing a key


def nsl(text: str | None) -> int:
    """Number of non-whitespace characters."""
    return sum(map(len, text.split())) if text else 0


def _npunct(text: str | None) -> int:
    """Number of sentence punctuation marks."""
    return len(_PUNCT.findall(text)) if text else 0


def link_density(st: Stats) -> float:
    """Share of the text that sits inside links."""
    return st.link / st.total if st.total else 0.0


def gather(doc: Element) -> dict[Element, Stats]:
    """Counts for every element, children before parents."""
    stats: dict[Element, Stats] = {}
    known = stats.get
    for el in reversed(list(elements(doc))):
        text = el.text
        if text and not text.isspace():
            total = own = nsl(text)
            punct = own_punct = _npunct(text)
        else:
            total = own = punct = own_punct = 0
        link = links = own_link = 0
        for child in el:
            tail = child.tail
            if tail and not tail.isspace():
                size, marks = nsl(tail), _npunct(tail)
                total += size
                own += size
                punct += marks
                own_punct += marks
            cs = known(child)
            if cs is None:
                continue
            total += cs.total
            link += cs.link
            links += cs.links
            punct += cs.punct
            if child.tag not in MARKS:
                own += cs.total
                own_link += cs.link
                own_punct += cs.punct
        if el.tag == "a":
            link, own_link, links = total, own, links + 1
        stats[el] = Stats(total, link, links, punct, own, own_link, own_punct)
    return stats


def forget(el: Element, stats: dict[Element, Stats], keys: dict[Element, Key]) -> None:
    """Take a subtree about to be removed out of the counts of its ancestors."""
    gone = stats[el]
    inline = el.tag not in MARKS
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
            inline = anc.tag not in MARKS
        if anc.tag == "a":
            st.link, st.own_link = st.total, st.own
    for sub in el.iter():
        stats.pop(sub, None)
        keys.pop(sub, None)
