"""Score this project's extraction against trafilatura and readability-lxml on the corpus gold.

Usage: python bench/extract.py [--corpus DIR] [--set NAME ...] [--worst N] [--markdown]

Every extractor gets the same bytes. The gold sets (../shared/corpus, see its README):

- magic-html article / forum: mean character F1 against `base.json`: every non-whitespace
  character is a token (a multiset), so precision falls when chrome leaks in and recall
  when body text is lost.
- trafilatura-zh: the `with` / `without` snippets of `evaldata.zh-subset.json` (4 of its
  5 pages have them); a `with` snippet must occur in the output and a `without` snippet
  must not, both compared with whitespace removed.
- seeds: the five seed documents, with the gold described by reference in bench/seeds.toml
  and computed here; scored as text/plain (the peers need HTML: n/a) and wrapped in a
  generated article page. Also counts the seeds' chrome lines that leak into the output.

Extractors. ours: `crawler.text.process.process(body, url=, content_type=)`, taking `page.text`
(the whole chain the crawler runs per page, so its speed includes describe and judge,
which the peers do not do). trafilatura: `trafilatura.extract(body)`, raw bytes, default
settings. readability: readability-lxml `Document(text).summary()` flattened to text. Its
0.9 release pins chardet<6 against this project's chardet>=7, so the dev extra pins 0.8.x,
which cannot take bytes (its encoding sniffer fails on them); the page is decoded first by
bs4's UnicodeDammit (the Content-Type charset, then a declared charset if the bytes decode
with it, then detection), which is what 0.9 does itself when given bytes.

Speed and memory: each extractor runs on each set in a fresh process (multiprocessing
'spawn'): one untimed warm-up document, then timed passes over the set, repeated until a
second has passed; peak memory is that process's ru_maxrss.
"""

from __future__ import annotations

import argparse
import difflib
import html
import importlib.util
import json
import logging
import multiprocessing
import os
import re
import sys
import time
import tomllib
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(os.environ.get("CRAWLER_CORPUS", ROOT.parent / "shared" / "corpus"))
SEEDS_TOML = Path(__file__).resolve().parent / "seeds.toml"
SETS = ("article", "forum", "trafilatura-zh", "seeds-text", "seeds-html")
EXTRACTORS = ("ours", "trafilatura", "readability")
MODULES = {  # imported before the memory baseline; the first must be installed
    "ours": ("crawler.text.process",),
    "trafilatura": ("trafilatura",),
    "readability": ("readability", "bs4", "lxml.html"),
}
LEAK_MIN_CHARS = 6
MIN_SECONDS = 1.0  # timed passes repeat until this much time has passed …
MAX_PASSES = 50  # … or this many passes

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN = re.compile(rf"[(（](?=[a-zü{TONED}]*[{TONED}])[a-zü{TONED}]+[)）]")
PAGE_MARKER = re.compile(r"^\s*\d{1,3}、")
SPACE = re.compile(r"\s+")


class SeedsError(ValueError):
    """bench/seeds.toml is invalid or does not fit its seed file."""


# ------------------------------------------------------------------ scoring


def char_f1(predicted: str, gold: str) -> float:
    """Multiset F1 over non-whitespace characters."""
    pred = Counter(ch for ch in predicted if not ch.isspace())
    ref = Counter(ch for ch in gold if not ch.isspace())
    if not pred and not ref:
        return 1.0
    if not pred or not ref:
        return 0.0
    overlap = sum((pred & ref).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def squash(text: str) -> str:
    """Text with all whitespace removed, for substring checks."""
    return SPACE.sub("", text)


def failed_checks(output: str, must: Iterable[str], must_not: Iterable[str]) -> list[str]:
    """The snippet checks an output fails, as 'with: …' / 'without: …'."""
    text = squash(output)
    failed = [f"with: {s}" for s in must if squash(s) not in text]
    return failed + [f"without: {s}" for s in must_not if squash(s) in text]


# ------------------------------------------------------------------ seeds gold


@dataclass(frozen=True)
class SeedSpec:
    """One [[seed]] entry of bench/seeds.toml: the gold of a seed file by line number."""

    file: str
    site: str
    title: int | None
    chrome: frozenset[int]
    markers: frozenset[int]
    title_prefix: frozenset[int]
    ruby: bool
    leak: frozenset[int]


_SEED_KEYS = {"file", "site", "title", "chrome", "markers", "title_prefix", "ruby", "leak"}
_LINE_LISTS = ("chrome", "markers", "title_prefix", "leak")


def line_numbers(value: Any, where: str) -> frozenset[int]:
    """A list of line numbers and "a-b" ranges as a set; SeedsError names `where`."""
    if not isinstance(value, list):
        raise SeedsError(f"{where}: must be a list of line numbers and 'a-b' ranges")
    numbers: set[int] = set()
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and item >= 1:
            numbers.add(item)
        elif isinstance(item, str) and re.fullmatch(r"\d+-\d+", item):
            start, end = map(int, item.split("-"))
            if not 1 <= start <= end:
                raise SeedsError(f"{where}: bad range {item!r}")
            numbers.update(range(start, end + 1))
        else:
            raise SeedsError(f"{where}: bad entry {item!r}")
    return frozenset(numbers)


def parse_seed(entry: dict[str, Any], where: str) -> SeedSpec:
    """Validate one [[seed]] table."""
    unknown = sorted(set(entry) - _SEED_KEYS)
    if unknown:
        raise SeedsError(f"{where}: unknown field(s) {', '.join(unknown)}")
    if not isinstance(entry.get("file"), str):
        raise SeedsError(f"{where}: field 'file' is required")
    where = f"{where} ({entry['file']})"
    title = entry.get("title")
    if title is not None and (isinstance(title, bool) or not isinstance(title, int)):
        raise SeedsError(f"{where}.title: must be a line number")
    if not isinstance(entry.get("ruby", False), bool):
        raise SeedsError(f"{where}.ruby: must be true or false")
    lists = {key: line_numbers(entry.get(key, []), f"{where}.{key}") for key in _LINE_LISTS}
    stray = lists["leak"] - lists["chrome"] - {title}
    if stray:
        raise SeedsError(f"{where}.leak: lines {sorted(stray)} are neither chrome nor title")
    return SeedSpec(
        file=entry["file"],
        site=str(entry.get("site", "")),
        title=title,
        ruby=entry.get("ruby", False),
        **lists,
    )


def load_seeds(path: Path = SEEDS_TOML) -> list[SeedSpec]:
    """The seed specs of a seeds file; SeedsError names the file and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedsError(f"{path}: {exc}") from exc
    entries = data.get("seed")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SeedsError(f"{path}: needs [[seed]] tables")
    return [parse_seed(e, f"{path.name}: seed {i + 1}") for i, e in enumerate(entries)]


def strip_pinyin(line: str) -> str:
    """Remove pinyin ruby: parentheses holding only tone-marked pinyin (衛(wèi)生 → 衛生)."""
    return PINYIN.sub("", line)


def check_fit(lines: Sequence[str], spec: SeedSpec) -> None:
    """Raise SeedsError unless the spec's line numbers and markers fit the seed's lines."""
    where = f"seeds.toml ({spec.file})"
    for key in (*_LINE_LISTS, "title"):
        value = getattr(spec, key)
        numbers = {value} if isinstance(value, int) else set(value or ())
        beyond = sorted(n for n in numbers if n > len(lines))
        if beyond:
            raise SeedsError(f"{where}.{key}: lines {beyond} beyond its {len(lines)} lines")
    for number in sorted(spec.markers):
        line = lines[number - 1]
        if line.strip() and not PAGE_MARKER.match(line):
            raise SeedsError(f"{where}.markers: line {number} has no page marker")
    for number in sorted(spec.title_prefix):
        if len(PAGE_MARKER.sub("", lines[number - 1]).split(None, 1)) < 2:
            raise SeedsError(f"{where}.title_prefix: line {number} has no text after a title")


def gold_lines(text: str, spec: SeedSpec) -> dict[int, str]:
    """The body lines of a seed by line number, reduced to their gold text."""
    lines = text.splitlines()
    check_fit(lines, spec)
    out: dict[int, str] = {}
    for number, line in enumerate(lines, 1):
        if number in spec.chrome or number == spec.title:
            continue
        if number in spec.markers:
            line = PAGE_MARKER.sub("", line, count=1)
        if number in spec.title_prefix:
            line = line.split(None, 1)[1]
        if spec.ruby:
            line = strip_pinyin(line)
        if line.strip():
            out[number] = line.strip()
    return out


def seed_gold(text: str, spec: SeedSpec) -> str:
    """The gold text of a seed: its body lines, chrome and title out."""
    return "\n".join(gold_lines(text, spec).values())


def leak_keys(text: str, spec: SeedSpec) -> dict[int, frozenset[str]]:
    """For each countable leak line, the whitespace-free forms whose presence is a leak."""
    lines = text.splitlines()
    keys: dict[int, frozenset[str]] = {}
    for number in sorted(spec.leak):
        line = lines[number - 1]
        forms = {squash(line), squash(strip_pinyin(line)) if spec.ruby else ""}
        forms = {f for f in forms if len(f) >= LEAK_MIN_CHARS}
        if forms:
            keys[number] = frozenset(forms)
    return keys


def leaked(output: str, keys: dict[int, frozenset[str]]) -> list[int]:
    """Line numbers of the leak lines found in an output."""
    text = squash(output)
    return [number for number, forms in keys.items() if any(f in text for f in forms)]


SITE = "范文资料网"
RELATED = ("社区卫生服务中心年度工作总结", "卫健委上半年工作总结范文", "医院年度工作计划")
PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="keywords" content="工作总结,工作计划,工作报告,范文">
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<div class="header">
<div class="logo"><a href="/">{site}</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zongjie/">工作总结</a></li>
<li><a href="/jihua/">工作计划</a></li><li><a href="/baogao/">工作报告</a></li>
<li><a href="/jianghua/">讲话稿</a></li></ul>
<form class="search" action="/search"><input name="q" placeholder="搜索范文">\
<button type="submit">搜索</button></form>
</div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zongjie/">工作总结</a> \
&gt; 正文</div>
<div class="main">
<div class="article">
{heading}<div class="content" id="content">
{paragraphs}
</div>
</div>
<div class="related"><h3>相关文章</h3>
<ul>
{related}
</ul>
</div>
</div>
<div class="footer">
<p>Copyright © 2012-2024 {site} 版权所有 | <a href="/about/">关于我们</a> | \
<a href="/contact/">联系我们</a></p>
<p><a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a></p>
</div>
</body>
</html>
"""


def seed_page(text: str, spec: SeedSpec) -> bytes:
    """The seed wrapped in a plain article page: nav, breadcrumb, <p> lines, related, footer."""
    lines = text.splitlines()
    title = lines[spec.title - 1].strip() if spec.title else ""
    paragraphs = "\n".join(
        f"<p>{html.escape(line.strip())}</p>"
        for number, line in enumerate(lines, 1)
        if line.strip() and number != spec.title
    )
    related = "\n".join(
        f'<li><a href="/zongjie/{i}.html">{name}</a></li>' for i, name in enumerate(RELATED, 1)
    )
    page = PAGE.format(
        title=html.escape(f"{title} - {SITE}" if title else SITE),
        site=SITE,
        heading=f"<h1>{html.escape(title)}</h1>\n" if title else "",
        paragraphs=paragraphs,
        related=related,
    )
    return page.encode("utf-8")


# ------------------------------------------------------------------ documents and sets


@dataclass(frozen=True)
class Doc:
    """One input document and its gold (F1 text, snippet checks or seed leak lines)."""

    id: str
    body: bytes
    content_type: str | None = None
    url: str | None = None
    gold: str | None = None
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    leak: dict[int, frozenset[str]] = field(default_factory=dict)
    gold_lines: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    """A gold set; `html` is False when the documents are plain text (peers n/a)."""

    name: str
    label: str
    docs: tuple[Doc, ...]
    html: bool = True


def magic_html(corpus: Path, name: str) -> Suite | None:
    """A magic-html benchmark set: the pages of base.json that exist."""
    base = corpus / "magic-html" / "benchmark" / "data" / name
    if not (base / "base.json").is_file():
        return None
    gold = json.loads((base / "base.json").read_text(encoding="utf-8"))
    docs = tuple(
        Doc(page_id, path.read_bytes(), gold=entry.get("content") or "")
        for page_id, entry in sorted(gold.items())
        if (path := base / "htmls" / f"{page_id}.html").is_file()
    )
    return Suite(name, f"magic-html {name}", docs)


def trafilatura_zh(corpus: Path) -> Suite | None:
    """The trafilatura-zh pages that have snippet checks in evaldata.zh-subset.json."""
    base = corpus / "trafilatura-zh"
    if not (base / "evaldata.zh-subset.json").is_file():
        return None
    evaldata = json.loads((base / "evaldata.zh-subset.json").read_text(encoding="utf-8"))
    files = {path.name: path for path in (base / "tests").rglob("*.html")}
    docs = tuple(
        Doc(
            Path(entry["file"]).stem,
            files[entry["file"]].read_bytes(),
            url=url,
            must=tuple(entry.get("with", ())),
            must_not=tuple(entry.get("without", ())),
        )
        for url, entry in sorted(evaldata.items())
        if entry.get("file") in files
    )
    return Suite("trafilatura-zh", "trafilatura-zh", docs)


def seed_docs(corpus: Path, html_page: bool, specs_path: Path = SEEDS_TOML) -> tuple[Doc, ...]:
    """The seeds as text/plain or wrapped in HTML, with gold and leak lines from seeds.toml."""
    docs = []
    for spec in load_seeds(specs_path):
        path = corpus / "seeds" / spec.file
        if not path.is_file():
            raise SeedsError(f"{specs_path.name}: seed file {spec.file} not in {path.parent}")
        text = path.read_text(encoding="utf-8")
        stem = Path(spec.file).stem
        body, ctype = (
            (seed_page(text, spec), "text/html; charset=utf-8")
            if html_page
            else (text.encode("utf-8"), "text/plain; charset=utf-8")
        )
        lines = gold_lines(text, spec)
        docs.append(
            Doc(
                stem,
                body,
                ctype,
                url=f"https://seeds.example/{stem}.{'html' if html_page else 'txt'}",
                gold="\n".join(lines.values()),
                leak=leak_keys(text, spec),
                gold_lines=lines,
            )
        )
    return tuple(docs)


def gold_folder(folder: Path) -> Suite | None:
    """Any folder of pages with a `gold.json` of {id: {"url", "content"}}, the page of id
    at `id.html` (ids may hold a sub-folder: `cwced/33a95b71`)."""
    if not (folder / "gold.json").is_file():
        return None
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    docs = tuple(
        Doc(page_id, path.read_bytes(), url=entry.get("url"), gold=entry.get("content") or "")
        for page_id, entry in sorted(gold.items())
        if (path := folder / f"{page_id}.html").is_file()
    )
    return Suite(str(folder), folder.name, docs)


def load_suite(corpus: Path, name: str) -> Suite | None:
    """One named set, or None when its corpus folder is absent."""
    if name in ("article", "forum"):
        return magic_html(corpus, name)
    if name == "trafilatura-zh":
        return trafilatura_zh(corpus)
    if not (corpus / "seeds").is_dir():
        return None
    as_html = name == "seeds-html"
    label = "seeds in HTML" if as_html else "seeds as text"
    return Suite(name, label, seed_docs(corpus, as_html), html=as_html)


# ------------------------------------------------------------------ extractors


def ours(body: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """This project: `crawler.text.process.process`, taking `page.text` ("" if a stage fails)."""
    from crawler.errors import CrawlerError
    from crawler.text.process import process

    try:
        return process(body, url=url, content_type=content_type).text
    except CrawlerError as exc:
        logger.debug("ours failed on %s: %s", url, exc)
        return ""


def trafilatura_text(body: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """trafilatura 2.x on the raw bytes, default settings."""
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trafilatura.extract(body) or ""


_BLOCKS = ("p", "div", "br", "li", "tr", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6")


def readability_text(body: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """readability-lxml's summary flattened to text; the page decoded by bs4's UnicodeDammit."""
    from bs4 import UnicodeDammit
    from lxml import html as lxml_html
    from readability import Document

    charset = re.search(r"charset=([\w-]+)", content_type or "")
    known = [charset.group(1)] if charset else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    text = dammit.unicode_markup or body.decode("utf-8", "replace")
    try:
        summary = Document(text, url=url).summary()
    except Exception as exc:  # readability raises Unparseable and worse on odd pages
        logger.debug("readability failed on %s: %s", url, exc)
        return ""
    if not summary.strip():
        return ""
    root = lxml_html.fromstring(summary)
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


RUNNERS: dict[str, Callable[[bytes, str | None, str | None], str]] = {
    "ours": ours,
    "trafilatura": trafilatura_text,
    "readability": readability_text,
}


def available(name: str) -> bool:
    """Whether an extractor's library is installed."""
    return importlib.util.find_spec(MODULES[name][0].split(".")[0]) is not None


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Outcome:
    """One extractor on one set: its texts (first pass), speed and memory."""

    texts: tuple[str, ...]
    docs_per_second: float
    peak_mib: float | None
    import_mib: float | None


def rss_mib() -> float | None:
    """This process's peak resident set size so far (ru_maxrss), in MiB."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def measure(name: str, docs: Sequence[Doc]) -> Outcome:
    """Run one extractor over documents in this process: warm-up, timed passes, peak RSS."""
    logging.disable(logging.WARNING)
    run = RUNNERS[name]
    for module in MODULES[name]:
        importlib.import_module(module)
    import_mib = rss_mib()
    run(docs[0].body, docs[0].content_type, docs[0].url)
    start = time.perf_counter()
    texts = tuple(run(d.body, d.content_type, d.url) for d in docs)
    passes, elapsed = 1, time.perf_counter() - start
    while elapsed < MIN_SECONDS and passes < MAX_PASSES:
        for d in docs:
            run(d.body, d.content_type, d.url)
        passes, elapsed = passes + 1, time.perf_counter() - start
    speed = passes * len(docs) / elapsed if elapsed else float("inf")
    return Outcome(texts, speed, rss_mib(), import_mib)


def measure_isolated(name: str, docs: Sequence[Doc]) -> Outcome:
    """`measure` in a fresh spawned process, so memory and speed are the extractor's own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure, name, docs).result()


# ------------------------------------------------------------------ report


@dataclass(frozen=True)
class Row:
    """One table row: a set, a metric and one cell per extractor plus the ratio."""

    label: str
    metric: str
    cells: tuple[str, ...]


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean (nan for no values)."""
    return sum(values) / len(values) if values else float("nan")


def check_counts(suite: Suite, texts: Sequence[str]) -> tuple[int, int]:
    """(passed, total) snippet checks."""
    pairs = zip(suite.docs, texts, strict=True)
    failed = sum(len(failed_checks(text, d.must, d.must_not)) for d, text in pairs)
    total = sum(len(d.must) + len(d.must_not) for d in suite.docs)
    return total - failed, total


def leak_counts(suite: Suite, texts: Sequence[str]) -> tuple[int, int]:
    """(leaked, counted) seed chrome lines."""
    pairs = zip(suite.docs, texts, strict=True)
    found = sum(len(leaked(text, d.leak)) for d, text in pairs)
    return found, sum(len(d.leak) for d in suite.docs)


Cell = tuple[str, float | None]  # as shown, and the value the ratio column divides


def metric_cells(suite: Suite, outcome: Outcome) -> dict[str, Cell]:
    """One extractor's cells on one set, by metric."""
    texts, cells = outcome.texts, {}
    if any(d.gold is not None for d in suite.docs):
        f1 = mean([char_f1(t, d.gold or "") for d, t in zip(suite.docs, texts, strict=True)])
        cells["mean char F1"] = (f"{f1:.3f}", f1)
    if any(d.must or d.must_not for d in suite.docs):
        passed, total = check_counts(suite, texts)
        cells["snippet checks passed"] = (f"{passed}/{total}", passed)
    if any(d.leak for d in suite.docs):
        found, total = leak_counts(suite, texts)
        cells["chrome lines leaked"] = (f"{found}/{total}", None)
    cells["docs/s"] = (f"{outcome.docs_per_second:.1f}", outcome.docs_per_second)
    peak = outcome.peak_mib
    cells["peak RSS MiB"] = (f"{peak:.0f}" if peak else "n/a", peak)
    return cells


def ratio(a: float | None, b: float | None) -> str:
    """a ÷ b to two places, or n/a."""
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def suite_rows(suite: Suite, outcomes: dict[str, Outcome | None]) -> list[Row]:
    """The table rows of one set (ours always ran; a peer that did not is n/a)."""
    cells = {name: metric_cells(suite, o) for name, o in outcomes.items() if o}
    label = f"{suite.label} ({len(suite.docs)})"
    rows = []
    for metric, (_, mine) in cells["ours"].items():
        shown = tuple(cells[n][metric][0] if n in cells else "n/a" for n in EXTRACTORS)
        theirs = cells["trafilatura"][metric][1] if "trafilatura" in cells else None
        rows.append(Row(label, metric, (*shown, ratio(mine, theirs))))
    return rows


HEADER = ("set", "metric", *EXTRACTORS, "ours÷trafilatura")


def render(rows: Sequence[Row], markdown: bool) -> str:
    """The rows as an aligned text table or a Markdown table."""
    table = [HEADER, *((r.label, r.metric, *r.cells) for r in rows)]
    if markdown:
        lines = ["| " + " | ".join(table[0]) + " |", "|---|---|" + "---:|" * (len(HEADER) - 2)]
        lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    )


def lost_lines(output: str, gold: dict[int, str]) -> list[int]:
    """Gold line numbers whose whitespace-free text is not all in the output (diagnostics)."""
    text = squash(output)
    return [number for number, line in gold.items() if squash(line) not in text]


def text_diff(output: str, gold: str) -> tuple[list[str], list[str]]:
    """(extra, lost): whitespace-free spans only in the output, and only in the gold."""
    out, ref = squash(output), squash(gold)
    matcher = difflib.SequenceMatcher(None, out, ref, autojunk=False)
    extra, lost = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            extra.append(out[i1:i2])
        if op in ("insert", "replace"):
            lost.append(ref[j1:j2])
    return extra, lost


def seed_report(doc: Doc, output: str) -> str:
    """One seed's F1, leaked lines, lost body lines and extra/lost text, for people."""
    extra, lost = text_diff(output, doc.gold or "")
    lines = [
        f"{doc.id}: F1 {char_f1(output, doc.gold or ''):.3f}; "
        f"leaked lines {leaked(output, doc.leak) or '-'}; "
        f"lost body lines {lost_lines(output, doc.gold_lines) or '-'}"
    ]
    lines += [f"    extra: {span[:80]}" for span in extra]
    lines += [f"    lost:  {span[:80]}" for span in lost]
    return "\n".join(lines)


def worst(suite: Suite, texts: Sequence[str], count: int) -> list[str]:
    """Diagnostics for ours: worst pages, failing snippet checks, or each seed's report."""
    pairs = list(zip(suite.docs, texts, strict=True))
    if any(doc.leak for doc in suite.docs):
        return [f"  {suite.name}/{seed_report(doc, text)}" for doc, text in pairs]
    if any(doc.must or doc.must_not for doc in suite.docs):
        return [
            f"  {suite.name}/{doc.id}: {check}"
            for doc, text in pairs
            for check in failed_checks(text, doc.must, doc.must_not)
        ]
    scores = sorted((char_f1(text, doc.gold or ""), doc.id) for doc, text in pairs)
    return [f"  {score:.3f} {suite.name}/{page_id}" for score, page_id in scores[:count]]


NOTES = """\
ours = crawler.text.process.process, page.text (its docs/s include describe and judge);
trafilatura {trafilatura} = extract(raw bytes), defaults; readability = readability-lxml
{readability} Document(text).summary() on text decoded by bs4's UnicodeDammit (0.9, which
decodes bytes itself, pins chardet<6 against our chardet>=7). F1: character multiset F1,
mean over pages. Snippet checks: with/without strings, whitespace removed. Chrome lines
leaked: the seeds' chrome and title lines of >= 6 characters found in the output (see
bench/seeds.toml). Seeds as text: peers need HTML (n/a). docs/s and peak RSS (ru_maxrss):
each extractor on each set in a fresh 'spawn' process, after one untimed warm-up document,
timed passes repeated to >= 1 s. RSS after imports: {imports}."""


def version(module: str) -> str:
    """An installed distribution's version, or '?'."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(module)
    except PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    """Run every extractor on every set and print the table; exit 0 when the corpus is absent."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--set", dest="sets", action="append", choices=SETS)
    parser.add_argument("--worst", type=int, default=0, help="list ours' N worst pages")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--pages", type=Path, action="append", default=[],
        help="also score a folder of pages with a gold.json ({id: {url, content}})",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if not args.corpus.is_dir() and not args.pages:
        print(f"corpus not found at {args.corpus}; nothing to benchmark.")
        return 0
    extractors = [name for name in EXTRACTORS if available(name)]
    for name in sorted(set(EXTRACTORS) - set(extractors)):
        print(f"{name} is not installed; its column is n/a.")
    try:
        names = args.sets or ([] if args.pages else SETS)
        suites = [(name, load_suite(args.corpus, name)) for name in names]
        suites += [(str(folder), gold_folder(folder)) for folder in args.pages]
    except SeedsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    rows: list[Row] = []
    details: list[str] = []
    imports: dict[str, float] = {}
    for name, suite in suites:
        if suite is None or not suite.docs:
            print(f"{name}: not in the corpus; skipped.")
            continue
        outcomes: dict[str, Outcome | None] = {}
        for extractor in extractors:
            if extractor != "ours" and not suite.html:
                outcomes[extractor] = None
                continue
            print(f"… {extractor} on {suite.label} ({len(suite.docs)})", file=sys.stderr)
            outcome = measure_isolated(extractor, suite.docs)
            outcomes[extractor] = outcome
            if outcome.import_mib is not None:
                imports.setdefault(extractor, outcome.import_mib)
        rows += suite_rows(suite, outcomes)
        mine = outcomes.get("ours")
        if args.worst and mine:
            details += worst(suite, mine.texts, args.worst)

    if not rows:
        print("nothing to score.")
        return 0
    print(render(rows, args.markdown))
    print()
    print(
        NOTES.format(
            trafilatura=version("trafilatura"),
            readability=version("readability-lxml"),
            imports=", ".join(f"{n} {mib:.0f} MiB" for n, mib in imports.items()) or "n/a",
        )
    )
    if details:
        print("\nours, worst pages / failing checks / seed diagnostics:")
        print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
