"""The documents a search matches, found once and shared by every query of a page.

A Datasette table page runs the count, the rows and every facet as separate statements.
With the stock `id IN (SELECT rowid FROM <fts> WHERE <fts> MATCH ...)` each statement
evaluates the FTS query again and then looks up every match in `documents`, whose rows
are wide (the text): seconds a page for a common word (README, "Browsing in Datasette").

Here the matching ids are found once per search (and per state of the index), kept as a
JSON array, and handed to SQL by two functions registered on the connection:
`search_matches(query, column)` and `search_misses(query, column)` (the documents it
does not match). `search_clause` then picks the cheapest way to filter `documents`:

- few matches: look them up by id;
- more: scan a narrow index and test each id against the matches (`+id` keeps SQLite
  from looking every match up in the wide table);
- most documents: test against the misses instead, which are fewer.

So the count, and facets counted by SQL, read only indexes (the `_search_speed` migration).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable

from archive.search import SEARCH_TABLE, fts_query

MATCHES = "search_matches"
MISSES = "search_misses"
SEARCHABLE = ("title", "text")  # the columns of `documents_search`
# a lookup by id reads a wide row (about 1 µs a match, measured on 100,000 documents);
# an index scan tests every document (about 0.12 µs each): lookups win below 1 in 8
_LOOKUP_SHARE = 1 / 8
_CACHED = 16  # searches kept; a JSON array of 100,000 ids is about 0.6 MB


class _Cache:
    """A small thread-safe LRU of computed JSON arrays, shared by all connections."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], str]) -> str:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two threads may compute one search twice
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_CACHE = _Cache(_CACHED)


def match_expression(query: str, column: str | None = None) -> str:
    """The FTS5 expression for a search typed by a person, limited to `column` if given."""
    if column is not None and column not in SEARCHABLE:
        raise ValueError(f"cannot search column {column!r}: only {', '.join(SEARCHABLE)}")
    expression = fts_query(query)
    return f"{column} : ({expression})" if column else expression


def _index_version(conn: sqlite3.Connection) -> bytes | None:
    """The FTS5 structure record, which changes whenever the index is written."""
    row = conn.execute(f"SELECT block FROM {SEARCH_TABLE}_data WHERE id = 10").fetchone()
    return row[0] if row else None


def matches(conn: sqlite3.Connection, db_path: str, query: str, column: str | None) -> str:
    """A JSON array of the ids of the documents `query` matches, in ascending order."""
    expression = match_expression(query, column)
    key = (db_path, _index_version(conn), MATCHES, expression)
    return _CACHE.get(
        key,
        lambda: conn.execute(
            f"SELECT coalesce(json_group_array(rowid), '[]') FROM (SELECT rowid FROM"
            f" {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? ORDER BY rowid)",
            (expression,),
        ).fetchone()[0],
    )


def misses(conn: sqlite3.Connection, db_path: str, query: str, column: str | None) -> str:
    """A JSON array of the ids of the documents `query` does not match."""
    found = matches(conn, db_path, query, column)
    key = (db_path, _index_version(conn), MISSES, match_expression(query, column))
    return _CACHE.get(
        key,
        lambda: conn.execute(
            "SELECT coalesce(json_group_array(id), '[]') FROM (SELECT id FROM documents"
            " WHERE +id NOT IN (SELECT value FROM json_each(?)) ORDER BY id)",
            (found,),
        ).fetchone()[0],
    )


def database_path(conn: sqlite3.Connection) -> str:
    """The file of the connection's main database ("" for one in memory)."""
    return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")


def register(conn: sqlite3.Connection) -> None:
    """Register `search_matches(query, column)` and `search_misses(query, column)`."""
    db_path = database_path(conn)
    conn.create_function(MATCHES, 2, lambda q, c: matches(conn, db_path, q or "", c))
    conn.create_function(MISSES, 2, lambda q, c: misses(conn, db_path, q or "", c))


def search_clause(param: str, column: str | None, matched: int, total: int) -> str:
    """The WHERE clause on `documents` for the search in parameter `param`.

    `matched` of `total` documents match; the clause is chosen for speed, and each form
    selects the same rows.
    """
    args = f":{param}, {_sql_literal(column)}"
    if matched <= total * _LOOKUP_SHARE:
        return f"id IN (SELECT value FROM json_each({MATCHES}({args})))"
    if matched * 2 <= total:
        return f"+id IN (SELECT value FROM json_each({MATCHES}({args})))"
    return f"+id NOT IN (SELECT value FROM json_each({MISSES}({args})))"


def _sql_literal(column: str | None) -> str:
    if column is None:
        return "NULL"
    if column not in SEARCHABLE:
        raise ValueError(f"cannot search column {column!r}")
    return f"'{column}'"
