"""The vocabulary that describes and judges documents (crawler/text/rules/vocabulary.toml).

Every field the code reads is listed in `_SCHEMA` with its kind and validated when the
file is loaded; a bad file is a RulesError naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.text.errors import RulesError
from crawler.text.regions import gazetteer

VOCABULARY_PATH = Path(__file__).resolve().parent / "rules" / "vocabulary.toml"
DOC_TYPES = ("工作总结", "工作报告", "工作计划", "工作要点", "讲话", "其他")
PERIODS = ("年度", "上半年", "下半年", "季度", "月度")
NO_PERIOD = "-"  # stands for "no period" in [[year.from_published]]


@dataclass(frozen=True)
class Vocabulary:
    """The validated contents of a vocabulary file (see crawler/text/rules/vocabulary.toml)."""

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
    "negative.list_link_share": "number",
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
