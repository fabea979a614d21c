"""The bet this project places on python-docx's private names, here alone, checked at import.

A row's own `w:tc` elements (`_Row._tr.tc_lst`, each with `grid_span` and `vMerge`) and
`docx.table._Cell`: python-docx's public `row.cells` gives a cell once per grid column it
spans and raises on a vertical merge with no cell above it (a damaged table), so the grid
of a Word table is read from the row's own cells. Importing this module checks them and
raises IncompatibleVersion, one line, when a python-docx release moved one.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from importlib.metadata import version

import docx
import docx.table
from docx.oxml.table import CT_Row, CT_Tc

from crawler.text.errors import fence_failure

__all__ = ["TESTED", "check", "row_cells"]

TESTED = "python-docx 1.2"


def missing() -> list[str]:
    """The private names this project uses that the installed python-docx lacks."""
    gone = []
    if not hasattr(docx.table, "_Cell"):
        gone.append("docx.table._Cell")
    row = getattr(docx.table, "_Row", None)
    if row is None or "self._tr" not in inspect.getsource(row.__init__):
        gone.append("docx.table._Row._tr")
    if not hasattr(CT_Row, "tc_lst"):
        gone.append("CT_Row.tc_lst")
    for name in ("grid_span", "vMerge"):
        if not hasattr(CT_Tc, name):
            gone.append(f"CT_Tc.{name}")
    return gone


def check() -> None:
    """Raise IncompatibleVersion when the installed python-docx moved a name used here."""
    if gone := missing():
        raise fence_failure("python-docx", version("python-docx"), gone, TESTED)


check()


def row_cells(row: object, max_span: int) -> Iterator[tuple[object, int, bool]]:
    """(cell, grid columns it spans, whether it continues a vertical merge) per cell of a row."""
    for tc in row._tr.tc_lst:  # type: ignore[attr-defined]
        span = max(1, min(tc.grid_span, max_span))
        yield docx.table._Cell(tc, row.table), span, tc.vMerge == "continue"  # type: ignore[attr-defined]
