"""Score decode→extract→clean against trafilatura on the magic-html benchmark pages.

Usage: python bench/extract.py [--corpus DIR] [--set article|forum ...] [--worst N]

Scoring (see corpus/README.md): character-level F1 between extracted text and gold,
every non-whitespace character a token (a multiset), mean over pages.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.clean import clean  # noqa: E402
from crawler.decode import decode  # noqa: E402
from crawler.errors import CrawlerError  # noqa: E402
from crawler.extract import extract  # noqa: E402

logger = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(os.environ.get("CRAWLER_CORPUS", ROOT.parent / "shared" / "corpus"))
SETS = ("article", "forum")


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


def ours(body: bytes) -> str:
    """This project's pipeline: decode, extract, clean."""
    try:
        page = extract(decode(body).text)
    except CrawlerError as exc:
        logger.debug("ours failed: %s", exc)
        return ""
    return clean(page.text, title=page.title)


def trafilatura_text(body: bytes) -> str:
    """trafilatura 2.x on the raw bytes, default settings."""
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trafilatura.extract(body) or ""


def load_set(corpus: Path, name: str) -> list[tuple[str, bytes, str]]:
    """(id, html bytes, gold content) for the pages of one benchmark set that exist."""
    base = corpus / "magic-html" / "benchmark" / "data" / name
    gold = json.loads((base / "base.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, entry in sorted(gold.items()):
        path = base / "htmls" / f"{page_id}.html"
        if path.is_file():
            pages.append((page_id, path.read_bytes(), entry.get("content") or ""))
    return pages


def run(
    pages: list[tuple[str, bytes, str]], fn: Callable[[bytes], str]
) -> tuple[float, float, list[tuple[float, str]]]:
    """Mean F1, pages per second and per-page scores for one extractor."""
    scores: list[tuple[float, str]] = []
    elapsed = 0.0
    for page_id, body, gold in pages:
        start = time.perf_counter()
        text = fn(body)
        elapsed += time.perf_counter() - start
        scores.append((char_f1(text, gold), page_id))
    mean = sum(s for s, _ in scores) / len(scores) if scores else 0.0
    speed = len(pages) / elapsed if elapsed else 0.0
    return mean, speed, scores


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table; a message and exit 0 when the corpus is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--set", dest="sets", action="append", choices=SETS)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of ours")
    parser.add_argument("--no-trafilatura", action="store_true")
    args = parser.parse_args(argv)

    if not (args.corpus / "magic-html" / "benchmark" / "data").is_dir():
        print(f"magic-html corpus not found under {args.corpus}; nothing to benchmark.")
        return 0
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        args.no_trafilatura = True
        print("trafilatura is not installed; scoring this project only.")

    print(f"{'set':<8} {'pages':>5} {'ours F1':>8} {'traf F1':>8} {'ratio':>6} "
          f"{'ours p/s':>9} {'traf p/s':>9}")  # fmt: skip
    for name in args.sets or SETS:
        pages = load_set(args.corpus, name)
        if not pages:
            print(f"{name:<8} no pages")
            continue
        ours_f1, ours_speed, ours_scores = run(pages, ours)
        if args.no_trafilatura:
            traf_f1, traf_speed = float("nan"), float("nan")
        else:
            traf_f1, traf_speed, _ = run(pages, trafilatura_text)
        ratio = ours_f1 / traf_f1 if traf_f1 else float("nan")
        print(
            f"{name:<8} {len(pages):>5} {ours_f1:>8.3f} {traf_f1:>8.3f} {ratio:>6.2f} "
            f"{ours_speed:>9.1f} {traf_speed:>9.1f}"
        )
        for score, page_id in sorted(ours_scores)[: args.worst]:
            print(f"    {score:.3f} {name}/{page_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
