"""Facet counts over a search's matches, from the faceted columns held in memory.

SQL counts a facet over a search by testing every document against the matches, for
each of a page's seven facets. Here the faceted columns are read once per state of the
archive (`PRAGMA data_version`), as one code per document and column in numpy arrays,
and a facet is a `bincount` of the matches' codes (figures: README, "Browsing in
Datasette"). A JSON-array column (`sources`) gets one code per distinct array, and the
count of each array is spread over its values.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass

import numpy as np

from archive.errors import ArchiveError


@dataclass(frozen=True)
class Column:
    """A column's distinct non-null values, and the code of each document's (-1: null)."""

    values: list
    codes: np.ndarray
    arrays: bool  # values are JSON arrays, counted by their items


@dataclass(frozen=True)
class FacetColumns:
    ids: np.ndarray  # every document id, ascending; codes are aligned with it
    columns: dict[str, Column]


def _ids(conn: sqlite3.Connection, sql: str, *params: object) -> np.ndarray:
    found = conn.execute(sql, params).fetchone()[0]
    return np.array(json.loads(found or "[]"), dtype=np.int64)


def load(conn: sqlite3.Connection, columns: dict[str, bool]) -> FacetColumns:
    """Read `columns` ({name: is a JSON array}) of every document of the archive.

    One grouped pass over each column's index: the ids of each value come as a JSON array.
    """
    known = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    if missing := sorted(set(columns) - known):
        raise ArchiveError(f"documents has no column {', '.join(missing)}")
    ids = _ids(conn, "SELECT json_group_array(id) FROM (SELECT id FROM documents ORDER BY id)")
    loaded = {}
    for name, arrays in columns.items():
        codes = np.full(len(ids), -1, dtype=np.int32)
        values = []
        rows = conn.execute(
            f"SELECT [{name}], json_group_array(id) FROM documents"
            f" WHERE [{name}] IS NOT NULL GROUP BY [{name}]"
        )
        for value, members in rows:
            if arrays and not _is_array(value):
                continue
            codes[np.searchsorted(ids, json.loads(members))] = len(values)
            values.append(value)
        loaded[name] = Column(values, codes, arrays)
    return FacetColumns(ids, loaded)


def _load_snapshot(conn: sqlite3.Connection, columns: dict[str, bool]) -> FacetColumns:
    """`load` in one read transaction: its statements must see one state of the archive.

    Datasette's connections run each statement on its own; a document a crawl archived
    between reading the ids and reading a column had no place in the ids (IndexError).
    """
    if conn.in_transaction:
        return load(conn, columns)
    conn.execute("BEGIN")
    try:
        return load(conn, columns)
    finally:
        conn.execute("COMMIT")


def _is_array(value: object) -> bool:
    try:
        return isinstance(json.loads(value), list) if isinstance(value, str) else False
    except ValueError:
        return False


def _sqlite_order(value: object) -> tuple:
    """SQLite's ORDER BY for mixed values: numbers before text before blobs."""
    if isinstance(value, int | float):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, value)


def counts(facets: FacetColumns, name: str, matches: np.ndarray, limit: int) -> list[tuple]:
    """(value, documents) of column `name` among `matches`, as SQL would order them:
    most documents first, then by value; at most `limit`."""
    column = facets.columns[name]
    at = np.searchsorted(facets.ids, matches)
    at = at[(at < len(facets.ids))]
    at = at[facets.ids[at] == matches[: len(at)]] if len(at) == len(matches) else at
    codes = column.codes[at]
    per_code = np.bincount(codes[codes >= 0], minlength=len(column.values))
    totals: dict = {}
    for code in np.flatnonzero(per_code):
        n = int(per_code[code])
        value = column.values[code]
        for item in dict.fromkeys(json.loads(value)) if column.arrays else (value,):
            if item is not None:
                totals[item] = totals.get(item, 0) + n
    ranked = sorted(totals.items(), key=lambda vc: (-vc[1], _sqlite_order(vc[0])))
    return ranked[:limit]


class FacetCache:
    """The loaded columns of each archive, reloaded when it has changed.

    A change is told by `PRAGMA data_version` on a connection of the cache's own, which
    changes when any other connection commits. One load serves every connection; it reads
    every column asked for so far, and others asking meanwhile wait for it.
    """

    def __init__(self) -> None:
        self._archives: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def get(self, conn: sqlite3.Connection, columns: dict[str, bool]) -> FacetColumns:
        path = next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")
        if not path:  # in memory: nothing to watch
            return load(conn, columns)
        with self._lock:
            held = self._archives.get(path) or self._archives.setdefault(path, _Held(path))
        return held.get(conn, columns)


class _Held:
    def __init__(self, path: str) -> None:
        self.watch = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.lock = threading.Lock()
        self.columns: dict[str, bool] = {}
        self.version: int | None = None
        self.loaded: FacetColumns | None = None

    def get(self, conn: sqlite3.Connection, columns: dict[str, bool]) -> FacetColumns:
        with self.lock:
            version = self.watch.execute("PRAGMA data_version").fetchone()[0]
            if self.loaded is None or version != self.version or columns.keys() - self.columns:
                self.columns |= columns
                self.loaded = _load_snapshot(conn, self.columns)  # read after the version
                self.version = version
            return self.loaded
