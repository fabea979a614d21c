"""Report precision and recall of crawler.text.judge.judge on the labeled set.

Usage: python bench/relevance.py [--corpus DIR] [--kinds] [--stress] [--lowest N]

The labeled set and its groups are those of tests/test_relevant.py (which asserts on them):
hand-written positives, hard negatives and `fresh` cases (tests/pages/relevant/*.toml),
the sample sites' texts and pages, and the seeds and real pages of ../shared/corpus run
through `crawler.text.process.process`. The report gives the whole set, each group (--kinds:
each kind of page within it) and every misclassified case with the reasons judge() gave.

--stress re-judges the hand-written cases with their titles taken away: once with the
title as the first line of the text (as an attachment arrives) and once with no title at
all (the body alone, the hardest case: the genre must then show in the body). It reports
how many of each stay right, a measure of robustness rather than a target.

--lowest N lists the N lowest-scoring pages judged relevant, the ones nearest the threshold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from test_relevant import CORPUS, Case, labeled_set, own_cases, report, summary  # noqa: E402

from crawler.text.judge import THRESHOLD, judge  # noqa: E402


def stress(cases: list[Case]) -> list[str]:
    """Lines on the hand-written cases judged without their title."""
    lines = []
    for label, text_of in (
        ("title as first line", lambda c: f"{c.title or ''}\n{c.text}"),
        ("no title at all", lambda c: c.text),
    ):
        pairs = [(c.relevant, judge(None, text_of(c)).relevant) for c in cases]
        lines.append("  " + summary(label, pairs))
    return lines


def lowest(cases: list[Case], n: int) -> list[str]:
    """The n pages judged relevant with the lowest scores."""
    accepted = [(v.score, c) for c in cases if (v := c.verdict()).relevant]
    accepted.sort(key=lambda pair: pair[0])
    return [f"  {score:.2f} {c.group}: {c.name}" for score, c in accepted[:n]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--kinds", action="store_true", help="break each group down by kind")
    parser.add_argument("--stress", action="store_true", help="judge own cases without titles")
    parser.add_argument("--lowest", type=int, default=0, metavar="N", help="closest accepted")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}: seeds and real pages left out", file=sys.stderr)
    cases = labeled_set(args.corpus)
    print("\n".join(report(cases, by_kind=args.kinds)))
    if args.stress:
        print("stress, hand-written cases without their title:")
        print("\n".join(stress(own_cases())))
    if args.lowest:
        print(f"lowest-scoring pages judged relevant (threshold {THRESHOLD}):")
        print("\n".join(lowest(cases, args.lowest)))


if __name__ == "__main__":
    main()
