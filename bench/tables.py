"""Tables in report pages: how many cells survive and how many rows stay readable as rows.

Usage: python bench/tables.py [--pages N] [--seed S]

Generates N report pages (seeded, so every run scores the same pages) whose figure tables
use the markups bureau sites emit: Word-exported `MsoNormal` cells with spans, `th`
header rows, a serial-number column, percentages and decimals, cells spanning rows and
columns, tables wrapped in divs, numbers under 1000 that look like page numbers. Each
page goes through `crawler.text.process.process` (ours) and `trafilatura.extract` (the peer).

- cells kept: non-empty cells whose text is in the output (whitespace ignored);
- rows intact: rows whose cells appear on one line of the output, in order;
- sentences kept: the report's paragraphs around the table found whole.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

LEAD = "2023年，区卫生健康局坚持以人民健康为中心，各项工作取得明显成效，主要指标完成情况如下。"
TAIL = "下一步，我局将继续深化医药卫生体制改革，推动卫生健康事业高质量发展，详见上表。"
ITEMS = (
    "家庭医生签约人数", "基层诊疗人次", "健康体检人数", "孕产妇系统管理率", "儿童健康管理率",
    "高血压规范管理率", "糖尿病规范管理率", "床位数（张）", "执业医师数", "村卫生室数",
)  # fmt: skip


@dataclass(frozen=True)
class Table:
    html: str
    rows: list[list[str]]  # the rows a reader sees, spans filled in


def _number(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return str(rng.randrange(1, 1000))  # short numbers: the ones that got lost
    if kind == 1:
        return f"{rng.randrange(1, 100)}.{rng.randrange(10)}%"
    if kind == 2:
        return f"{rng.randrange(1, 100000):,}"
    if kind == 3:
        return f"{rng.randrange(1, 1000)}.{rng.randrange(100):02d}"
    return str(rng.randrange(1000, 100000))


def _cell(text: str, tag: str, style: int, attrs: str = "") -> str:
    if style == 0:  # Word export
        inner = f'<p class="MsoNormal" align="center"><span lang="EN-US">{text}</span></p>'
    elif style == 1:
        inner = f"<span>{text}</span>"
    else:
        inner = text
    return f"<{tag}{attrs}>{inner}</{tag}>"


def table(rng: random.Random) -> Table:
    """A figure table: a header row (maybe two, with a column span), a serial column, maybe
    a cell spanning two rows."""
    style = rng.randrange(3)
    years = ["2022年", "2023年"]
    items = rng.sample(ITEMS, rng.randrange(3, 7))
    head_tag = "th" if rng.random() < 0.5 else "td"
    grouped = rng.random() < 0.5
    html_rows, rows = [], []
    if grouped:
        html_rows.append(
            _cell("序号", head_tag, style, ' rowspan="2"')
            + _cell("指标", head_tag, style, ' rowspan="2"')
            + _cell("完成情况", head_tag, style, ' colspan="2"')
            + _cell("增长", head_tag, style, ' rowspan="2"')
        )
        html_rows.append("".join(_cell(y, head_tag, style) for y in years))
        rows += [["序号", "指标", "完成情况", "", "增长"], ["序号", "指标", *years, "增长"]]
    else:
        header = ["序号", "指标", *years, "增长"]
        html_rows.append("".join(_cell(h, head_tag, style) for h in header))
        rows.append(header)
    span_at = rng.randrange(len(items)) if rng.random() < 0.4 and len(items) > 2 else -1
    for n, item in enumerate(items, start=1):
        values = [str(n), item, _number(rng), _number(rng), f"{rng.randrange(1, 30)}.{n}%"]
        cells = [_cell(v, "td", style) for v in values]
        if span_at >= 0 and n - 1 == span_at + 1:  # the row under a spanning cell has none
            values[4] = rows[-1][4]
            cells = cells[:4]
        elif n - 1 == span_at:
            cells[4] = _cell(values[4], "td", style, ' rowspan="2"')
        html_rows.append("".join(cells))
        rows.append(values)
    body = "".join(f"<tr>{r}</tr>" for r in html_rows)
    border = ' class="MsoNormalTable" border="1" cellspacing="0"' if style == 0 else ' border="1"'
    html = f"<table{border}><tbody>{body}</tbody></table>"
    for _ in range(rng.randrange(3)):
        html = f'<div class="table-wrap">{html}</div>'
    return Table(html, rows)


def page(tables: list[Table]) -> bytes:
    body = "".join(f"<p>{LEAD}</p>{t.html}" for t in tables)
    return (
        '<html><head><meta charset="utf-8"><title>某某区卫生健康局2023年工作总结</title></head>'
        '<body><div class="nav"><a href="/">首页</a> <a href="/gk">政务公开</a></div>'
        f'<div class="article"><h1>某某区卫生健康局2023年工作总结</h1>{body}<p>{TAIL}</p></div>'
        '<div class="footer">版权所有：某某区卫生健康局 ICP备12345678号</div></body></html>'
    ).encode()


def ours(body: bytes) -> str:
    from crawler.text.process import process

    return process(body, url="http://wjw.example.gov.cn/a.html").text


def trafilatura_text(body: bytes) -> str:
    import trafilatura

    return trafilatura.extract(body) or ""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(text: str, tables: list[Table]) -> tuple[int, int, int, int, bool]:
    """(cells kept, cells, rows intact, rows, sentences kept)."""
    flat = _squash(text)
    lines = [[c.strip() for c in re.split(r"\t| {2,}|\|", line)] for line in text.splitlines()]
    kept = cells = intact = total = 0
    for t in tables:
        for row in t.rows:
            values = [v for v in row if v]
            cells += len(values)
            kept += sum(_squash(v) in flat for v in values)
            total += 1
            intact += any(_in_order(values, [c for c in line if c]) for line in lines)
    sentences = _squash(LEAD) in flat and _squash(TAIL) in flat
    return kept, cells, intact, total, sentences


def _in_order(values: list[str], cells: list[str]) -> bool:
    """True when the values are the line's cells, in order (a line is a row, no more)."""
    return [_squash(v) for v in values] == [_squash(c) for c in cells]


def measure(name: str, extract: Callable[[bytes], str], pages: list[list[Table]]) -> str:
    kept = cells = intact = rows = sentences = 0
    start = time.perf_counter()
    for tables in pages:
        k, c, i, r, s = score(extract(page(tables)), tables)
        kept, cells, intact, rows = kept + k, cells + c, intact + i, rows + r
        sentences += s
    seconds = time.perf_counter() - start
    return (
        f"{name:12} cells kept {kept}/{cells} ({kept / cells:.1%})   rows intact "
        f"{intact}/{rows} ({intact / rows:.1%})   sentences kept {sentences}/{len(pages)}   "
        f"{len(pages) / seconds:.0f} pages/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    pages = [[table(rng) for _ in range(rng.randrange(1, 3))] for _ in range(args.pages)]
    print(measure("ours", ours, pages))
    try:
        print(measure("trafilatura", trafilatura_text, pages))
    except ImportError:
        print("trafilatura is not installed; its figures are n/a.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
