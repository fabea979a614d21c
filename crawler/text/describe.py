"""Metadata of a cleaned document: title, date, year, period, type, region, agency, script."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from crawler.text.chinese_script import detect_script
from crawler.text.normalize import for_matching, for_matching_uncached
from crawler.text.regions import (
    Gazetteer,
    Place,
    agencies,
    ambiguous,
    common_province,
    find_region,
    gazetteer,
    name_at_end,
    place_before,
    resolve,
)
from crawler.text.vocabulary import NO_PERIOD, Vocabulary, vocabulary

logger = logging.getLogger(__name__)

_SCRIPT_SAMPLE = 2000  # characters enough to tell the script
_RAW_HEAD = 6000  # date lines and disclosure headers sit above the body


@dataclass(frozen=True)
class Description:
    """What describe() finds out about one document."""

    title: str | None
    published: str | None
    year: int | None
    period: str | None
    doc_type: str
    region: str | None
    province: str | None
    agency: str | None
    script: str
    is_template: bool
    division_code: str | None = None  # 6-digit code of the region (or of its successor)
    spun: bool = False  # a synonym-substituted copy (效劳 for 服务, 根底 for 基础)
    spun_score: float = 0.0  # share of spun forms among spun + normal forms, 0..1


# --- text helpers -------------------------------------------------------------------------


def _title_parts(title: str | None, vocab: Vocabulary) -> tuple[str | None, list[str]]:
    """(the document's title, the other segments: site and column names)."""
    text = re.sub(r"\s+", " ", for_matching(title or "")).strip()
    parts = [p.strip() for p in vocab.patterns["title.separators"].split(text) if p.strip()]
    parts = [p for p in parts if not _is_spam(p, vocab)]
    if not parts:
        return None, []
    keywords = [w for _, words in vocab.doc_types for w in words]
    with_type = [p for p in parts if any(w in p for w in keywords)]
    best = with_type[0] if with_type else parts[0]
    others = [p for p in parts if p is not best]
    for pat in (*vocab.pattern_lists["title.labels"], *vocab.pattern_lists["title.extensions"]):
        best = pat.sub("", best).strip()
    return best.strip(" -_|:：,，。") or None, others


def clean_title(title: str | None, vocab: Vocabulary | None = None) -> str | None:
    """A title without site names, word counts, file extensions and SEO spam; simplified."""
    return _title_parts(title, vocab or vocabulary())[0] if title else None


def _is_spam(part: str, vocab: Vocabulary) -> bool:
    """True when a title segment is mostly SEO spam words (久久精品…)."""
    rest = part
    for word in vocab.words("title.spam_words"):
        rest = rest.replace(word, "")
    rest = re.sub(r"[\d\sA-Za-z大小]", "", rest)
    return len(rest) <= max(1, len(part) // 5)


# --- dates --------------------------------------------------------------------------------

_DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_DATE_RE = re.compile(_DATE)
# a written-out date, not 2023年1-6月
_FULL_DATE = re.compile(r"(?:19|20)\d{2}(?:年\d{1,2}月\d{1,2}日?|([-/.])\d{1,2}\1\d{1,2})")
_URL_DATES = (
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),
    re.compile(r"/P0((?:19|20)\d{2})(\d{2})(\d{2})\d{6,}\.\w+$"),
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
)


def _iso(y: str, m: str, d: str) -> str | None:
    """ISO date from parts, or None when they are not a real date."""
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """The first date in `text` (2024-06-10 16:58, 2014/11/13, 2023年5月4日) as YYYY-MM-DD."""
    if not text:
        return None
    for m in _DATE_RE.finditer(unicodedata.normalize("NFKC", text)):
        iso = _iso(*m.groups())
        if iso:
            return iso
    return None


def _date_line(raw_text: str, vocab: Vocabulary) -> str | None:
    """A date on a labelled line (发布时间：…), or on a short line near the top that also
    names the source or a view count (2023-02-14 10:21 来源：… 浏览次数：…)."""
    lines = unicodedata.normalize("NFKC", raw_text[:_RAW_HEAD]).splitlines()
    dated = [(i, for_matching_uncached(ln)) for i, ln in enumerate(lines) if _DATE_RE.search(ln)]
    labels = "|".join(map(re.escape, vocab.words("dates.labels")))
    labelled = re.compile(rf"(?:{labels})\s*[:：]?\s*{_DATE}")
    for _, line in dated:
        for m in labelled.finditer(line):
            if found := _iso(*m.groups()):
                return found
    markers = vocab.words("dates.line_markers")
    for i, line in dated:
        short = i < 30 and len(line) <= 80
        if short and any(w in line for w in markers) and (found := parse_date(line)):
            return found
    return None


def find_published(
    *,
    date_text: str | None = None,
    meta: Mapping[str, str] | None = None,
    raw_text: str | None = None,
    url: str | None = None,
    vocab: Vocabulary | None = None,
    hint: str | None = None,
) -> str | None:
    """Publication date from date_text, meta tags, a date line of raw_text, the URL, or
    else `hint` (an attachment's: the date of the page that links it)."""
    vocab = vocab or vocabulary()
    found = parse_date(date_text)
    if found:
        return found
    for name in vocab.words("dates.meta"):
        found = parse_date((meta or {}).get(name))
        if found:
            return found
    if raw_text and (found := _date_line(raw_text, vocab)):
        return found
    path = urlsplit(url).path if url else ""
    for pat in _URL_DATES if path else ():
        m = pat.search(path)
        if m and (found := _iso(*m.groups())):
            return found
    return parse_date(hint)


# --- places and agencies (the machinery is in crawler/text/regions.py) ----------------------


def lookup_region(name: str, vocab: Vocabulary | None = None) -> tuple[str | None, str | None]:
    """(region, province) for a place name, or (None, None) when it is not a usable place.

    The region is the full official name (成华 → 成华区); the province is None when the name
    is not in the gazetteer or names divisions in several provinces (朝阳区).
    """
    vocab = vocab or vocabulary()
    gaz = gazetteer()
    name = for_matching(name).strip()
    if not name or vocab.patterns["template.placeholder"].search(name):
        return None, None
    if place_before(name, len(name), vocab) != name:  # 两个区: a stop character inside
        return None, None
    place = name_at_end(name, gaz, vocab)
    if place is None or place.written != name or ambiguous(place):
        return None, None
    if name in vocab.words("region.not_places"):
        return None, None
    division = resolve(gaz, place.divisions)
    province = gaz.province(division) if division else common_province(gaz, place.divisions)
    return place.name, province.name if province else None


def _agency(
    title: str, body: str, raw_text: str | None, gaz: Gazetteer, vocab: Vocabulary
) -> tuple[str | None, list[Place]]:
    """(agency, its places): the title's health bureau, else one at the top or foot of the
    body, else the one a page's disclosure header names (发布机构：…)."""
    if title and (found := agencies(title, gaz, vocab)):
        return found[0]
    addressee = vocab.patterns["agency.addressee_line"]
    ends = (body[:300] + "\n" + body[-200:]).splitlines()
    lines = [ln for ln in ends if not addressee.search(ln)]  # 各县（市、区）卫生健康局：
    if found := agencies("\n".join(lines), gaz, vocab):
        return found[0]
    labels = "|".join(map(re.escape, vocab.words("agency.source_labels")))
    source = re.compile(rf"(?:{labels})\s*[:：]\s*(\S{{2,30}})")
    for line in (raw_text or "")[:_RAW_HEAD].splitlines():
        m = source.search(for_matching_uncached(line)) if "局" in line or "委" in line else None
        if m and (found := agencies(m.group(1), gaz, vocab)):
            return found[0]
    return None, []


# --- type, period, year -------------------------------------------------------------------


def _is_speech(text: str, vocab: Vocabulary) -> bool:
    """A body that opens by addressing an audience at a meeting (同志们：…会议)."""
    head = text[:400]
    opening = any(
        re.search(rf"(?:^|\n)\s*{re.escape(w)}\s*[:：,，!！]", head)
        for w in vocab.words("body_doc_type.speech_openings")
    )
    return opening and any(w in text[:1200] for w in vocab.words("body_doc_type.speech_context"))


def find_doc_type(title: str | None, text: str, vocab: Vocabulary | None = None) -> str:
    """工作总结, 工作报告, 工作计划, 工作要点, 讲话 or 其他, from the title, then the body."""
    vocab = vocab or vocabulary()
    from_title = None
    for name, words in vocab.doc_types if title else ():
        if any(w in (title or "") for w in words):
            from_title = name
            break
    speech = _is_speech(text, vocab)
    if from_title and not (from_title == "工作计划" and speech):
        return from_title
    if speech:
        return "讲话"
    head = text[:500]
    for key, name in (
        ("summary", "工作总结"),
        ("report", "工作报告"),
        ("points", "工作要点"),
        ("plan", "工作计划"),
    ):
        if any(p.search(head) for p in vocab.pattern_lists[f"body_doc_type.{key}"]):
            return name
    return "其他"


def find_period(title: str | None, text: str, vocab: Vocabulary | None = None) -> str | None:
    """年度, 上半年, 下半年, 季度 or 月度 from the title, else from the opening of the body."""
    vocab = vocab or vocabulary()
    for source in (title or "", text[:200]):
        source = _FULL_DATE.sub("", re.sub(r"\s+", "", source))
        for name, pats in vocab.periods:
            if any(p.search(source) for p in pats):
                return name
    return None


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_HAN_YEAR = re.compile(r"[一二九][〇○零O0一二三四五六七八九]{3}(?=\s*年)")
_HAN_DIGITS = str.maketrans("〇○零O0一二三四五六七八九", "0000012345678" + "9")


def _arabic_years(text: str) -> str:
    """Years written in Chinese numerals as digits: 二〇二三年 → 2023年."""
    return _HAN_YEAR.sub(lambda m: m.group(0).translate(_HAN_DIGITS), text)


def _body_years(head: str, vocab: Vocabulary) -> list[int]:
    """Years named in `head`, without targets (到2025年)."""
    target = vocab.patterns["year.target_before"]
    return [
        int(m.group(1))
        for m in _YEAR.finditer(head)
        if not target.search(head[max(0, m.start() - 4) : m.start()])
    ]


def find_year(
    title: str | None,
    text: str,
    doc_type: str,
    vocab: Vocabulary | None = None,
    *,
    published: str | None = None,
    period: str | None = None,
    official: bool = False,
) -> int | None:
    """The year a document covers (None for 20xx templates): the title's first year, else the
    body's (the deployed year of a speech or plan, the most named one of a summary), else,
    on an official site, the year its publication date implies."""
    vocab = vocab or vocabulary()
    if title:
        if vocab.patterns["template.year_placeholder"].search(title):
            return None
        if m := _YEAR.search(_arabic_years(title)):
            return int(m.group(1))
    head = _arabic_years(text[:1500])
    if doc_type == "讲话":
        verbs = "|".join(map(re.escape, vocab.words("year.speech_verbs")))
        if m := re.search(rf"(?:{verbs})\s*((?:19|20)\d{{2}})\s*年", head):
            return int(m.group(1))
    years = _body_years(head, vocab)
    if years:
        if doc_type in ("讲话", "工作计划", "工作要点"):
            return max(years)
        counts = Counter(years)
        return max(years, key=lambda y: (counts[y], -years.index(y)))
    if official and published and not vocab.patterns["template.year_placeholder"].search(head):
        return _year_from_published(published, doc_type, period, vocab)
    return None


def _year_from_published(
    published: str, doc_type: str, period: str | None, vocab: Vocabulary
) -> int | None:
    """The covered year implied by an official publication date ([[year.from_published]])."""
    y, m = int(published[:4]), int(published[5:7])
    for types, periods, months, offset in vocab.year_rules:
        if doc_type in types and (period or NO_PERIOD) in periods and m in months:
            return y + offset
    return None


def _is_official(url: str | None, vocab: Vocabulary) -> bool:
    """A page on a government host, whose dates are the documents' own."""
    host = (urlsplit(url).hostname or "") if url else ""
    return any(host == h or host.endswith("." + h) for h in vocab.words("year.official_hosts"))


_PLACEHOLDER_PAIR = re.compile("[xX×]{2}")


def _is_template(title: str, text: str, vocab: Vocabulary) -> bool:
    """范文 templates: placeholders in the title, a 20xx year, or many xx for figures
    (xx名, xx%); xx standing only for names (xx区人民医院) marks an anonymised real text."""
    if vocab.patterns["template.placeholder"].search(title):
        return True
    if vocab.patterns["template.year_placeholder"].search(title + "\n" + text):
        return True
    if not _PLACEHOLDER_PAIR.search(text):
        return False
    figures = len(vocab.patterns["template.figure_placeholder"].findall(text))
    per_1000 = 1000 * figures / max(1, len(text))
    enough = figures >= vocab.number("template.figures_min")
    return enough and per_1000 >= vocab.number("template.figures_per_1000")


def find_spun(text: str, vocab: Vocabulary | None = None) -> tuple[bool, float]:
    """(spun?, share of spun forms): whether `text` is a synonym-substituted copy.

    Spun forms (效劳, 根底, 方案生育) must be frequent for the text's length and outnumber
    the normal forms they replace (服务, 基础, 计划生育), which a real text uses instead.
    """
    vocab = vocab or vocabulary()
    spun = sum(text.count(s) for s, _ in vocab.spun_pairs)
    if not spun:
        return False, 0.0
    normal = sum(text.count(n) for n in {n for _, n in vocab.spun_pairs})
    share = spun / (spun + normal)
    per_1000 = 1000 * spun / max(1, len(text))
    flag = (
        spun >= vocab.number("spun.min_count")
        and per_1000 >= vocab.number("spun.min_per_1000")
        and share >= vocab.number("spun.min_share")
    )
    return flag, round(share, 3)


# --- the stage ----------------------------------------------------------------------------


def describe(
    *,
    title: str | None,
    text: str,
    url: str | None = None,
    raw_text: str | None = None,
    meta: Mapping[str, str] | None = None,
    date_text: str | None = None,
    published_hint: str | None = None,
) -> Description:
    """Describe one cleaned document; metadata comes out in simplified characters
    (`published_hint`: the date of the page linking an attachment, used last)."""
    vocab, gaz = vocabulary(), gazetteer()
    clean, site = _title_parts(title, vocab)
    body = for_matching(text)
    head_title = clean or ""
    doc_type = find_doc_type(clean, body, vocab)
    period = find_period(clean, body, vocab)
    published = find_published(
        date_text=date_text, meta=meta, raw_text=raw_text, url=url, vocab=vocab,
        hint=published_hint,
    )  # fmt: skip
    year = find_year(
        clean,
        body,
        doc_type,
        vocab,
        published=published,
        period=period,
        official=_is_official(url, vocab),
    )
    agency, chain = _agency(head_title, body, raw_text, gaz, vocab)
    region = find_region(gaz, vocab, head_title, body, agency, chain, year, site=" ".join(site))
    spun, spun_score = find_spun(body, vocab)
    return Description(
        title=clean,
        published=published,
        year=year,
        period=period,
        doc_type=doc_type,
        region=region.name,
        province=region.province,
        agency=agency,
        script=detect_script(text[:_SCRIPT_SAMPLE]),
        is_template=_is_template(head_title, body, vocab),
        division_code=region.code,
        spun=spun,
        spun_score=spun_score,
    )
