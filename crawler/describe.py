"""Metadata of a cleaned document: title, date, year, period, type, region, agency, script."""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.clean import strip_ruby
from crawler.errors import RulesError
from crawler.regions import (
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
from crawler.script import detect_script, to_simplified

logger = logging.getLogger(__name__)

VOCABULARY_PATH = Path(__file__).resolve().parent / "rules" / "vocabulary.toml"
DOC_TYPES = ("工作总结", "工作报告", "工作计划", "工作要点", "讲话", "其他")
PERIODS = ("年度", "上半年", "下半年", "季度", "月度")
NO_PERIOD = "-"  # stands for "no period" in [[year.from_published]]
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


@dataclass(frozen=True)
class Vocabulary:
    """The validated contents of a vocabulary file (see crawler/rules/vocabulary.toml)."""

    path: Path
    data: Mapping[str, Any]
    doc_types: tuple[tuple[str, tuple[str, ...]], ...]
    periods: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    patterns: Mapping[str, re.Pattern[str]]
    pattern_lists: Mapping[str, tuple[re.Pattern[str], ...]]
    provinces: Mapping[str, tuple[str, ...]]
    spun_pairs: tuple[tuple[str, str], ...] = ()
    year_rules: tuple[tuple[frozenset[str], frozenset[str], frozenset[int], int], ...] = ()
    word_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def words(self, dotted: str) -> tuple[str, ...]:
        """A validated list of strings, by dotted field name."""
        if dotted in self.word_lists:
            return self.word_lists[dotted]
        return tuple(_field(self.data, dotted, self.path))

    def number(self, dotted: str) -> float:
        """A validated number, by dotted field name."""
        return float(_field(self.data, dotted, self.path))


# Fields checked on load: dotted name -> kind.
_SCHEMA: dict[str, str] = {
    "title.separators": "regex",
    "title.labels": "regexes",
    "title.extensions": "regexes",
    "title.spam_words": "words",
    "body_doc_type.speech_openings": "words",
    "body_doc_type.speech_context": "words",
    "body_doc_type.summary": "regexes",
    "body_doc_type.report": "regexes",
    "body_doc_type.points": "regexes",
    "body_doc_type.plan": "regexes",
    "agency.cores": "words",
    "agency.levels": "words",
    "agency.not_issuer_after": "regexes",
    "agency.non_divisions": "words",
    "agency.addressee_line": "regex",
    "agency.source_labels": "words",
    "template.placeholder": "regex",
    "template.year_placeholder": "regex",
    "template.figure_placeholder": "regex",
    "template.figures_min": "number",
    "template.figures_per_1000": "number",
    "dates.labels": "words",
    "dates.meta": "words",
    "dates.line_markers": "words",
    "year.target_before": "regex",
    "year.speech_verbs": "words",
    "year.official_hosts": "words",
    "region.suffixes": "words",
    "region.stop_chars": "text",
    "region.not_places": "words",
    "region.not_names": "words",
    "region.not_place_endings": "words",
    "region.not_after": "words",
    "region.strong_before": "words",
    "region.strong_after": "words",
    "spun.min_count": "number",
    "spun.min_per_1000": "number",
    "spun.min_share": "number",
    "health.terms": "words",
    "health.work_phrases": "words",
    "health.bureau_names": "regexes",
    "health.institution_voice": "words",
    "health.institution_topic": "regex",
    "health.hygiene": "words",
    "health.institutions": "words",
    "relevance.min_chars": "number",
    "relevance.health_density": "number",
    "relevance.work_phrases": "regexes",
    "relevance.headings": "regexes",
    "relevance.self_refs": "words",
    "relevance.title_genres": "words",
    "relevance.speech_title": "regexes",
    "relevance.doc_title_end": "regex",
    "relevance.title_line_max_chars": "number",
    "relevance.title_line_skip": "regexes",
    "relevance.opening_chars": "number",
    "relevance.news_opening": "regexes",
    "relevance.leadership": "words",
    "relevance.not_issuer_before": "regex",
    "negative.meeting_title": "words",
    "negative.personal_roles": "words",
    "negative.personal_voice": "words",
    "negative.news_title": "words",
    "negative.news_body": "words",
    "negative.epidemic_title": "words",
    "negative.epidemic_body": "words",
    "negative.notice_title": "words",
    "negative.hand_out": "words",
    "negative.tender_title": "words",
    "negative.government_report": "words",
    "negative.other_bodies": "words",
    "negative.other_genres": "words",
    "negative.list_line_max_chars": "number",
    "negative.list_min_lines": "number",
    "negative.list_share": "number",
}


def _field(data: Mapping[str, Any], dotted: str, path: Path) -> Any:
    """The value at `dotted` in `data`, or RulesError naming the file and the field."""
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise RulesError(f"{path}: missing field '{dotted}'")
        node = node[part]
    return node


def _compile(value: Any, where: str, path: Path) -> re.Pattern[str]:
    """Compile one regex field, or RulesError naming the file and the field."""
    if not isinstance(value, str) or not value:
        raise RulesError(f"{path}: field '{where}' must be a non-empty string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise RulesError(f"{path}: field '{where}' is not a valid regex: {exc}") from exc


def _check(data: Mapping[str, Any], dotted: str, kind: str, path: Path) -> Any:
    """Validate one field against its kind and return it (compiled, for regexes)."""
    value = _field(data, dotted, path)
    if kind == "regex":
        return _compile(value, dotted, path)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RulesError(f"{path}: field '{dotted}' must be a non-negative number")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise RulesError(f"{path}: field '{dotted}' must be a string")
        return value
    if not isinstance(value, list) or not value:
        raise RulesError(f"{path}: field '{dotted}' must be a non-empty list of strings")
    if kind == "regexes":
        return tuple(_compile(v, f"{dotted}[{i}]", path) for i, v in enumerate(value))
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v:
            raise RulesError(f"{path}: field '{dotted}[{i}]' must be a non-empty string")
    return tuple(value)


def _named_lists(data: Mapping[str, Any], table: str, key: str, path: Path) -> list[Any]:
    """Validate an array of tables like [[period]] with `name` and a list `key`."""
    items = data.get(table)
    if not isinstance(items, list) or not items:
        raise RulesError(f"{path}: missing or empty array of tables '[[{table}]]'")
    out = []
    for i, item in enumerate(items):
        where = f"{table}[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise RulesError(f"{path}: field '{where}.name' must be a string")
        words = item.get(key)
        if (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w for w in words)
        ):
            raise RulesError(f"{path}: field '{where}.{key}' must be a non-empty list of strings")
        out.append((item["name"], words, where))
    return out


def _spun_pairs(data: Mapping[str, Any], path: Path) -> tuple[tuple[str, str], ...]:
    """The [spun.pairs] table: spun form → normal form, both non-empty strings."""
    pairs = _field(data, "spun.pairs", path)
    if not isinstance(pairs, Mapping) or not pairs:
        raise RulesError(f"{path}: field 'spun.pairs' must be a non-empty table")
    for spun, normal in pairs.items():
        if not isinstance(normal, str) or not normal or normal == spun:
            raise RulesError(f"{path}: field 'spun.pairs.{spun}' must name a different word")
    return tuple(pairs.items())


def _year_rules(data: Mapping[str, Any], path: Path) -> tuple[Any, ...]:
    """The [[year.from_published]] tables: doc_types, periods, months, offset."""
    rules = _field(data, "year.from_published", path)
    if not isinstance(rules, list) or not rules:
        raise RulesError(f"{path}: field 'year.from_published' must be an array of tables")
    out = []
    for i, rule in enumerate(rules):
        where = f"year.from_published[{i}]"
        types, periods = rule.get("doc_types"), rule.get("periods")
        months, offset = rule.get("months"), rule.get("offset")
        if not isinstance(types, list) or not set(types) <= set(DOC_TYPES):
            raise RulesError(f"{path}: field '{where}.doc_types' must list doc types")
        if not isinstance(periods, list) or not set(periods) <= {*PERIODS, NO_PERIOD}:
            raise RulesError(f"{path}: field '{where}.periods' must list periods or '-'")
        if not isinstance(months, list) or not all(m in range(1, 13) for m in months):
            raise RulesError(f"{path}: field '{where}.months' must list months 1-12")
        if not isinstance(offset, int) or isinstance(offset, bool) or abs(offset) > 1:
            raise RulesError(f"{path}: field '{where}.offset' must be -1, 0 or 1")
        out.append((frozenset(types), frozenset(periods), frozenset(months), offset))
    return tuple(out)


def load_vocabulary(path: Path | str | None = None) -> Vocabulary:
    """Read and validate a vocabulary file; RulesError names the file and the bad field."""
    path = Path(path) if path is not None else VOCABULARY_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read vocabulary: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc
    checked = {dotted: _check(data, dotted, kind, path) for dotted, kind in _SCHEMA.items()}
    doc_types = []
    for name, words, where in _named_lists(data, "doc_type", "title_keywords", path):
        if name not in DOC_TYPES:
            raise RulesError(f"{path}: field '{where}.name' must be one of {', '.join(DOC_TYPES)}")
        doc_types.append((name, tuple(words)))
    periods = []
    for name, words, where in _named_lists(data, "period", "keywords", path):
        if name not in PERIODS:
            raise RulesError(f"{path}: field '{where}.name' must be one of {', '.join(PERIODS)}")
        pats = tuple(_compile(w, f"{where}.keywords[{i}]", path) for i, w in enumerate(words))
        periods.append((name, pats))
    return Vocabulary(
        path=path,
        data=data,
        doc_types=tuple(doc_types),
        periods=tuple(periods),
        patterns={k: v for k, v in checked.items() if _SCHEMA[k] == "regex"},
        pattern_lists={k: v for k, v in checked.items() if _SCHEMA[k] == "regexes"},
        provinces=gazetteer().provinces(),
        spun_pairs=_spun_pairs(data, path),
        year_rules=_year_rules(data, path),
        word_lists={k: v for k, v in checked.items() if _SCHEMA[k] == "words"},
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, loaded once."""
    return load_vocabulary()


# --- text helpers -------------------------------------------------------------------------


def _normalized(text: str) -> str:
    """normalize() without its cache, for many short strings."""
    return to_simplified(strip_ruby(unicodedata.normalize("NFKC", text)))


@lru_cache(maxsize=16)
def normalize(text: str) -> str:
    """Text for matching: NFKC, pinyin ruby removed (衛(wèi)生 → 衛生), simplified characters."""
    return _normalized(text)


def _title_parts(title: str | None, vocab: Vocabulary) -> tuple[str | None, list[str]]:
    """(the document's title, the other segments: site and column names)."""
    text = re.sub(r"\s+", " ", normalize(title or "")).strip()
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
    dated = [(i, _normalized(ln)) for i, ln in enumerate(lines) if _DATE_RE.search(ln)]
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
) -> str | None:
    """Publication date from date_text, meta tags, a date line of raw_text, or the URL."""
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
    return None


# --- places and agencies (the machinery is in crawler/regions.py) ----------------------


def lookup_region(name: str, vocab: Vocabulary | None = None) -> tuple[str | None, str | None]:
    """(region, province) for a place name, or (None, None) when it is not a usable place.

    The region is the full official name (成华 → 成华区); the province is None when the name
    is not in the gazetteer or names divisions in several provinces (朝阳区).
    """
    vocab = vocab or vocabulary()
    gaz = gazetteer()
    name = normalize(name).strip()
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
        m = source.search(_normalized(line)) if "局" in line or "委" in line else None
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
) -> Description:
    """Describe one cleaned document; metadata comes out in simplified characters."""
    vocab, gaz = vocabulary(), gazetteer()
    clean, site = _title_parts(title, vocab)
    body = normalize(text)
    head_title = clean or ""
    doc_type = find_doc_type(clean, body, vocab)
    period = find_period(clean, body, vocab)
    published = find_published(
        date_text=date_text, meta=meta, raw_text=raw_text, url=url, vocab=vocab
    )
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
