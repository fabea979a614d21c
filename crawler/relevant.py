"""Is a page a health bureau's work document (总结, 报告, 计划, 要点, 工作会议讲话)?"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from crawler.describe import Vocabulary, clean_title, find_doc_type, normalize, vocabulary

logger = logging.getLogger(__name__)

THRESHOLD = 0.6
_MEETING_VERBS = ("召开", "举行", "举办")
_SPEECH_TITLE = re.compile(r"会议?上的(?:讲话|报告|发言)|讲话$")
_DOC_END = re.compile(r"(?:总结|报告|计划|打算|要点|讲话|思路|安排)$")
_DATED = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")


@dataclass(frozen=True)
class Relevance:
    """The verdict on one page, with the reasons that led to it."""

    relevant: bool
    score: float
    reasons: tuple[str, ...]


def _first(words: tuple[str, ...], text: str) -> str | None:
    """The first of `words` found in `text`."""
    return next((w for w in words if w in text), None)


def _reject(reason: str, reasons: list[str]) -> Relevance:
    """A negative verdict."""
    return Relevance(False, 0.0, (*reasons, reason))


def _is_list_page(body: str, vocab: Vocabulary) -> bool:
    """Many short lines, a good share of them dated: a column of links, not a document."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    if len(lines) < vocab.number("negative.list_min_lines"):
        return False
    max_chars = vocab.number("negative.list_line_max_chars")
    short = sum(1 for ln in lines if len(ln) <= max_chars)
    dated = sum(1 for ln in lines if len(ln) <= max_chars and _DATED.search(ln))
    return short / len(lines) >= vocab.number("negative.list_share") and dated / len(lines) >= 0.3


def _title_rejection(title: str, body: str, vocab: Vocabulary) -> str | None:
    """Why a title shows the page is something else (news, notice, tender, another body)."""
    agency = _first(vocab.words("agency.cores"), title)
    for field, label in (
        ("negative.tender_title", "tender"),
        ("negative.epidemic_title", "epidemic bulletin"),
        ("negative.government_report", "not a bureau report"),
        ("negative.other_genres", "other genre"),
    ):
        if word := _first(vocab.words(field), title):
            return f"title: {label} ({word})"
    if not agency:
        for field, label in (
            ("negative.other_bodies", "other body"),
            ("health.institutions", "institution, not a bureau"),
            ("health.hygiene", "hygiene, not health work"),
        ):
            if word := _first(vocab.words(field), title):
                return f"title: {label} ({word})"
    if (verb := _first(_MEETING_VERBS, title)) and not _SPEECH_TITLE.search(title):
        return f"title: news about a meeting ({verb})"
    if (verb := _first(vocab.words("negative.news_title"), title)) and not _DOC_END.search(title):
        return f"title: news ({verb})"
    if notice := _first(vocab.words("negative.notice_title"), title):
        keywords = [w for _, words in vocab.doc_types for w in words if len(w) > 2]
        handed = _first(vocab.words("negative.hand_out"), title)
        doc = _first(tuple(keywords), title)
        if not (handed and doc and doc in body[len(title) :]):
            return f"title: notice ({notice})"
    return None


def judge(title: str | None, text: str) -> Relevance:
    """Decide whether a page is a health bureau's work document; explain why."""
    vocab = vocabulary()
    body = normalize(text or "")
    compact = re.sub(r"\s+", "", body)
    clean = clean_title(title, vocab)
    if not clean:  # an attachment or a bare page: its first short line stands for the title
        first = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
        clean = clean_title(first[:80], vocab) if len(first) <= 80 else None
    t = clean or ""
    reasons: list[str] = []
    if len(compact) < vocab.number("relevance.min_chars"):
        return _reject(f"body: too short ({len(compact)} characters)", reasons)
    if _is_list_page(body, vocab):
        return _reject("body: list page", reasons)
    if t and (why := _title_rejection(t, body, vocab)):
        return _reject(why, reasons)

    score = 0.0
    doc_type = find_doc_type(t or None, body, vocab)
    title_doc = bool(t) and find_doc_type(t, "", vocab) != "其他"
    if title_doc:
        score += 0.35
        reasons.append(f"title: {doc_type}")
    title_health = _first(vocab.words("agency.cores"), t) or _first(
        vocab.words("health.work_phrases"), t
    )
    if title_health:
        score += 0.25
        reasons.append(f"title: {title_health}")
    body_doc = find_doc_type(None, body, vocab)
    if body_doc != "其他":
        score += 0.1
        reasons.append(f"body: {body_doc}")
    headings = sum(len(p.findall(body)) for p in vocab.pattern_lists["relevance.headings"])
    if headings >= 3:
        score += 0.1
        reasons.append(f"body: {headings} numbered headings")
    phrases = sum(1 for p in vocab.pattern_lists["relevance.work_phrases"] if p.search(body))
    if phrases >= 2:
        score += 0.1
        reasons.append(f"body: {phrases} work-document phrases")
    terms = sum(body.count(w) for w in vocab.words("health.terms"))
    density = 1000 * terms / max(1, len(compact))
    if density >= vocab.number("relevance.health_density"):
        score += 0.15
        reasons.append(f"body: health vocabulary {density:.0f}‰")
    self_ref = _first(vocab.words("relevance.self_refs"), body) or _first(
        vocab.words("agency.cores"), body
    )
    if self_ref:
        score += 0.05
        reasons.append(f"body: {self_ref}")
    news = sum(body.count(w) for w in vocab.words("negative.news_body"))
    if news >= 2:
        score -= 0.3
        reasons.append(f"body: {news} news markers")
    epidemic = sum(body.count(w) for w in vocab.words("negative.epidemic_body"))
    if epidemic >= 3:
        score -= 0.4
        reasons.append(f"body: {epidemic} epidemic-bulletin markers")
    score = round(min(1.0, max(0.0, score)), 2)
    health = bool(title_health) or (
        bool(self_ref) and density >= vocab.number("relevance.health_density")
    )
    relevant = (
        score >= THRESHOLD
        and (title_doc or body_doc != "其他")
        and health
        and density >= vocab.number("relevance.health_density") / 2
    )
    logger.debug("judge %r: %s %.2f %s", t, relevant, score, reasons)
    return Relevance(relevant, score, tuple(reasons))
