"""Is a page a health bureau's work document (总结, 报告, 计划, 要点, 工作会议讲话)?

The verdict weighs two kinds of evidence, each from the title first and the body second:
the genre (a work document, not news, a notice or a tender) and the issuer (a health
bureau or its work, not a hospital, another bureau or a person). A page without a title
line (an attachment, a bare text) lets its first short lines stand for the title and the
opening of its body name the issuer. Hard negatives are turned away by name before any
scoring. All words and patterns are in crawler/text/rules/vocabulary.toml
([relevance], [negative], [health]).

Borderline kinds, decided (tests/pages/relevant/ holds examples of each):
- relevant: a bureau's thematic reports (安全生产, 法治政府建设, 爱国卫生, 疫情防控), its
  领导班子 述职/履职 reports, speeches at a health work conference by anyone, templates
  (xx县卫健委20xx年…), and a 关于印发 notice whose body carries the document itself.
- not relevant: health bodies that are not bureaus (疾控中心 and 疾控局, 医保局,
  中医药管理局, 药监局, 计生协), hospitals, 卫生院 and 社区卫生服务中心, personal summaries
  (a nurse's, a clerk's, a director's 述职述廉), 政府信息公开年度报告, 部门预算/决算,
  卫生健康统计公报, policy documents (方案, 意见, 办法), 主持词, 心得体会.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crawler.text.describe import clean_title, find_doc_type
from crawler.text.normalize import for_matching
from crawler.text.vocabulary import Vocabulary, vocabulary

logger = logging.getLogger(__name__)

THRESHOLD = 0.6
_DATED = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")
_DATE_LINE = re.compile(r"^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_SENTENCE = re.compile(r"[。！？!?；;]|[:：]\s*$")
_ADDRESS = re.compile(r"^(?!.*(?:如下|现将))[^。]{0,60}[:：]\s*$")
Points = list[tuple[float, str]]  # (points, reason) pairs of evidence


@dataclass(frozen=True)
class Relevance:
    """The verdict on one page, with the reasons that led to it."""

    relevant: bool
    score: float
    reasons: tuple[str, ...]


def _first(words: tuple[str, ...], text: str) -> str | None:
    """The first of `words` found in `text`."""
    return next((w for w in words if w in text), None)


def _search(patterns: tuple[re.Pattern[str], ...], text: str) -> str | None:
    """The first match of any of `patterns` in `text`."""
    return next((m.group(0) for p in patterns if (m := p.search(text))), None)


# --- title -------------------------------------------------------------------------------


def _title_from_body(body: str, vocab: Vocabulary) -> tuple[str, str]:
    """(title, rest of the body) for a page without a title: its first short lines.

    Lines such as 附件 are skipped; a title split over two lines (an agency name, then
    2024年工作要点) is joined. Sentences and salutations (同志们：) are not titles.
    """
    lines = body.splitlines()
    max_chars = vocab.number("relevance.title_line_max_chars")
    skip = vocab.pattern_lists["relevance.title_line_skip"]
    parts: list[str] = []
    end = 0
    for i, line in enumerate(lines[:8]):
        text = line.strip()
        if not text or (not parts and any(p.search(text) for p in skip)):
            end = i + 1
            continue
        if len(text) > max_chars or _SENTENCE.search(text) or len(parts) == 2:
            break
        parts.append(text)
        end = i + 1
    title = clean_title("".join(parts), vocab) or ""
    return (title, "\n".join(lines[end:])) if title else ("", body)


def _bureau(text: str, vocab: Vocabulary) -> str | None:
    """A health bureau's name in `text` (卫健委, 卫生和计划生育局, …)."""
    return _first(vocab.words("agency.cores"), text) or _search(
        vocab.pattern_lists["health.bureau_names"], text
    )


def _institution(text: str, vocab: Vocabulary) -> str | None:
    """An institution named as the writer (县人民医院), not as a topic (公立医院改革)."""
    topic = vocab.patterns["health.institution_topic"]
    for word in vocab.words("health.institutions"):
        for m in re.finditer(re.escape(word), text):
            if not topic.match(text[m.end() :]):
                return word
    return None


def _title_rejection(title: str, body: str, vocab: Vocabulary) -> str | None:
    """Why a title shows the page is something else (news, notice, tender, another body)."""
    for field, label in (
        ("negative.tender_title", "tender"),
        ("negative.epidemic_title", "epidemic bulletin"),
        ("negative.government_report", "not a bureau report"),
        ("negative.other_genres", "other genre"),
    ):
        if word := _first(vocab.words(field), title):
            return f"title: {label} ({word})"
    if not _bureau(title, vocab):
        if word := _first(vocab.words("negative.other_bodies"), title):
            return f"title: other body ({word})"
        if word := _institution(title, vocab):
            return f"title: institution, not a bureau ({word})"
        for field, label in (
            ("negative.personal_roles", "personal"),
            ("health.hygiene", "hygiene, not health work"),
        ):
            if word := _first(vocab.words(field), title):
                return f"title: {label} ({word})"
    speech = _search(vocab.pattern_lists["relevance.speech_title"], title)
    if (verb := _first(vocab.words("negative.meeting_title"), title)) and not speech:
        return f"title: news about a meeting ({verb})"
    doc_end = vocab.patterns["relevance.doc_title_end"].search(title)
    if (verb := _first(vocab.words("negative.news_title"), title)) and not doc_end:
        return f"title: news ({verb})"
    notice = _first(vocab.words("negative.notice_title"), title)
    if notice and not _hands_out_document(title, body, vocab):
        return f"title: notice ({notice})"
    return None


def _hands_out_document(title: str, body: str, vocab: Vocabulary) -> bool:
    """A notice that hands out (印发) a work document whose text follows its cover letter."""
    if not _first(vocab.words("negative.hand_out"), title):
        return False
    doc = _first(tuple(w for _, words in vocab.doc_types for w in words if len(w) > 2), title)
    if not doc:
        return False
    lines = body.splitlines()
    start = next(
        (
            i + 1
            for i, line in enumerate(lines[:15])
            if _DATE_LINE.match(line) or (doc in line and len(line.strip()) <= 60)
        ),
        None,
    )
    if start is None:
        return False
    rest = "\n".join(lines[start:])
    headings = sum(len(p.findall(rest)) for p in vocab.pattern_lists["relevance.headings"])
    return len(re.sub(r"\s+", "", rest)) >= vocab.number("relevance.min_chars") and headings >= 2


# --- body --------------------------------------------------------------------------------


def _is_list_page(body: str, vocab: Vocabulary) -> bool:
    """Many short lines, a good share of them dated: a column of links, not a document.

    The short lines must also hold most of the text: a document followed by a list of
    related links keeps its paragraphs.
    """
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    if len(lines) < vocab.number("negative.list_min_lines"):
        return False
    max_chars = vocab.number("negative.list_line_max_chars")
    short = [ln for ln in lines if len(ln) <= max_chars]
    dated = sum(1 for ln in short if _DATED.search(ln))
    share = vocab.number("negative.list_share")
    short_text = sum(map(len, short)) / sum(map(len, lines))
    return len(short) / len(lines) >= share and short_text >= share and dated / len(lines) >= 0.3


def _actor_pattern(bureau: bool, vocab: Vocabulary) -> str:
    """A regex for names of health bureaus and their work, or of any other writer."""
    if bureau:
        fields = ("agency.cores", "health.work_phrases", "relevance.self_refs")
    else:
        fields = ("negative.other_bodies", "health.institutions", "health.institution_voice")
    words = sorted((w for f in fields for w in vocab.words(f)), key=len, reverse=True)
    pattern = "|".join(map(re.escape, words))
    if bureau:
        pattern += "|" + "|".join(p.pattern for p in vocab.pattern_lists["health.bureau_names"])
    return pattern


def _actors(text: str, bureau: bool, vocab: Vocabulary) -> Iterator[re.Match[str]]:
    """Names in `text` of health bureaus (or of other writers) that act, not serve as context.

    在县卫健委的领导下 and 根据区政府…安排 are context (agency.not_issuer_after,
    relevance.not_issuer_before), and so is the leadership (县委、县政府, relevance.leadership);
    公立医院改革 is a topic (health.institution_topic).
    """
    not_after = vocab.pattern_lists["agency.not_issuer_after"]
    not_before = vocab.patterns["relevance.not_issuer_before"]
    topic = vocab.patterns["health.institution_topic"]
    leadership = vocab.words("relevance.leadership")
    for m in re.finditer(_actor_pattern(bureau, vocab), text):
        after = text[m.end() : m.end() + 12]
        if any(p.match(after) for p in not_after) or not_before.search(text, 0, m.start()):
            continue
        if not bureau and topic.match(after):  # 公立医院改革: a topic, not a writer
            continue
        if not bureau and _first(leadership, m.group(0)):  # 县政府决定…: the leadership
            continue
        yield m


def _opening_issuer(opening: str, vocab: Vocabulary) -> tuple[bool, str] | None:
    """(is a health bureau, name): who the first sentence names first as acting."""
    lines = [ln for ln in opening.splitlines() if ln.strip()]
    while lines and _ADDRESS.search(lines[0]):
        lines.pop(0)  # addressees (各乡镇卫生院：) and salutations (同志们：) name no issuer
    sentence = re.split(r"[。！？!?]", lines[0] if lines else "", maxsplit=1)[0]
    found = [
        (m.start(), -len(m.group(0)), bureau, m.group(0))
        for bureau in (True, False)
        for m in itertools.islice(_actors(sentence, bureau, vocab), 1)
    ]
    if not found:
        return None
    _, _, bureau, name = min(found)
    return bureau, name


def _body_rejection(title_bureau: bool, opening: str, body: str, vocab: Vocabulary) -> str | None:
    """Why the body shows another author (a hospital, another body, a person) or genre (news)."""
    if news := _search(vocab.pattern_lists["relevance.news_opening"], opening.lstrip()):
        return f"body: opens like news ({news})"
    bureau_voice = sum(body.count(w) for w in vocab.words("relevance.self_refs"))
    if not title_bureau:
        issuer = _opening_issuer(opening, vocab)
        if issuer and not issuer[0]:
            return f"body: written by another body ({issuer[1]})"
        voice = sum(body.count(w) for w in vocab.words("health.institution_voice"))
        if voice >= 2 and voice > bureau_voice:
            return f"body: written by an institution ({voice} times 我院/本院…)"
    personal = sum(body.count(w) for w in vocab.words("negative.personal_voice"))
    if personal >= 2 and personal > bureau_voice:
        return f"body: a personal summary ({personal} times 本人)"
    return None


# --- the verdict -------------------------------------------------------------------------


def _reject(reason: str) -> Relevance:
    """A negative verdict."""
    return Relevance(False, 0.0, (reason,))


def judge(title: str | None, text: str, *, link_share: float = 0.0) -> Relevance:
    """Decide whether a page is a health bureau's work document; explain why.

    `link_share`: how much of the page's main text sat inside links (crawler.text.extract)."""
    vocab = vocabulary()
    body = for_matching(text or "")
    compact = re.sub(r"\s+", "", body)
    t = clean_title(title, vocab) or ""
    rest = body
    if not t:  # an attachment or a bare page: its first short lines stand for the title
        t, rest = _title_from_body(body, vocab)
    if len(compact) < vocab.number("relevance.min_chars"):
        return _reject(f"body: too short ({len(compact)} characters)")
    if link_share >= vocab.number("negative.list_link_share"):
        return _reject(f"body: list page ({link_share:.0%} of its text is links)")
    if _is_list_page(body, vocab):
        return _reject("body: list page")
    if t and (why := _title_rejection(t, rest, vocab)):
        return _reject(why)
    title_bureau = _bureau(t, vocab) if t else None
    opening = rest.lstrip()[: int(vocab.number("relevance.opening_chars"))]
    if why := _body_rejection(bool(title_bureau), opening, rest, vocab):
        return _reject(why)
    return _weigh(t, title_bureau, opening, rest, vocab)


def _structure(body: str, vocab: Vocabulary) -> tuple[int, int]:
    """(numbered headings, distinct work-document phrases) in a body."""
    headings = sum(len(p.findall(body)) for p in vocab.pattern_lists["relevance.headings"])
    phrases = sum(1 for p in vocab.pattern_lists["relevance.work_phrases"] if p.search(body))
    return headings, phrases


def _genre(t: str, body: str, vocab: Vocabulary) -> tuple[bool, Points]:
    """Is it a work document, by its title (总结, 工作要点, 汇报) or its body (同志们：…)?

    A page with no title at all may show its genre by its structure alone.
    """
    title_genre = bool(t) and (
        find_doc_type(t, "", vocab) != "其他"
        or bool(_first(vocab.words("relevance.title_genres"), t))
    )
    body_genre = find_doc_type(None, body, vocab)
    points: Points = []
    if title_genre:
        points.append((0.35, f"title: {find_doc_type(t, body, vocab)}"))
        if body_genre != "其他":
            points.append((0.1, f"body: {body_genre}"))
    elif body_genre != "其他":
        points.append((0.3, f"body: {body_genre}"))
    elif not t and min(_structure(body, vocab)) >= 3:
        points.append((0.3, "body: structured like a work document"))
    return bool(points), points


def _issuer(t: str, title_bureau: str | None, opening: str, vocab: Vocabulary) -> Points:
    """A health bureau or its work named in the title, else acting in the opening sentence."""
    if name := title_bureau or _first(vocab.words("health.work_phrases"), t):
        return [(0.25, f"title: {name}")]
    issuer = _opening_issuer(opening, vocab)
    return [(0.2, f"opening: {issuer[1]}")] if issuer and issuer[0] else []


def _support(body: str, vocab: Vocabulary) -> tuple[float, str | None, Points]:
    """(health terms per 1,000 characters, a bureau speaking of itself, points) of the body."""
    points: Points = []
    headings, phrases = _structure(body, vocab)
    if headings >= 3:
        points.append((0.1, f"body: {headings} numbered headings"))
    if phrases >= 2:
        points.append((0.1, f"body: {phrases} work-document phrases"))
    terms = sum(body.count(w) for w in vocab.words("health.terms"))
    density = 1000 * terms / max(1, len(re.sub(r"\s+", "", body)))
    if density >= vocab.number("relevance.health_density"):
        points.append((0.15, f"body: health vocabulary {density:.0f}‰"))
    self_ref = _first(vocab.words("relevance.self_refs"), body) or next(
        (m.group(0) for m in _actors(body, True, vocab) if _bureau(m.group(0), vocab)), None
    )
    if self_ref:
        points.append((0.05, f"body: {self_ref}"))
    news = sum(body.count(w) for w in vocab.words("negative.news_body"))
    if news >= 2:
        points.append((-0.3, f"body: {news} news markers"))
    epidemic = sum(body.count(w) for w in vocab.words("negative.epidemic_body"))
    if epidemic >= 3:
        points.append((-0.4, f"body: {epidemic} epidemic-bulletin markers"))
    return density, self_ref, points


def _weigh(
    t: str, title_bureau: str | None, opening: str, body: str, vocab: Vocabulary
) -> Relevance:
    """Score the evidence for a work document of a health bureau and decide.

    Relevant needs the score, a genre, a health issuer (named, or a bureau speaking of
    itself in a text dense with health terms) and at least half that density.
    """
    genre, genre_points = _genre(t, body, vocab)
    issuer_points = _issuer(t, title_bureau, opening, vocab)
    density, self_ref, support_points = _support(body, vocab)
    points = genre_points + issuer_points + support_points
    score = round(min(1.0, max(0.0, sum(p for p, _ in points))), 2)
    needed = vocab.number("relevance.health_density")
    health = bool(issuer_points) or (bool(self_ref) and density >= needed)
    relevant = score >= THRESHOLD and genre and health and density >= needed / 2
    reasons = tuple(reason for _, reason in points)
    logger.debug("judge %r: %s %.2f %s", t, relevant, score, reasons)
    return Relevance(relevant, score, reasons)
