"""Reduce extracted text to the report body: chrome lines out, whitespace normalized.

The chrome rules are data (crawler/text/rules/chrome.toml), validated on load; this module holds
only the machinery and the few rules that are algorithms rather than patterns: pinyin ruby
left in parentheses, preview page markers, and lines that repeat the title.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.text.chinese_script import to_simplified
from crawler.text.errors import RulesError
from crawler.text.normalize import strip_ruby
from crawler.text.tables import CELL

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

logger = logging.getLogger(__name__)

__all__ = ["Block", "Cleaned", "LineRule", "Rules", "clean", "clean_text", "load_rules"]

DEFAULT_RULES = Path(__file__).resolve().parent / "rules" / "chrome.toml"

_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c")
_MARKER = re.compile(r"^(\d{1,3})、")
# a line ending with a date: an entry of a list of links (title, date), never wrapped prose
_DATE_END = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\)?\]?$")
_SENTENCE_END = tuple("。！？；：!?;:…”’」』）)】》>")
_TITLE_NOISE = re.compile(
    r"[【\[]\s*\d+\s*字\s*[】\]]|\.(docx?|pdf|pptx?|xlsx?|wps|txt)$|[\s\u3000《》“”\"'_—-]",
    re.I,
)
_TITLE_LIKE = re.compile(r"(总结|报告|计划|打算|要点|讲话|方案|通知|意见|规划|汇报|述职)$")
_CLAUSE_PUNCT = re.compile(r"[。；，,;！？!?]")
_ITEM_START = re.compile(
    r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．])"
)
_WIDE = re.compile(  # East Asian wide and full-width characters
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)
_REFLOW_MIN_LINES = 6
_REFLOW_WIDTHS = (24, 120)  # display columns of the fixed-width layouts worth rejoining
_REFLOW_SLACK = 4  # a line this many columns short of the width still counts as full
_REFLOW_FULL_SHARE = 0.4  # ...and this share of the lines must be full

_LINE_KEYS = {
    "name", "pattern", "also", "max_len", "min_hits", "where", "flag", "examples", "keep",
}  # fmt: skip
# What a removed line can tell about the text it was wrapped around: "truncated" (the
# preview stops before the document does), "title" (the line names the document).
FLAGS = ("truncated", "title")
_TITLE_LABELS = re.compile(r"[【\[]\s*\d+\s*字\s*[】\]]|\s*第\s*\d+\s*页$")
_TITLE_TAIL_MIN = 8  # characters a heading must share with the title's end to count as it
_TITLE_EXTENSION = re.compile(r"\.(docx?|pdf|pptx?|xlsx?|wps|txt|rtf)$", re.I)
_STRIP_KEYS = {"name", "pattern", "also", "examples", "keep"}
_BLOCK_KEYS = {"name", "header", "item", "vocabulary", "max_item_len"}
_CUT_KEYS = {"name", "pattern", "max_len", "examples", "keep"}
_SETTINGS = {"head_lines": 3, "cut_after_share": 0.5, "title_max_len": 80}


@dataclass(frozen=True)
class LineRule:
    """A line-level rule: remove (or strip a span from) lines matching a strict pattern."""

    name: str
    pattern: re.Pattern[str]
    also: re.Pattern[str] | None = None
    max_len: int | None = None
    min_hits: int = 1
    where: str = "any"
    flag: str | None = None

    def matches(self, line: str, size: int) -> bool:
        """True when the rule applies to a line of `size` non-whitespace chars."""
        if self.max_len is not None and size > self.max_len:
            return False
        if self.min_hits > 1:
            hits = {m.group(0) for m in self.pattern.finditer(line)}
            if len(hits) < self.min_hits:
                return False
        elif not self.pattern.search(line):
            return False
        return self.also is None or bool(self.also.search(line))


@dataclass(frozen=True)
class Block:
    """A notice header followed by numbered items that mention site vocabulary."""

    name: str
    header: re.Pattern[str]
    item: re.Pattern[str]
    vocabulary: re.Pattern[str]
    max_item_len: int = 200


@dataclass(frozen=True)
class Rules:
    """Chrome rules loaded from a TOML file."""

    path: str
    lines: tuple[LineRule, ...]
    strips: tuple[LineRule, ...]
    blocks: tuple[Block, ...]
    cuts: tuple[LineRule, ...]
    head_lines: int = 3
    cut_after_share: float = 0.5
    title_max_len: int = 80


# ------------------------------------------------------------------ loading and validation


def _fail(path: str, where: str, message: str) -> RulesError:
    """A RulesError naming the file and the rule/field."""
    return RulesError(f"{path}: {where}: {message}")


def _regex(path: str, where: str, value: Any) -> re.Pattern[str]:
    """Compile a pattern field, or raise RulesError naming it."""
    if not isinstance(value, str) or not value:
        raise _fail(path, where, "must be a non-empty string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise _fail(path, where, f"invalid regular expression: {exc}") from exc


def _int(path: str, where: str, value: Any, minimum: int = 1) -> int:
    """Validate a positive integer field."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(path, where, f"must be an integer >= {minimum}")
    return value


def _strings(path: str, where: str, value: Any) -> list[str]:
    """Validate a list-of-strings field."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, where, "must be a list of strings")
    return value


def _entries(path: str, data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """The tables of an array section ([[line]], …), validated as a list of tables."""
    entries = data.get(section, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _fail(path, section, "must be an array of tables ([[" + section + "]])")
    return entries


def _check_keys(path: str, where: str, entry: dict[str, Any], allowed: set[str]) -> str:
    """Reject unknown fields and a missing/duplicate-free name; return the rule name."""
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, where, "field 'name' is required")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(path, f"{where} '{name}'", f"unknown field(s) {', '.join(unknown)}")
    return name


def _line_rule(path: str, section: str, entry: dict[str, Any], allowed: set[str]) -> LineRule:
    """Build and self-check one line/strip/cut rule."""
    name = _check_keys(path, f"[[{section}]]", entry, allowed)
    where = f"[[{section}]] '{name}'"
    position = entry.get("where", "any")
    if position not in ("any", "head"):
        raise _fail(path, f"{where}.where", "must be 'any' or 'head'")
    flag = entry.get("flag")
    if flag is not None and flag not in FLAGS:
        raise _fail(path, f"{where}.flag", f"must be one of {', '.join(FLAGS)}")
    rule = LineRule(
        name=name,
        pattern=_regex(path, f"{where}.pattern", entry.get("pattern")),
        also=_regex(path, f"{where}.also", entry["also"]) if "also" in entry else None,
        max_len=_int(path, f"{where}.max_len", entry["max_len"]) if "max_len" in entry else None,
        min_hits=_int(path, f"{where}.min_hits", entry.get("min_hits", 1)),
        where=position,
        flag=flag,
    )
    for example in _strings(path, f"{where}.examples", entry.get("examples", [])):
        if not _rule_hits(rule, example, section):
            raise _fail(path, f"{where}.examples", f"example not matched: {example!r}")
    for keep in _strings(path, f"{where}.keep", entry.get("keep", [])):
        if _rule_hits(rule, keep, section):
            raise _fail(path, f"{where}.keep", f"body line would be removed: {keep!r}")
    return rule


def _rule_hits(rule: LineRule, text: str, section: str) -> bool:
    """Whether a rule fires on an example line."""
    line = _normalize_line(text)
    if section == "strip":
        return bool(rule.pattern.search(_simplified(line)))
    return rule.matches(_simplified(line), _size(line))


def _block(path: str, entry: dict[str, Any]) -> Block:
    """Build one [[block]] rule."""
    name = _check_keys(path, "[[block]]", entry, _BLOCK_KEYS)
    where = f"[[block]] '{name}'"
    return Block(
        name=name,
        header=_regex(path, f"{where}.header", entry.get("header")),
        item=_regex(path, f"{where}.item", entry.get("item")),
        vocabulary=_regex(path, f"{where}.vocabulary", entry.get("vocabulary")),
        max_item_len=_int(path, f"{where}.max_item_len", entry.get("max_item_len", 200)),
    )


def _settings(path: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validated [settings] values with defaults."""
    raw = data.get("settings", {})
    if not isinstance(raw, dict):
        raise _fail(path, "settings", "must be a table")
    unknown = sorted(set(raw) - set(_SETTINGS))
    if unknown:
        raise _fail(path, "settings", f"unknown field(s) {', '.join(unknown)}")
    out = dict(_SETTINGS)
    out.update(raw)
    out["head_lines"] = _int(path, "settings.head_lines", out["head_lines"], 0)
    out["title_max_len"] = _int(path, "settings.title_max_len", out["title_max_len"])
    share = out["cut_after_share"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise _fail(path, "settings.cut_after_share", "must be a number between 0 and 1")
    out["cut_after_share"] = float(share)
    return out


def parse_rules(data: dict[str, Any], path: str = "<rules>") -> Rules:
    """Validate a parsed rules document into Rules; RulesError names the file and field."""
    unknown = sorted(set(data) - {"settings", "line", "strip", "block", "cut"})
    if unknown:
        raise _fail(path, "top level", f"unknown section(s) {', '.join(unknown)}")
    settings = _settings(path, data)
    lines = tuple(_line_rule(path, "line", e, _LINE_KEYS) for e in _entries(path, data, "line"))
    strips = tuple(_line_rule(path, "strip", e, _STRIP_KEYS) for e in _entries(path, data, "strip"))
    cuts = tuple(_line_rule(path, "cut", e, _CUT_KEYS) for e in _entries(path, data, "cut"))
    blocks = tuple(_block(path, e) for e in _entries(path, data, "block"))
    names = [r.name for r in (*lines, *strips, *cuts, *blocks)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(path, "name", f"duplicate rule name(s) {', '.join(duplicates)}")
    return Rules(path, lines, strips, blocks, cuts, **settings)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Rules:
    """Read and validate a rules file (cached per path)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    return parse_rules(data, path)


def load_rules(path: str | Path | None = None) -> Rules:
    """Load the chrome rules (the bundled file by default); cached."""
    return _load_cached(str(Path(path).resolve()) if path else str(DEFAULT_RULES))


# ------------------------------------------------------------------ line helpers


def _normalize_line(line: str, tables: bool = False) -> str:
    """Collapse whitespace runs (full-width spaces included) and strip; with `tables`, a
    table row (cells separated by tabs, crawler/text/tables.py) cell by cell."""
    if tables and CELL in line:
        cells = [_WS.sub(" ", cell).strip() for cell in line.split(CELL)]
        return CELL.join(cells).rstrip(CELL) if any(cells) else ""
    return _WS.sub(" ", line).strip()


def is_row(line: str) -> bool:
    """A table row: never chrome, a page marker, a title or part of a paragraph."""
    return CELL in line


def _size(line: str) -> int:
    """Non-whitespace characters in a line."""
    return len(_WS.sub("", line))


@functools.lru_cache(maxsize=4096)
def _simplified(line: str) -> str:
    """The line in simplified characters (only converted when it is not plain GB2312)."""
    try:
        line.encode("gb2312")
        return line
    except UnicodeEncodeError:
        return to_simplified(line)


def _title_key(text: str) -> str:
    """A title reduced for comparison: no word counts, extensions, spaces or quotes."""
    return _TITLE_NOISE.sub("", _simplified(_normalize_line(text))).lower()


# ------------------------------------------------------------------ passes


def _strip_spans(lines: list[str], rules: Rules) -> list[str]:
    """Remove inline chrome spans and pinyin ruby inside lines."""
    out = []
    for line in lines:
        if is_row(line):
            out.append(line)
            continue
        line = strip_ruby(line)
        simple = _simplified(line)
        for rule in rules.strips:
            if rule.also is not None and not rule.also.search(simple):
                continue  # the cheap test first: `also` names what the span must hold
            if rule.pattern.search(simple):
                if simple == line:
                    line = rule.pattern.sub("", line)
                else:
                    line = _sub_aligned(rule.pattern, line, simple)
                simple = _simplified(line)
        line = _normalize_line(line)
        if line:
            out.append(line)
    return out


def _sub_aligned(pattern: re.Pattern[str], line: str, simple: str) -> str:
    """Remove spans found in the simplified line from the original (same length when 1:1)."""
    if len(simple) != len(line):
        return line
    spans = [m.span() for m in pattern.finditer(simple)]
    for start, end in reversed(spans):
        line = line[:start] + line[end:]
    return line


def _drop_blocks(lines: list[str], rules: Rules) -> list[str]:
    """Remove numbered site-notice lists that follow a notice header."""
    if not rules.blocks:
        return lines
    drop: set[int] = set()
    simple = [_simplified(line) for line in lines]
    for block in rules.blocks:
        for i, line in enumerate(simple):
            if not block.header.search(line):
                continue
            j = i + 1
            items = []
            while (
                j < len(simple)
                and block.item.search(simple[j])
                and _size(simple[j]) <= block.max_item_len
            ):
                items.append(j)
                j += 1
            if items and any(block.vocabulary.search(simple[k]) for k in items):
                drop.update(items)
                drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def _drop_lines(lines: list[str], rules: Rules, flags: dict[str, str]) -> list[str]:
    """Remove lines matched by a line rule (head rules only near the top).

    `flags` collects, for each flag a removing rule carries, the first line that raised it.
    """
    out = []
    for index, line in enumerate(lines):
        if is_row(line):
            out.append(line)
            continue
        simple = _simplified(line)
        size = _size(line)
        hit = None
        for rule in rules.lines:
            if rule.where == "head" and index >= rules.head_lines:
                continue
            if rule.matches(simple, size):
                hit = rule
                break
        if hit is None:
            out.append(line)
        else:
            logger.debug("chrome rule %s removed %r", hit.name, line[:60])
            if hit.flag:
                flags.setdefault(hit.flag, line)
    return out


# Rules for the lines under a headline that describe the page, never titles themselves.
_BYLINE_RULES = ("counters", "publication-line", "source-author-line", "disclosure-header")


def is_byline(line: str, rules: Rules | None = None) -> bool:
    """A date, source, author or view-count line ('发布日期:2016-11-22 浏览次数: 信息来源:…')."""
    simple, size = _simplified(line), _size(line)
    rules = rules or load_rules()
    return any(r.name in _BYLINE_RULES and r.matches(simple, size) for r in rules.lines)


def _cut_tail(lines: list[str], rules: Rules) -> list[str]:
    """Drop a recommended-reading header and all after it when it sits late in the text."""
    total = sum(_size(line) for line in lines)
    seen = 0
    for index, line in enumerate(lines):
        simple = _simplified(line)
        size = _size(line)
        if any(rule.matches(simple, size) for rule in rules.cuts):
            if total and seen >= rules.cut_after_share * total:
                return lines[:index]
            return lines[:index] + _cut_tail(lines[index + 1 :], rules)
        seen += size
    return lines


def _ends_sentence(line: str) -> bool:
    """True when a line ends with sentence-final punctuation or a closing bracket."""
    return line.endswith(_SENTENCE_END)


def _marker_run(lines: list[str]) -> set[int]:
    """Indexes of lines whose leading `N、` is a preview page marker, not list numbering.

    Page markers count up 1, 2, 3 … across long page-sized lines, and at least one of them
    cuts a sentence in half (the line before is long and ends mid-sentence).
    """
    numbered = [
        (i, int(m.group(1)))
        for i, line in enumerate(lines)
        if not is_row(line) and (m := _MARKER.match(line))
    ]
    found: set[int] = set()
    run: list[tuple[int, int]] = []
    for index, number in [*numbered, (-1, -1)]:
        if run and number == run[-1][1] + 1:
            run.append((index, number))
            continue
        if len(run) >= 3 and _looks_like_pages(lines, run):
            found.update(i for i, _ in run)
        run = [(index, number)]
    for index, number in numbered:
        if index not in found and number >= 2 and _cuts_sentence(lines, index, 60):
            found.add(index)
    return found


def _cuts_sentence(lines: list[str], index: int, min_len: int) -> bool:
    """The line before `index` is long and stops mid-sentence."""
    if index == 0:
        return False
    prev = lines[index - 1]
    return _size(prev) >= min_len and not _ends_sentence(prev)


def _looks_like_pages(lines: list[str], run: list[tuple[int, int]]) -> bool:
    """A numbered run is preview pages: long lines and at least one cut sentence."""
    sizes = [_size(lines[i]) for i, _ in run[:-1]]  # the last page is cut by the preview
    if sum(sizes) / len(sizes) < 60:
        return False
    return any(_cuts_sentence(lines, i, 50) for i, _ in run)


def _join_markers(lines: list[str]) -> list[str]:
    """Remove preview page markers and rejoin the sentences they cut."""
    markers = _marker_run(lines)
    if not markers:
        return lines
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in markers:
            line = _MARKER.sub("", line, count=1).strip()
            if out and not _ends_sentence(out[-1]) and _size(out[-1]) >= 30 and not is_row(out[-1]):
                out[-1] = out[-1] + line
                continue
        if line:
            out.append(line)
    return out


def _display_width(line: str) -> int:
    """Columns a line takes in a fixed-width layout: wide (CJK) characters count two."""
    return len(line) + len(_WIDE.findall(line))


def _reflow(lines: list[str]) -> list[str]:
    """Rejoin paragraphs that a PDF or plain-text layout broke at a fixed width.

    Applies only when most lines are "full" (within a few columns of one common width);
    a full line that does not end a sentence continues on the next line, unless that one
    starts a numbered item.
    """
    widths = sorted(_display_width(line) for line in lines)
    if len(widths) < _REFLOW_MIN_LINES:
        return lines
    width = widths[int(len(widths) * 0.75)]
    if not _REFLOW_WIDTHS[0] <= width <= _REFLOW_WIDTHS[1]:
        return lines
    full = [_display_width(line) >= width - _REFLOW_SLACK for line in lines]
    if sum(full) < _REFLOW_FULL_SHARE * len(lines):
        return lines
    out: list[str] = []
    joining = False
    for line, is_full in zip(lines, full, strict=True):
        if joining and not _ITEM_START.match(line) and not is_row(line):
            out[-1] += line
        else:
            out.append(line)
        joining = is_full and not _ends_sentence(line) and not is_row(line)
        joining = joining and not _DATE_END.search(line)  # a dated list entry ends there
    return out


def _looks_like_title(line: str, max_len: int) -> bool:
    """A short line without clause punctuation ending like a document name."""
    if _size(line) > max_len or _CLAUSE_PUNCT.search(line):
        return False
    key = _TITLE_NOISE.sub("", _simplified(line))
    return bool(_TITLE_LIKE.search(key))


def _drop_title(lines: list[str], title: str | None, rules: Rules) -> tuple[list[str], str | None]:
    """Remove leading lines repeating the title (or, with no title, a title-like first line).

    Returns the lines and, when no title was given, the title line found in the text.
    """
    keys = {_title_key(title)} if title and _title_key(title) else set()
    found = None
    if not keys and lines and _looks_like_title(lines[0], rules.title_max_len):
        found = lines[0]
        keys.add(_title_key(found))
    if not keys:
        return lines, None
    out = list(lines)
    index = 0
    while index < min(len(out), 3):
        key = _title_key(out[index])
        if key in keys:
            del out[index]
            continue
        for title_key in keys:
            out[index] = _strip_title_prefix(out[index], title_key)
        index += 1
    return out, found


def _strip_title_prefix(line: str, title_key: str) -> str:
    """Remove a title glued to the start of the first body line ('标题 一、…')."""
    parts = line.split(" ", 1)
    if len(parts) < 2:
        return line
    key = _title_key(parts[0])
    # the title itself, or its tail when the heading leaves out the year ('2023年' + heading)
    if key == title_key or (len(key) >= _TITLE_TAIL_MIN and title_key.endswith(key)):
        return parts[1]
    return line


def _split(text: str, tables: bool = False) -> Iterable[str]:
    """Lines of text, whitespace-normalized, empties dropped (table rows kept as rows)."""
    for line in _NEWLINES.split(text):
        line = _normalize_line(line, tables)
        if line:
            yield line


@dataclass(frozen=True)
class Cleaned:
    """The report body, what the removed chrome said about it (see `FLAGS`), and the
    title line found atop the text when the caller knew no title."""

    text: str
    flags: frozenset[str] = frozenset()
    title: str | None = None


def clean_text(
    text: str, *, title: str | None = None, rules: Rules | None = None, tables: bool = False
) -> Cleaned:
    """The report body of extracted text (chrome lines out, one paragraph a line), with flags.

    `tables`: a line with tabs is a table row (the extractor's, crawler/text/tables.py), kept
    whole; otherwise a tab is a space."""
    rules = rules or load_rules()
    flags: dict[str, str] = {}
    lines = list(_split(text, tables))
    lines = _strip_spans(lines, rules)
    lines = _drop_blocks(lines, rules)
    lines = _drop_lines(lines, rules, flags)
    lines = _cut_tail(lines, rules)
    lines = _join_markers(lines)
    lines = _reflow(lines)
    named = title if title is not None or "title" not in flags else _title_of(flags["title"])
    lines, found = _drop_title(lines, named, rules)
    if title is None:
        found = found or named
    return Cleaned("\n".join(lines), frozenset(flags), found)


def _title_of(line: str) -> str | None:
    """The document name in a chrome line that names it (a file name, a word-count label)."""
    name = _TITLE_EXTENSION.sub("", _TITLE_LABELS.sub("", line)).strip(" 》《")
    return name or None


def clean(text: str, *, title: str | None = None, rules: Rules | None = None) -> str:
    """The report body of extracted text: chrome lines removed, one paragraph a line."""
    return clean_text(text, title=title, rules=rules).text
