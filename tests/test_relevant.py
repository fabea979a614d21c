"""crawler.text.judge.judge on the labeled set: hand-written pages, the sample sites, the seeds
and the real pages of ../shared/corpus (`python bench/relevance.py` prints the full report).

Groups of the labeled set:
- own positives / own hard negatives / fresh: tests/pages/relevant/*.toml, written for this
  project; `fresh.toml` was written after the rules were fixed, to check that they generalise.
- sample texts: crawler/sample_site/texts/*.txt (positives), with their title line and as a
  bare text whose first line is the title (as an attachment arrives).
- sample pages: the sample sites' HTML pages named in their manifest, archived (positives) or
  not archived (negatives), through `crawler.text.process.process` as the crawler sees them.
- seeds and corpus: ../shared/corpus seeds (positives) and real pages (negatives), through
  `process`; skipped when the corpus is absent.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.errors import StageError
from crawler.text.judge import Relevance, judge
from crawler.text.process import process

ROOT = Path(__file__).resolve().parents[1]
LABELED = Path(__file__).resolve().parent / "pages" / "relevant"
SAMPLE = ROOT / "crawler" / "sample_site"
CORPUS = Path(os.environ.get("CRAWLER_CORPUS", ROOT.parent / "shared" / "corpus"))
# The hand-written files, by group.
OWN_FILES = {"positives": "own positives", "negatives": "own hard negatives", "fresh": "fresh"}
# Real pages in the corpus (all negatives): folder and file patterns.
CORPUS_PAGES = {
    "magic-html": ("*.html",),
    "cx-163": ("*.html",),
    "gerapy-lists": ("*.html",),
    "trafilatura-zh": ("*.html",),
    "wsjkw-sh": ("*.html",),
    "chardet": ("*.html", "*.xml"),
}


@dataclass(frozen=True)
class Case:
    """One labeled page: what judge() is given and what it should say."""

    group: str
    kind: str
    name: str
    title: str | None
    text: str
    relevant: bool

    def verdict(self) -> Relevance:
        return judge(self.title, self.text)


def own_cases() -> list[Case]:
    """The hand-written cases, grouped by file."""
    cases = []
    for stem, group in OWN_FILES.items():
        path = LABELED / f"{stem}.toml"
        for i, c in enumerate(tomllib.loads(path.read_text("utf-8"))["case"]):
            name = f"{stem}[{i}] {c['title'] or c['body'].split(chr(10), 1)[0][:30]}"
            title = c["title"] or None
            cases.append(Case(group, c["kind"], name, title, c["body"], c["relevant"]))
    return cases


def sample_text_cases() -> list[Case]:
    """The sample sites' report texts: with a title, and bare (first line = title)."""
    cases = []
    for path in sorted((SAMPLE / "texts").glob("*.txt")):
        text = path.read_text("utf-8")
        title, body = text.split("\n", 1)
        cases.append(Case("sample texts", "titled", path.stem, title, body, True))
        cases.append(Case("sample texts", "bare text", path.stem, None, text, True))
    return cases


def _processed(
    group: str, kind: str, name: str, body: bytes, url: str, relevant: bool
) -> Case | None:
    """A case from raw bytes as the crawler sees them; None when nothing survives cleaning."""
    try:
        page = process(body, url=url)
    except StageError:  # the crawler records such a page as a failure: it is never archived
        return None
    return Case(group, kind, name, page.title, page.text, relevant)


def sample_page_cases() -> list[Case]:
    """The sample sites' HTML pages that the manifest says are archived or not archived."""
    manifest = tomllib.loads((SAMPLE / "manifest.toml").read_text("utf-8"))
    labeled = [(site, path, True) for r in manifest["report"] for site, path in r["urls"]]
    labeled += [(n["site"], n["path"], False) for n in manifest["not_archived"]]
    cases = []
    for site, path, relevant in labeled:
        file = SAMPLE / "sites" / site / path.lstrip("/")
        if file.suffix == ".html" and file.is_file():
            url = f"http://127.0.0.1{path}"
            kind = "archived" if relevant else "not archived"
            cases.append(
                _processed("sample pages", kind, f"{site}{path}", file.read_bytes(), url, relevant)
            )
    return [c for c in cases if c]


def corpus_cases(corpus: Path) -> list[Case]:
    """The seeds (positives) and the real pages of the corpus (negatives), processed."""
    seeds = [(p, "seed", True) for p in sorted((corpus / "seeds").glob("*.txt"))]
    pages = [
        (p, name, False)
        for name, patterns in CORPUS_PAGES.items()
        for pattern in patterns
        for p in sorted((corpus / name).rglob(pattern))
    ]
    cases = []
    for path, kind, relevant in (*seeds, *pages):
        group = "seeds" if relevant else "corpus negatives"
        url = f"http://example.com/{path.name}"
        cases.append(
            _processed(group, kind, str(path.relative_to(corpus)), path.read_bytes(), url, relevant)
        )
    return [c for c in cases if c]


def labeled_set(corpus: Path | None = CORPUS) -> list[Case]:
    """Every labeled case; the corpus groups only when the corpus is present."""
    cases = [*own_cases(), *sample_text_cases(), *sample_page_cases()]
    if corpus is not None and corpus.is_dir():
        cases += corpus_cases(corpus)
    return cases


def scores(pairs: Iterable[tuple[bool, bool]]) -> tuple[float, float]:
    """(precision, recall) of (expected, predicted) pairs; 1.0 when undefined."""
    pairs = list(pairs)
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if p and not e)
    fn = sum(1 for e, p in pairs if e and not p)
    return tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0


def summary(label: str, pairs: list[tuple[bool, bool]]) -> str:
    """One report line for (expected, predicted) pairs: size, precision, recall, rejections."""
    pos = sum(e for e, _ in pairs)
    neg = len(pairs) - pos
    precision, recall = scores(pairs)
    rejected = sum(1 for e, p in pairs if not e and not p)
    parts = [f"{label}: {len(pairs)} pages"]
    if pos:
        parts.append(f"{pos} relevant, recall {recall:.3f}")
    if pos and neg:
        parts.append(f"precision {precision:.3f}")
    if neg:
        parts.append(f"{rejected}/{neg} negatives rejected")
    return "; ".join(parts)


def report(cases: list[Case], by_kind: bool = False) -> Iterator[str]:
    """Report lines: the whole set, each group (and kind), then every misclassified case."""
    judged = [(c, c.verdict()) for c in cases]
    yield summary("labeled set", [(c.relevant, v.relevant) for c, v in judged])
    for group in dict.fromkeys(c.group for c in cases):
        inside = [(c, v) for c, v in judged if c.group == group]
        yield "  " + summary(group, [(c.relevant, v.relevant) for c, v in inside])
        for kind in dict.fromkeys(c.kind for c, _ in inside) if by_kind else ():
            of_kind = [(c.relevant, v.relevant) for c, v in inside if c.kind == kind]
            yield "    " + summary(kind, of_kind)
    for c, v in judged:
        if c.relevant != v.relevant:
            miss = "missed" if c.relevant else "false positive"
            yield f"  {miss}: {c.group} / {c.kind}: {c.name} ({v.score}: {'; '.join(v.reasons)})"


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return labeled_set()


def test_labeled_set_precision_and_recall(cases: list[Case]) -> None:
    own = [c for c in cases if c.group in ("own positives", "own hard negatives")]
    assert len(own) >= 150
    assert sum(c.relevant for c in own) >= 60
    lines = list(report(cases))
    print("\n" + "\n".join(lines))
    precision, recall = scores((c.relevant, c.verdict().relevant) for c in cases)
    assert precision >= 0.95, lines
    assert recall >= 0.95, lines


def test_every_hard_negative_group_is_rejected(cases: list[Case]) -> None:
    negatives = [c for c in cases if not c.relevant and c.group != "corpus negatives"]
    kinds = {c.kind for c in negatives}
    assert {
        "hospital news",
        "health news",
        "government report",
        "epidemic",
        "notice",
        "tender",
        "other body",
        "institution",
        "personal",
        "meeting news",
        "list page",
    } <= kinds
    wrong = [(c.kind, c.name, c.verdict()) for c in negatives if c.verdict().relevant]
    assert not wrong


def test_real_pages_are_rejected_and_seeds_accepted(corpus_dir: Path) -> None:
    real = corpus_cases(corpus_dir)
    negatives = [c for c in real if not c.relevant]
    assert len(negatives) > 150
    assert [c.name for c in real if c.relevant != c.verdict().relevant] == []


@pytest.mark.parametrize(
    ("title", "body_word", "reason"),
    [
        ("市卫健委召开2023年工作总结会议", "会议", "meeting"),
        ("区卫生健康局医疗设备采购项目招标公告", "采购", "tender"),
        ("县教育局2023年工作总结", "教育", "other body"),
        ("疫情通报", "病例", "epidemic"),
        ("县人民医院2023年工作总结", "医院", "institution"),
        ("护士个人年终工作总结", "护理", "other genre"),
    ],
)
def test_rejections_explain_themselves(title: str, body_word: str, reason: str) -> None:
    body = f"本文讲述{body_word}。" + "卫生健康工作取得成效，医疗服务能力提升。" * 10
    verdict = judge(title, body)
    assert not verdict.relevant
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_verdict_shape() -> None:
    case = next(c for c in own_cases() if c.relevant and c.title)
    verdict = case.verdict()
    assert isinstance(verdict, Relevance)
    assert 0.0 <= verdict.score <= 1.0
    assert any(r.startswith("title:") for r in verdict.reasons)


def test_too_short_and_empty() -> None:
    assert not judge("县卫健委2023年工作总结", "详见附件。").relevant
    assert not judge(None, "").relevant


def test_speech_without_title_is_relevant(corpus_dir: Path) -> None:
    """Seed 003: a traditional-script speech at a city 卫生计生 work conference, no title line."""
    seed = next((corpus_dir / "seeds").glob("003_*.txt"))
    page = process(seed.read_bytes(), url="http://example.com/003.txt")
    assert page.title is None
    assert page.relevance.relevant, page.relevance
