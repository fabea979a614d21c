"""crawler.relevant.judge on a hand-written labelled set, the seeds and real negative pages."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from crawler.relevant import Relevance, judge

LABELED = Path(__file__).resolve().parent / "pages" / "relevant" / "labeled.toml"
# (seed file prefix, title to pass: the report's title line, or None when the page has none)
SEED_TITLES = {
    "000": "2023年区卫生人口计生局年度工作报告.docx",
    "001": "xx县卫健委20xx年工作总结及20xx年工作打算【2021字】",
    "002": "上半年区卫生局工作总结",
    "003": None,
    "004": "鯉城區(qū)衛(wèi)生健康局2024年上半年工作總結(jié)及下一步工作計(jì)劃",
}


def _cases() -> list[dict]:
    return tomllib.loads(LABELED.read_text(encoding="utf-8"))["case"]


def _scores(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    """(precision, recall) of (expected, predicted) pairs."""
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if p and not e)
    fn = sum(1 for e, p in pairs if e and not p)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_labeled_set_precision_and_recall() -> None:
    cases = _cases()
    assert len(cases) >= 60
    assert sum(c["relevant"] for c in cases) >= 25
    pairs, wrong = [], []
    for case in cases:
        verdict = judge(case["title"] or None, case["body"])
        pairs.append((case["relevant"], verdict.relevant))
        if verdict.relevant != case["relevant"]:
            wrong.append((case["title"], verdict))
    precision, recall = _scores(pairs)
    print(f"labelled set ({len(cases)}): precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95, wrong
    assert recall >= 0.95, wrong


@pytest.mark.parametrize(
    ("title", "body_word", "reason"),
    [
        ("市卫健委召开2023年工作总结会议", "会议", "meeting"),
        ("区卫生健康局医疗设备采购项目招标公告", "采购", "tender"),
        ("县教育局2023年工作总结", "教育", "other body"),
        ("疫情通报", "病例", "epidemic"),
    ],
)
def test_rejections_explain_themselves(title: str, body_word: str, reason: str) -> None:
    body = f"本文讲述{body_word}。" + "卫生健康工作取得成效，医疗服务能力提升。" * 10
    verdict = judge(title, body)
    assert not verdict.relevant
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_verdict_shape() -> None:
    case = next(c for c in _cases() if c["relevant"])
    verdict = judge(case["title"], case["body"])
    assert isinstance(verdict, Relevance)
    assert 0.0 <= verdict.score <= 1.0
    assert any(r.startswith("title:") for r in verdict.reasons)


def test_too_short_and_empty() -> None:
    assert not judge("县卫健委2023年工作总结", "详见附件。").relevant
    assert not judge(None, "").relevant


def test_seeds_are_relevant(corpus_dir: Path) -> None:
    seeds = sorted((corpus_dir / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        verdict = judge(SEED_TITLES[path.name[:3]], path.read_text(encoding="utf-8"))
        assert verdict.relevant, (path.name, verdict)


def _page(path: Path) -> tuple[str | None, str]:
    """Title and tag-stripped text of a saved page (utf-8, else gb18030)."""
    raw = path.read_bytes()
    try:
        html = raw.decode("utf-8")
    except UnicodeDecodeError:
        html = raw.decode("gb18030", errors="replace")
    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(strip=True) if soup.title else None
    return title, soup.get_text("\n")


def test_real_pages_are_not_relevant(corpus_dir: Path) -> None:
    pages = [
        *sorted((corpus_dir / "magic-html").glob("benchmark/data/*/htmls/*.html")),
        *sorted((corpus_dir / "cx-163" / "RawHtml").glob("*.html")),
        *sorted((corpus_dir / "gerapy-lists").glob("samples/*/*.html")),
        *sorted((corpus_dir / "wsjkw-sh").rglob("*.html")),
    ]
    assert len(pages) > 100
    wrong = [(p.name, t) for p in pages for t, text in [_page(p)] if judge(t, text).relevant]
    seeds = sorted((corpus_dir / "seeds").glob("*.txt"))
    found = sum(
        judge(SEED_TITLES[s.name[:3]], s.read_text(encoding="utf-8")).relevant for s in seeds
    )
    precision = found / max(1, found + len(wrong))
    print(
        f"real pages: {len(pages)} negatives, {len(wrong)} false positives; "
        f"seeds {found}/{len(seeds)}; precision {precision:.3f}"
    )
    assert not wrong
