"""Places: the gazetteer of Chinese divisions (crawler/text/rules/divisions.csv) and the places,
agencies and regions a document names."""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.text.errors import RulesError

if TYPE_CHECKING:
    from crawler.text.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

DIVISIONS_PATH = Path(__file__).resolve().parent / "rules" / "divisions.csv"
_CJK = re.compile(r"[\u4e00-\u9fff]")
COLUMNS = ("code", "name", "level", "parent", "short", "abolished", "successor")
PROVINCE, PREFECTURE, COUNTY = 1, 2, 3


@dataclass(frozen=True)
class Division:
    """One province, prefecture or county, in force or abolished."""

    code: str
    name: str
    level: int
    parent: str | None
    short: str | None
    abolished: int | None = None
    successor: str | None = None

    @property
    def current_code(self) -> str:
        """The code of this division, or of the one in force that replaced it."""
        return self.successor or self.code


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Divisions indexed by code, full name and short name."""

    path: Path
    divisions: tuple[Division, ...]
    by_code: Mapping[str, Division] = field(repr=False)
    by_name: Mapping[str, tuple[Division, ...]] = field(repr=False)
    by_short: Mapping[str, tuple[Division, ...]] = field(repr=False)
    by_ending: Mapping[str, tuple[str, ...]] = field(repr=False)

    def named(self, name: str) -> tuple[Division, ...]:
        """Divisions with this full name, those in force first."""
        return self.by_name.get(name, ())

    def ending(self, last_two: str) -> tuple[str, ...]:
        """Full names that end with these two characters, longest first."""
        return self.by_ending.get(last_two, ())

    def shortened(self, short: str) -> tuple[Division, ...]:
        """Divisions whose name without suffix is `short` (成华 → 成华区)."""
        return self.by_short.get(short, ())

    def parent(self, division: Division) -> Division | None:
        """The province or prefecture a division belongs to."""
        return self.by_code.get(division.parent) if division.parent else None

    def province(self, division: Division) -> Division | None:
        """The province of a division (itself for a province)."""
        return self.by_code.get(division.code[:2] + "0000")

    def ancestors(self, division: Division) -> tuple[Division, ...]:
        """Prefecture and province above a division, nearest first."""
        found = []
        node = self.parent(division)
        while node is not None and len(found) < 3:
            found.append(node)
            node = self.parent(node)
        province = self.province(division)
        if province and province not in found and province != division:
            found.append(province)
        return tuple(found)

    def provinces(self) -> dict[str, tuple[str, ...]]:
        """Province name → names of its prefectures in force."""
        out: dict[str, list[str]] = {}
        for d in self.divisions:
            if d.level == PROVINCE:
                out.setdefault(d.name, [])
        for d in self.divisions:
            if d.level == PREFECTURE and d.abolished is None:
                province = self.province(d)
                if province:
                    out[province.name].append(d.name)
        return {name: tuple(cities) for name, cities in out.items()}


def _row(raw: dict[str, str], where: str) -> Division:
    """One validated CSV row; RulesError names the file, line and column."""
    for column in COLUMNS:
        if raw.get(column) is None:
            raise RulesError(f"{where}: missing column '{column}'")
    code, name, level = raw["code"].strip(), raw["name"].strip(), raw["level"].strip()
    if not (len(code) == 6 and code.isdigit()):
        raise RulesError(f"{where}: column 'code' must be 6 digits, not {code!r}")
    if not name:
        raise RulesError(f"{where}: column 'name' is empty")
    if level not in ("1", "2", "3"):
        raise RulesError(f"{where}: column 'level' must be 1, 2 or 3, not {level!r}")
    for column in ("parent", "successor"):
        value = raw[column].strip()
        if value and not (len(value) == 6 and value.isdigit()):
            raise RulesError(f"{where}: column '{column}' must be 6 digits or empty")
    abolished = raw["abolished"].strip()
    if abolished and not (len(abolished) == 4 and abolished.isdigit()):
        raise RulesError(f"{where}: column 'abolished' must be a year or empty")
    return Division(
        code=code,
        name=name,
        level=int(level),
        parent=raw["parent"].strip() or None,
        short=raw["short"].strip() or None,
        abolished=int(abolished) if abolished else None,
        successor=raw["successor"].strip() or None,
    )


def _index(divisions: Iterable[Division], key: str) -> dict[str, tuple[Division, ...]]:
    """Divisions grouped by an attribute, those in force first."""
    groups: dict[str, list[Division]] = {}
    for d in divisions:
        value = getattr(d, key)
        if value:
            groups.setdefault(value, []).append(d)
    return {
        k: tuple(sorted(v, key=lambda d: (d.abolished is not None, d.code)))
        for k, v in groups.items()
    }


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """Read and validate a divisions file; RulesError names the file and the bad line."""
    path = Path(path) if path is not None else DIVISIONS_PATH
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RulesError(f"{path}: missing column '{missing[0]}'")
            divisions = tuple(
                _row(raw, f"{path}: line {i}") for i, raw in enumerate(reader, start=2)
            )
    except OSError as exc:
        raise RulesError(f"{path}: cannot read divisions: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RulesError(f"{path}: not a valid CSV file: {exc}") from exc
    if not divisions:
        raise RulesError(f"{path}: no divisions")
    endings: dict[str, set[str]] = {}
    for d in divisions:
        endings.setdefault(d.name[-2:], set()).add(d.name)
    current = {d.code: d for d in divisions if d.abolished is None}
    # abolished units' codes resolve too (their parents may be abolished prefectures)
    by_code = {d.code: d for d in divisions if d.code not in current} | current
    return Gazetteer(
        path=path,
        divisions=divisions,
        by_code=by_code,
        by_name=_index(divisions, "name"),
        by_short=_index(divisions, "short"),
        by_ending={k: tuple(sorted(v, key=len, reverse=True)) for k, v in endings.items()},
    )


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded once."""
    return load_gazetteer()


def evidence(gaz: Gazetteer, division: Division, context: str) -> int:
    """How often `context` names the prefecture or province above `division`."""
    return sum(context.count(above.short or above.name) for above in gaz.ancestors(division))


def narrow(
    gaz: Gazetteer,
    candidates: tuple[Division, ...],
    context: str = "",
    *,
    within: Iterable[Division] = (),
    year: int | None = None,
) -> tuple[Division, ...]:
    """The same-named `candidates` that fit best; one when the evidence decides.

    `within` are divisions named just before (长春市 in 长春市朝阳区); `context` is text in
    which a candidate's prefecture or province may be named; units abolished before
    `year` are dropped; when nothing else decides, a unit in force wins over abolished ones.
    """
    if year is not None:
        candidates = (
            tuple(d for d in candidates if d.abolished is None or d.abolished >= year) or candidates
        )
    within = tuple(within)
    if len(candidates) > 1 and within:
        candidates = (
            tuple(d for d in candidates if all(w in gaz.ancestors(d) for w in within)) or candidates
        )
    if len(candidates) <= 1:
        return candidates
    scores = [evidence(gaz, d, context) for d in candidates]
    best = max(scores)
    if best > 0:
        return tuple(d for d, score in zip(candidates, scores, strict=True) if score == best)
    current = tuple(d for d in candidates if d.abolished is None)
    return current if len(current) == 1 else candidates


def resolve(
    gaz: Gazetteer,
    candidates: tuple[Division, ...],
    context: str = "",
    *,
    within: Iterable[Division] = (),
    year: int | None = None,
) -> Division | None:
    """The one division meant among same-named `candidates`, or None when unsure."""
    found = narrow(gaz, candidates, context, within=within, year=year)
    return found[0] if len(found) == 1 else None


def common_province(gaz: Gazetteer, candidates: Iterable[Division]) -> Division | None:
    """The province all `candidates` lie in, if they share one."""
    provinces = {gaz.province(d) for d in candidates}
    return provinces.pop() if len(provinces) == 1 else None


# --- places -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A place named in a text: its full name, how it is written, the divisions it may be."""

    name: str
    written: str
    divisions: tuple[Division, ...]


def place_before(text: str, end: int, vocab: Vocabulary) -> str:
    """The run of name characters that ends at `end`, cut at stop characters."""
    stop = vocab.data["region"]["stop_chars"]
    start = end
    while start > 0 and end - start < 12:
        ch = text[start - 1]
        if not (_CJK.match(ch) or ch in "xX×") or ch in stop:
            break
        start -= 1
    return text[start:end]


def _shape_ok(name: str, vocab: Vocabulary) -> bool:
    """A well-formed 区/县/市 name that the gazetteer lacks (a new or a fictional place)."""
    suffix = next((s for s in vocab.words("region.suffixes") if name.endswith(s)), None)
    if suffix is None or vocab.patterns["template.placeholder"].search(name):
        return False
    stem = name[: -len(suffix)]
    return not (
        len(stem) < 2
        or len(stem) > 3
        or not _CJK.fullmatch(stem[-1])
        or name in vocab.words("region.not_places")
        or any(name.endswith(e) for e in vocab.words("region.not_place_endings"))
        or stem[-2:] in vocab.words("region.not_names")
        or any(ch in stem for ch in "级委省市区县")
    )


def _by_short(written: str, gaz: Gazetteer) -> tuple[Division, ...]:
    """Divisions a short form names: 成华 → 成华区, 恩施州 → 恩施土家族苗族自治州."""
    found = gaz.shortened(written)
    if not found and len(written) >= 3:
        found = tuple(d for d in gaz.shortened(written[:-1]) if d.name[-1] == written[-1])
    return found


def name_at_end(run: str, gaz: Gazetteer, vocab: Vocabulary, *, loose: bool = True) -> Place | None:
    """The place that ends a run of name characters: a gazetteer name (the longest), else
    when `loose` a short form that is the whole run (鲤城, 恩施州) or a well-formed 区/县/市
    the gazetteer lacks."""
    for written in gaz.ending(run[-2:]):
        n = len(written)
        # two-character names (沛县, 城区) only where a name can start: 住房县 is not 房县
        if run.endswith(written) and (n > 2 or n == len(run) or run[-n - 1] in "省市区县州旗盟"):
            return Place(written, written, gaz.named(written))
    if not loose:
        return None
    if len(run) >= 2 and (found := _by_short(run, gaz)):
        names = {d.name for d in found}
        return Place(names.pop() if len(names) == 1 else run, run, found)
    for n in range(3, min(len(run), 6) + 1):
        if _shape_ok(run[-n:], vocab):
            return Place(run[-n:], run[-n:], ())
    return None


def place_chain(
    text: str, end: int, gaz: Gazetteer, vocab: Vocabulary, *, loose: bool = True
) -> list[Place]:
    """Places named one after another up to `end` (泉州市鲤城区 → [泉州市, 鲤城区]); only
    gazetteer names unless `loose` (see name_at_end)."""
    places: list[Place] = []
    while end > 0 and len(places) < 3:
        run = place_before(text, end, vocab)
        place = name_at_end(run, gaz, vocab, loose=loose) if run else None
        if place is None:
            break
        places.insert(0, place)
        end -= len(place.written)
    common = vocab.words("region.not_places")
    while places and places[0].name in common:  # 城区, 郊区: places only after their city
        places.pop(0)
    return places


def ambiguous(place: Place) -> bool:
    """A short form that several differently named divisions share (朝阳: 区, 市, 县)."""
    return len({d.name for d in place.divisions}) > 1


# --- agencies -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _cores(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for the bureau names, longest first."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def agencies(text: str, gaz: Gazetteer, vocab: Vocabulary) -> list[tuple[str, list[Place]]]:
    """Health-bureau names in `text`: (agency as named, the places it names)."""
    levels = vocab.words("agency.levels")
    placeholder = vocab.patterns["template.placeholder"]
    found = []
    for m in _cores(vocab.words("agency.cores")).finditer(text):
        after = text[m.end() : m.end() + 12]
        if any(p.match(after) for p in vocab.pattern_lists["agency.not_issuer_after"]):
            continue
        chain = place_chain(text, m.start(), gaz, vocab)
        run = placeholder.sub("", place_before(text, m.start(), vocab))
        if chain:
            prefix = "".join(p.written for p in chain)
        elif word := next((w for w in vocab.words("agency.non_divisions") if run.endswith(w)), ""):
            # 国家卫健委, 高新区卫生健康局: no division, though a place may come before it
            before = place_chain(text, m.start() - len(word), gaz, vocab)
            prefix = "".join(p.written for p in before) + word
        else:
            prefix = run[-1] if run[-1:] in levels else ""
        found.append((prefix + m.group(0), chain))
    return found


# --- regions ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _end_chars(gaz: Gazetteer, suffixes: tuple[str, ...]) -> frozenset[str]:
    """Characters a place name can end with."""
    return frozenset(d.name[-1] for d in gaz.divisions) | {s[-1] for s in suffixes}


def _title_places(title: str, gaz: Gazetteer, vocab: Vocabulary) -> list[Place]:
    """The last chain of gazetteer places in the title (成华区2014年… → [成华区])."""
    ends = _end_chars(gaz, vocab.words("region.suffixes"))
    for i in range(len(title) - 1, -1, -1):
        if title[i] in ends and (chain := place_chain(title, i + 1, gaz, vocab, loose=False)):
            return chain
    return []


def _strong(text: str, start: int, end: int, vocab: Vocabulary) -> bool:
    """A mention that shows the place is the document's own: 《成华区…》, 沂水县委、县政府."""
    before = text[max(0, start - 1) : start]
    after = text[end : end + 4]
    return before in vocab.words("region.strong_before") or any(
        after.startswith(w) for w in vocab.words("region.strong_after")
    )


def _text_region(text: str, level: str | None, gaz: Gazetteer, vocab: Vocabulary) -> list[Place]:
    """The 区/县/市 a body keeps naming, at the level of its agency or of its 我区/全县.

    Only gazetteer names count. A level from the agency (区卫生局) needs two mentions, one
    strong (in 《》, before 委/政府/人民); a level from self-references needs two strong ones,
    since bodies name partner places too.
    """
    need_strong = level is None
    if level is None:
        self_refs = Counter({lv: text.count("我" + lv) + text.count("全" + lv) for lv in "区县市"})
        level, refs = self_refs.most_common(1)[0]
        if refs < 2:
            return []
    not_after = vocab.words("region.not_after")
    counts: Counter[str] = Counter()
    strong_counts: Counter[str] = Counter()
    chains: dict[str, list[Place]] = {}
    for m in re.finditer(re.escape(level), text):
        if text[m.end() : m.end() + 1] in not_after or not gaz.ending(text[m.end() - 2 : m.end()]):
            continue
        chain = place_chain(text, m.end(), gaz, vocab, loose=False)
        # in running text only gazetteer names count: 按照区委 is no 按照区
        if not chain or ambiguous(chain[-1]):
            continue
        name = chain[-1].name
        strong = _strong(text, m.end() - len(chain[-1].written), m.end(), vocab)
        counts[name] += 2 if strong else 1
        strong_counts[name] += strong
        chains.setdefault(name, chain)
    best = (strong_counts if need_strong else counts).most_common(1)
    if not best or best[0][1] < 2 or not strong_counts[best[0][0]]:
        return []
    return chains[best[0][0]]


@dataclass(frozen=True)
class Region:
    """The region a document is about: full name, province name, current division code."""

    name: str | None
    province: str | None
    code: str | None


def _resolve(chain: list[Place], context: str, year: int | None, gaz: Gazetteer) -> Region:
    """Region, province and code of the last place of a chain, the others and `context`
    deciding between same-named divisions; unsure parts stay None."""
    place = chain[-1]
    if not place.divisions:
        return Region(place.name, None, None)
    within = [d for p in chain[:-1] if (d := resolve(gaz, p.divisions, context))]
    fits = narrow(gaz, place.divisions, context, within=within, year=year)
    if len(fits) > 1:
        province = common_province(gaz, fits)
        name = None if ambiguous(place) else place.name
        return Region(name, province.name if province else None, None)
    division = fits[0]
    province = gaz.province(division)
    name = place.name if place.name == place.written else division.name
    return Region(name, province.name if province else None, division.current_code)


def _province_named(title: str, text: str, vocab: Vocabulary) -> str | None:
    """The province most named (title counting thrice), for a place the gazetteer lacks."""
    counts: Counter[str] = Counter()
    for province, cities in vocab.provinces.items():
        for name in (province, *cities):
            counts[province] += 3 * title.count(name) + text.count(name)
    best = counts.most_common(2)
    if not best or best[0][1] < 2 or (len(best) > 1 and best[1][1] == best[0][1]):
        return None
    return best[0][0]


def find_region(
    gaz: Gazetteer,
    vocab: Vocabulary,
    title: str,
    body: str,
    agency: str | None,
    chain: list[Place],
    year: int | None,
    *,
    site: str = "",
) -> Region:
    """The region a document is about: its agency's place, a place in its title, the place
    the site's name gives (县卫健局…_沂水县人民政府) at the agency's level, or the place its
    body keeps naming at that level."""
    level = agency[0] if agency and agency[0] in "区县市" else None  # 区卫生局
    chain = chain or _title_places(title, gaz, vocab)
    if not chain and site and (named := _title_places(site, gaz, vocab)):
        chain = named if level is None or named[-1].name.endswith(level) else []
    if not chain:
        chain = _text_region(body, level, gaz, vocab)
    if not chain:
        return Region(None, None, None)
    found = _resolve(chain, title + "\n" + body, year, gaz)
    if found.name and not found.province and not chain[-1].divisions:
        return Region(found.name, _province_named(title, body, vocab), None)
    return found
