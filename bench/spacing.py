"""The search index's spacing in SQL (what every write of a document runs in a trigger).

Times `archive.search.spaced_sql` on generated reports of about 900 and 5,400 characters
against the same spacing done a row per character (the archive's triggers before schema
version 8) and against Python's `spaced` (what a writer could do outside SQL), and checks
that all three give the same text.

    python bench/spacing.py [--docs 200]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sites.generated import generate
from test_search_results import OLD_SPACING

from archive.search import spaced, spaced_sql

# the archive's triggers before schema version 8 (kept for the migration's test)
PER_CHARACTER = OLD_SPACING.format(e="?1")


def timed(texts: list[str], run: Callable[[str], str]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    out = [run(t) for t in texts]
    return (time.perf_counter() - started) / len(texts) * 1000, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    reports = ["\n".join(r.paras) for r in generate(args.docs * 6)]
    sizes = {
        "one report": reports[: args.docs],
        "six reports": ["\n".join(reports[i : i + 6]) for i in range(0, len(reports), 6)],
    }
    conn = sqlite3.connect(":memory:")

    def in_sql(expr: str) -> Callable[[str], str]:
        return lambda text: conn.execute(f"SELECT {expr}", (text,)).fetchone()[0]

    ways: dict[str, Callable[[str], str]] = {
        "spaced_sql (8 a row)": in_sql(spaced_sql("?1")),
        "a row per character": in_sql(PER_CHARACTER),
        "Python spaced()": spaced,
    }
    print(f"{'texts':<13}{'chars':>7}" + "".join(f"{w:>24}" for w in ways) + "   ratio")
    for label, texts in sizes.items():
        chars = sum(map(len, texts)) / len(texts)
        results = {w: timed(texts, run) for w, run in ways.items()}
        outs = [out for _, out in results.values()]
        assert all(o == outs[-1] for o in outs), "the spacings differ"
        ms = [m for m, _ in results.values()]
        print(
            f"{label:<13}{chars:>7.0f}"
            + "".join(f"{m:>21.2f} ms" for m in ms)
            + f"   {ms[1] / ms[0]:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
