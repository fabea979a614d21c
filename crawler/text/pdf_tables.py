"""Table rows of a PDF page: found in its layout text, put in place in its plain text.

pypdf's plain text gives a table row as one line with its cells separated by single
spaces, like the words of a sentence. Its layout mode places text where it is drawn, on
a grid of characters: there a row's cells are separated by runs of spaces, and the gaps
between columns line up from one row to the next. `with_rows` reads such blocks of lines
as table rows (cells tab-separated in their columns, as crawler/text/tables.py writes HTML
tables) and puts them in place of the same text in the plain text, which otherwise stays
as it is: paragraphs are never read from the layout text.

A cell spanning several columns is followed by empty cells. A cell spanning several rows
is drawn once, so the other rows keep an empty cell in its place.

Layout mode also opens gaps inside a line where text in one font follows text in another
(a Chinese sentence and its figures), so a block is taken for a table only when its cells
are separated in the plain text too, and not only where characters change between wide
(Chinese) and narrow (Latin, figures).
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass

from crawler.text.tables import render

_SEGMENT = re.compile(r"\S+(?:[ \u3000]\S+)*")  # text between runs of two or more spaces
_LETTER_GAP = re.compile(r"(?<=\S)[ \u3000](?=\S)")  # a single space inside a segment
_INNER_SPACE = re.compile(r"\S[ \t\u3000]+\S")
MIN_ROWS = 2
SHORT_CELL = 8  # characters: most cells of a table are this short (figures, names)

Block = list[list["Segment"]]  # the segments of consecutive lines


@dataclass(frozen=True)
class Segment:
    """Text between runs of spaces on a layout line, and the character columns it covers."""

    start: int
    end: int
    text: str


def may_hold_rows(plain: str) -> bool:
    """Whether a page's plain text has the lines with spaces inside that rows would give."""
    return sum(1 for line in plain.splitlines() if _INNER_SPACE.search(line)) >= MIN_ROWS


def with_rows(plain: str, layout: str) -> str:
    """`plain` with the lines of each table in `layout` replaced by the table's rows.

    A table's rows replace plain text only where their text is that of whole lines of
    `plain`, in the same order, with a space or a line break wherever a cell ends. When
    its first rows are not (header cells centred across two rows are drawn between them,
    and plain text reads them in another order), the rows after them are tried."""
    lines = plain.splitlines()
    keys = [_key(line) for line in lines]
    out: list[str] = []
    done = 0  # lines of `plain` already in `out`
    for block in table_blocks(layout):
        if placed := _place(block, lines, keys, done):
            first_row, first, last = placed
            out += lines[done:first] + render(block_rows(block)[first_row:])
            done = last + 1
    return "\n".join(out + lines[done:])


def _place(
    block: Block, lines: list[str], keys: list[str], start: int
) -> tuple[int, int, int] | None:
    """(first row, first line, last line): the block's rows from the first row on are
    plain lines first to last (from line `start` on), cells apart; None if none fit."""
    row_keys = ["".join(_key(part.text) for part in parts) for parts in block]
    for first_row in range(len(block) - MIN_ROWS + 1):
        found = _find(keys, "".join(row_keys[first_row:]), start)
        if found and _cells_apart(block[first_row:], "\n".join(lines[found[0] : found[1] + 1])):
            return first_row, *found
    return None


def segments(line: str) -> list[Segment]:
    """The segments of a layout line, left to right."""
    return [Segment(m.start(), m.end(), m.group()) for m in _SEGMENT.finditer(line)]


def table_blocks(layout: str) -> list[Block]:
    """Runs of at least MIN_ROWS consecutive row-like lines whose gaps line up, with mostly
    short cells and some gap between characters of one kind (not only where a Chinese
    sentence meets its figures)."""
    runs: list[Block] = [[]]
    for line in layout.splitlines():
        parts = segments(line)
        if not _is_row(parts):
            runs.append([])
        elif runs[-1] and not _gaps(runs[-1][-1]) & _gaps(parts):
            runs.append([parts])
        else:
            runs[-1].append(parts)
    return [run for run in runs if len(run) >= MIN_ROWS and _mostly_short(run) and _kin(run)]


def block_rows(block: Block) -> list[list[str]]:
    """A block's cells by column. The columns are those of the lines with the most common
    number of segments (the larger, on a tie); each segment goes to the column its start
    lies in, or to the next free one."""
    counts = [len(parts) for parts in block]
    columns = max(counts, key=lambda count: (counts.count(count), count))
    full = [parts for parts in block if len(parts) == columns]
    bounds = []  # where each column after the first begins: midway across the gap before it
    for col in range(1, columns):
        left = max(parts[col - 1].end for parts in full)
        right = min(parts[col].start for parts in full)
        bounds.append((left + right) // 2 if left < right else right)
    rows = []
    for parts in block:
        row: list[str] = []
        for part in parts:
            col = max(bisect.bisect_right(bounds, part.start), len(row))
            row += [""] * (col - len(row)) + [part.text]
        rows.append(row)
    return rows


def _is_row(parts: list[Segment]) -> bool:
    """Two segments or more, and not letter-spaced text (fewer single spaces inside the
    segments than segments)."""
    spaces = sum(len(_LETTER_GAP.findall(part.text)) for part in parts)
    return len(parts) >= 2 and spaces < len(parts)


def _gaps(parts: list[Segment]) -> set[int]:
    """The character columns between a line's segments."""
    return {col for a, b in itertools.pairwise(parts) for col in range(a.end, b.start)}


def _mostly_short(block: Block) -> bool:
    sizes = sorted(len(_key(part.text)) for parts in block for part in parts)
    return sizes[len(sizes) // 2] <= SHORT_CELL


def _kin(block: Block) -> bool:
    """Whether some gap has characters of one kind (wide or narrow) on both sides."""
    return any(
        _wide(a.text[-1]) == _wide(b.text[0])
        for parts in block
        for a, b in itertools.pairwise(parts)
    )


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _key(text: str) -> str:
    """Text without its whitespace, to compare layout and plain text."""
    return "".join(text.split())


def _find(keys: list[str], key: str, start: int) -> tuple[int, int] | None:
    """The first and last of the lines from `start` on whose text, spaces aside, is `key`."""
    for first in range(start, len(keys)):
        if not keys[first] or not key.startswith(keys[first]):
            continue
        text = ""
        for last in range(first, len(keys)):
            text += keys[last]
            if text == key:
                return first, last
            if not key.startswith(text):
                break
    return None


def _cells_apart(block: Block, plain: str) -> bool:
    """Whether `plain` has a space or a line break wherever a cell of the block ends."""
    ends, size = set(), 0
    for parts in block:
        for part in parts:
            size += len(_key(part.text))
            ends.add(size)
    ends.discard(size)
    breaks, size = set(), 0
    for char in plain:
        if char.isspace():
            breaks.add(size)
        else:
            size += 1
    return ends <= breaks
