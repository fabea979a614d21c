"""Metadata of a cleaned document: title, date, year, period, type, region, agency, script."""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.clean import strip_ruby
from crawler.errors import RulesError
from crawler.script import detect_script, to_simplified

logger = logging.getLogger(__name__)

VOCABULARY_PATH = Path(__file__).resolve().parent / "rules" / "vocabulary.toml"
DOC_TYPES = ("工作总结", "工作报告", "工作计划", "工作要点", "讲话", "其他")
PERIODS = ("年度", "上半年", "下半年", "季度", "月度")


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

    def words(self, dotted: str) -> tuple[str, ...]:
        """A validated list of strings, by dotted field name."""
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
    "template.placeholder": "regex",
    "template.year_placeholder": "regex",
    "template.density_per_1000": "number",
    "dates.labels": "words",
    "dates.meta": "words",
    "region.suffixes": "words",
    "region.stop_chars": "text",
    "region.not_places": "words",
    "region.not_names": "words",
    "region.not_place_endings": "words",
    "health.terms": "words",
    "health.work_phrases": "words",
    "health.hygiene": "words",
    "health.institutions": "words",
    "relevance.min_chars": "number",
    "relevance.health_density": "number",
    "relevance.work_phrases": "regexes",
    "relevance.headings": "regexes",
    "relevance.self_refs": "words",
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
    provinces = data.get("provinces")
    if not isinstance(provinces, Mapping) or not provinces:
        raise RulesError(f"{path}: missing or empty table '[provinces]'")
    for name, cities in provinces.items():
        if not isinstance(cities, list) or not all(isinstance(c, str) and c for c in cities):
            raise RulesError(f"{path}: field 'provinces.{name}' must be a list of city names")
    return Vocabulary(
        path=path,
        data=data,
        doc_types=tuple(doc_types),
        periods=tuple(periods),
        patterns={k: v for k, v in checked.items() if isinstance(v, re.Pattern)},
        pattern_lists={k: v for k, v in checked.items() if _SCHEMA[k] == "regexes"},
        provinces={name: tuple(cities) for name, cities in provinces.items()},
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, loaded once."""
    return load_vocabulary()


# --- text helpers -------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Text for matching: NFKC, pinyin ruby removed (衛(wèi)生 → 衛生), simplified characters."""
    return to_simplified(strip_ruby(unicodedata.normalize("NFKC", text)))


def clean_title(title: str | None, vocab: Vocabulary | None = None) -> str | None:
    """A title without site names, word counts, file extensions and SEO spam; simplified."""
    if not title:
        return None
    vocab = vocab or vocabulary()
    text = re.sub(r"\s+", " ", normalize(title)).strip()
    parts = [p.strip() for p in vocab.patterns["title.separators"].split(text) if p.strip()]
    parts = [p for p in parts if not _is_spam(p, vocab)]
    if not parts:
        return None
    keywords = [w for _, words in vocab.doc_types for w in words]
    with_type = [p for p in parts if any(w in p for w in keywords)]
    best = with_type[0] if with_type else parts[0]
    for pat in (*vocab.pattern_lists["title.labels"], *vocab.pattern_lists["title.extensions"]):
        best = pat.sub("", best).strip()
    best = best.strip(" -_|:：,，。")
    return best or None


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
_URL_DATES = (
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
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


def find_published(
    *,
    date_text: str | None = None,
    meta: Mapping[str, str] | None = None,
    raw_text: str | None = None,
    url: str | None = None,
    vocab: Vocabulary | None = None,
) -> str | None:
    """Publication date from date_text, meta tags, a labelled line of raw_text, or the URL."""
    vocab = vocab or vocabulary()
    found = parse_date(date_text)
    if found:
        return found
    for name in vocab.words("dates.meta"):
        found = parse_date((meta or {}).get(name))
        if found:
            return found
    if raw_text:
        labels = "|".join(map(re.escape, vocab.words("dates.labels")))
        labelled = re.compile(rf"(?:{labels})\s*[:：]?\s*{_DATE}")
        for m in labelled.finditer(normalize(raw_text)):
            found = _iso(*m.groups())
            if found:
                return found
    for pat in _URL_DATES if url else ():
        m = pat.search(url or "")
        if m and (found := _iso(*m.groups())):
            return found
    return None


# --- places and agencies ------------------------------------------------------------------


def _place_before(text: str, end: int, vocab: Vocabulary) -> str:
    """The run of name characters that ends at `end`, cut at stop characters."""
    stop = vocab.data["region"]["stop_chars"]
    start = end
    while start > 0 and end - start < 12:
        ch = text[start - 1]
        if not (_CJK.match(ch) or ch in "xX×") or ch in stop:
            break
        start -= 1
    return text[start:end]


def _place_at_end(run: str, vocab: Vocabulary) -> str | None:
    """The place that ends a run of name characters: a listed name, else the shortest 区/县/市."""
    known = [
        name
        for province, cities in vocab.provinces.items()
        for name in (province, *cities)
        if run.endswith(name)
    ]
    if known:
        return max(known, key=len)
    for length in range(3, min(len(run), 8) + 1):
        region, _ = lookup_region(run[-length:], vocab)
        if region:
            return region
    return None


def lookup_region(name: str, vocab: Vocabulary | None = None) -> tuple[str | None, str | None]:
    """(region, province) for a place name, or (None, None) when it is not a usable place.

    The one place that knows about places: a first list of provinces and prefecture cities
    plus the shape of 区/县/市 names; a full gazetteer will replace it.
    """
    vocab = vocab or vocabulary()
    if vocab.patterns["template.placeholder"].search(name):
        return None, None
    for province, cities in vocab.provinces.items():
        if name == province:
            return province, province
        if name in cities:
            return name, province
    suffix = next((s for s in vocab.words("region.suffixes") if name.endswith(s)), None)
    if suffix is None:
        return None, None
    stem = name[: -len(suffix)]
    if (
        len(stem) < 2
        or not _CJK.fullmatch(stem[-1])
        or name in vocab.words("region.not_places")
        or any(name.endswith(e) for e in vocab.words("region.not_place_endings"))
        or stem[-2:] in vocab.words("region.not_names")
        or stem.endswith("级")
        or "委" in stem
    ):
        return None, None
    return name, None


def _agencies(text: str, vocab: Vocabulary) -> list[tuple[str, str | None, int]]:
    """Health-bureau names in `text`: (agency as named, its place or None, position)."""
    cores = "|".join(map(re.escape, vocab.words("agency.cores")))
    levels = vocab.words("agency.levels")
    found = []
    for m in re.finditer(cores, text):
        after = text[m.end() : m.end() + 12]
        if any(p.match(after) for p in vocab.pattern_lists["agency.not_issuer_after"]):
            continue
        run = _place_before(text, m.start(), vocab)
        run = vocab.patterns["template.placeholder"].sub("", run)
        place = _place_at_end(run, vocab)
        prefix = place or (run[-1] if run[-1:] in levels else "")
        found.append((prefix + m.group(0), place, m.start()))
    return found


def _agency(title: str, body: str, vocab: Vocabulary) -> tuple[str | None, str | None]:
    """(agency, its place): the title's health bureau, else one at the top or foot of the body."""
    if title and (found := _agencies(title, vocab)):
        return found[0][0], found[0][1]
    found = _agencies(body[:300] + "\n" + body[-200:], vocab)
    return (found[0][0], found[0][1]) if found else (None, None)


def _text_region(text: str, level: str | None, vocab: Vocabulary) -> str | None:
    """The 区/县/市 a body keeps naming, at the level of its agency or of its 我区/全县.

    A level from the agency (区卫生局) needs two mentions, one strong (in 《》, before
    委/政府/人民); a level from self-references needs two strong ones, since bodies name
    partner places too.
    """
    need_strong = level is None
    if level is None:
        self_refs = Counter({lv: text.count("我" + lv) + text.count("全" + lv) for lv in "区县市"})
        level, refs = self_refs.most_common(1)[0]
        if refs < 2:
            return None
    suffixes = [level]
    counts: Counter[str] = Counter()
    strong_counts: Counter[str] = Counter()
    for m in re.finditer("|".join(map(re.escape, suffixes)), text):
        run = _place_before(text, m.start(), vocab)
        for length in (2, 3, 4):
            if len(run) < length:
                break
            name = run[-length:] + m.group(0)
            region, _ = lookup_region(name, vocab)
            if region:
                start = m.start() - length
                strong = text[start - 1 : start] == "《" or text[m.end() : m.end() + 2] in (
                    "委、",
                    "政府",
                    "人民",
                )
                counts[region] += 2 if strong else 1
                strong_counts[region] += strong
                break
    best = (strong_counts if need_strong else counts).most_common(1)
    if not best or best[0][1] < 2 or not strong_counts[best[0][0]]:
        return None
    return best[0][0]


def _province(region: str | None, title: str, text: str, vocab: Vocabulary) -> str | None:
    """The province of a region, else the one most named (in the title alone if no region)."""
    if region:
        _, province = lookup_region(region, vocab)
        if province:
            return province
    else:
        text = ""
    counts: Counter[str] = Counter()
    for province, cities in vocab.provinces.items():
        for name in (province, *cities):
            counts[province] += 3 * title.count(name) + text.count(name)
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] > 0 else None


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
        source = _DATE_RE.sub("", source)
        for name, pats in vocab.periods:
            if any(p.search(source) for p in pats):
                return name
    return None


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def find_year(
    title: str | None, text: str, doc_type: str, vocab: Vocabulary | None = None
) -> int | None:
    """The year a document covers: the title's first year, else the body's (None for 20xx)."""
    vocab = vocab or vocabulary()
    placeholder_year = vocab.patterns["template.year_placeholder"]
    if title:
        if placeholder_year.search(title):
            return None
        m = _YEAR.search(title)
        if m:
            return int(m.group(1))
    head = text[:1500]
    if doc_type == "讲话":
        m = re.search(r"(?:部署|安排|谋划|做好|抓好)\s*((?:19|20)\d{2})\s*年", head)
        if m:
            return int(m.group(1))
    years = Counter(int(y) for y in _YEAR.findall(head))
    if not years:
        return None
    if doc_type == "讲话":
        return max(years)
    top = max(years.values())
    return next(int(y) for y in _YEAR.findall(head) if years[int(y)] == top)


def _is_template(title: str, text: str, vocab: Vocabulary) -> bool:
    """范文 templates: placeholders in the title, a 20xx year, or many xx in the body."""
    placeholder = vocab.patterns["template.placeholder"]
    if placeholder.search(title) or vocab.patterns["template.year_placeholder"].search(text):
        return True
    density = 1000 * len(placeholder.findall(text)) / max(1, len(text))
    return density >= vocab.number("template.density_per_1000")


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
    vocab = vocabulary()
    clean = clean_title(title, vocab)
    body = normalize(text)
    head_title = clean or ""
    doc_type = find_doc_type(clean, body, vocab)
    agency, region = _agency(head_title, body, vocab)
    region = region or _title_region(head_title, vocab)
    if region is None:
        levels = vocab.words("agency.levels")
        level = agency[0] if agency and agency[0] in levels else None
        region = _text_region(body, level, vocab)
    return Description(
        title=clean,
        published=find_published(
            date_text=date_text, meta=meta, raw_text=raw_text, url=url, vocab=vocab
        ),
        year=find_year(clean, body, doc_type, vocab),
        period=find_period(clean, body, vocab),
        doc_type=doc_type,
        region=region,
        province=_province(region, head_title, body, vocab),
        agency=agency,
        script=detect_script(text),
        is_template=_is_template(head_title, body, vocab),
    )


def _title_region(title: str, vocab: Vocabulary) -> str | None:
    """A place named in the title: the last well-formed 省/市/区/县 name."""
    suffixes = "|".join(map(re.escape, vocab.words("region.suffixes")))
    for m in reversed(list(re.finditer(suffixes, title))):
        region = _place_at_end(_place_before(title, m.end(), vocab), vocab)
        if region:
            return region
    return None
