"""Tables as tables: a data table's rows, one line each, cells in order.

Work reports put their figures in tables, and Word-exported HTML wraps every cell's text
in a `<p class="MsoNormal">`: read block by block, each cell became a line of its own and
the short numbers among them looked like page numbers. `table_rows` reads a data table as
a grid: a row is a line with its cells separated by a tab; a cell spanning several rows
is repeated on each row it spans, and a cell spanning several columns is followed by empty
cells, so every value stays in its column. Header rows are rows like the others. A table
that lays out a page rather than holding data (a nested table, or long text in a cell) is
left to the extractor's block reading (`None`).
"""

from __future__ import annotations

from lxml import etree

Element = etree._Element

CELL = "\t"  # between the cells of a row
MAX_CELL = 300  # characters: a cell longer than this is page layout, not data
MAX_SPAN = 100  # rows or columns one cell may span (a bad attribute cannot blow up the grid)


def _span(cell: Element, name: str) -> int:
    try:
        return max(1, min(int((cell.get(name) or "1").strip() or 1), MAX_SPAN))
    except ValueError:
        return 1


def _cell_text(cell: Element) -> str:
    return " ".join("".join(cell.itertext()).split())


def _rows(table: Element) -> list[Element]:
    """The table's own rows (thead, tbody, tfoot or bare), not those of nested tables."""
    return [tr for tr in table.iter("tr") if _owner(tr) is table]


def _owner(el: Element) -> Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def table_rows(table: Element) -> list[list[str]] | None:
    """The rows of a data table as lists of cell texts; None for a layout table."""
    if any(True for _ in table.iter("table") if _ is not table):
        return None
    rows = _rows(table)
    if not rows:
        return None
    spanning: dict[int, tuple[int, str]] = {}  # column -> (rows still to cover, text)
    grid: list[list[str]] = []
    for tr in rows:
        row: list[str] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            _fill_spans(row, spanning)
            text = _cell_text(cell)
            if len(text) > MAX_CELL:
                return None
            down, across = _span(cell, "rowspan"), _span(cell, "colspan")
            for offset in range(across):
                value = text if offset == 0 else ""
                if down > 1:
                    spanning[len(row)] = (down - 1, value)
                row.append(value)
        _fill_spans(row, spanning)
        for column in sorted(c for c in spanning if c >= len(row)):  # spans past the cells
            while len(row) < column:
                row.append("")
            _fill_spans(row, spanning)
        if any(row):
            grid.append(row)
    # A single row (a byline, a toolbar) or a single column lays lines out: not data.
    if len(grid) < 2 or all(sum(map(bool, row)) < 2 for row in grid):
        return None
    return grid


def _fill_spans(row: list[str], spanning: dict[int, tuple[int, str]]) -> None:
    """Put the cells that earlier rows span into `row`, from its end on."""
    while len(row) in spanning:
        left, text = spanning[len(row)]
        row.append(text)
        if left <= 1:
            del spanning[len(row) - 1]
        else:
            spanning[len(row) - 1] = (left - 1, text)


def render(rows: list[list[str]]) -> list[str]:
    """The lines of a table: cells joined by a tab, trailing empty cells dropped."""
    lines = []
    for row in rows:
        while row and not row[-1]:
            row = row[:-1]
        lines.append(CELL.join(row))
    return lines
