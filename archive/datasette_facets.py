"""Facets of the `documents` table that stay fast on a large archive.

- `ColumnsFacet` (`{columns: name}` in metadata) is Datasette's column facet, with two
  changes: over a page whose only filter is the Chinese search, the counts come from the
  faceted columns held in memory (archive/facet_counts.py) rather than one SQL statement
  a facet; otherwise its facets run side by side (Datasette runs one class's facets one
  after another).
- `SitesFacet` (`{sites: sources}`) counts documents per item of a JSON array column.
  Datasette's array facet deduplicates `(item, every column of the row)`, the text
  included; this one counts each distinct array once and spreads
  the count over its items.
"""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archive import facet_counts, search_results
from archive.datasette_fence import (
    ColumnFacet,
    Facet,
    QueryInterrupted,
    escape_sqlite,
    expand_foreign_keys,
    path_with_added_args,
    path_with_removed_args,
)

SEARCH_SCOPE = "healthdocs.search"  # where the search filter leaves a PageSearch
_FACET_COLUMNS = facet_counts.FacetCache()


@dataclass(frozen=True)
class PageSearch:
    """The (query, column) searches of a table page."""

    searches: tuple[tuple[str, str | None], ...]
    # the matching ids, found once for the page's facets (`matched`)
    _found: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)

    def matched(self, conn: Any) -> np.ndarray:
        """The ids of the documents every search matches (sorted), found once per page."""
        if not self._found:
            path = search_results.database_path(conn)
            found = None
            for query, column in self.searches:
                ids = json.loads(search_results.matches(conn, path, query, column))
                ids = np.array(ids, dtype=np.int64)
                found = ids if found is None else np.intersect1d(found, ids, assume_unique=True)
            self._found.append(found)
        return self._found[0]


# arguments of a table page that do not change which rows it counts
_NOT_FILTERS = frozenset(
    ("_search", "_facet", "_facet_size", "_size", "_sort", "_sort_desc", "_col", "_nocol",
     "_labels", "_nolabels", "_shape", "_json", "_extra", "_nocount", "_nofacet", "_trace")
)  # fmt: skip


def only_searched(args: Any) -> bool:
    """Whether a table page's arguments filter by the search alone: no column filter, no
    `_where`, `_next` or argument of another plugin (then SQL counts the facets)."""
    return all(key in _NOT_FILTERS or key.startswith(("_search_", "_facet_")) for key in args)


def configured_columns(table_metadata: dict) -> dict[str, bool]:
    """{column: is a JSON array} of the table's `columns` and `sites` facets in metadata."""
    found = {}
    for facet in table_metadata.get("facets") or []:
        if isinstance(facet, dict) and facet.keys() & {ColumnsFacet.type, SitesFacet.type}:
            kind, column = next(iter(facet.items()))
            found[column] = kind == SitesFacet.type
    return found


async def load_facet_columns(datasette: Any, database: str, columns: dict[str, bool]) -> None:
    """Read the faceted columns now (at start), so that the first search does not wait."""
    db = datasette.get_database(database)
    await db.execute_fn(lambda conn: _FACET_COLUMNS.get(conn, columns))


async def _counts_in_memory(facet: Facet, columns: dict[str, bool]) -> dict | None:
    """{column: [(value, count), ...]} over the page's search, or None when the page has
    other filters (then SQL counts it)."""
    search = facet.request.scope.get(SEARCH_SCOPE)
    if search is None or facet.table != "documents" or not only_searched(facet.request.args):
        return None
    limit = facet.get_facet_size() + 1

    def count(conn: Any) -> dict:
        found = search.matched(conn)
        held = _FACET_COLUMNS.get(conn, columns)
        return {name: facet_counts.counts(held, name, found, limit) for name in columns}

    return await facet.ds.get_database(facet.database).execute_fn(count)


def _column(config: dict) -> str:
    return config["config"].get("column") or config["config"]["simple"]


class ColumnsFacet(ColumnFacet):
    """Datasette's column facet: from memory over a search, else side by side in SQL."""

    type = "columns"
    _only: dict | None = None

    def get_configs(self) -> list:
        return [self._only] if self._only is not None else super().get_configs()

    async def suggest(self) -> list:
        return []

    async def facet_results(self) -> tuple[list, list]:
        configs = self.get_configs()
        counted = await _counts_in_memory(self, {_column(c): False for c in configs})
        if counted is not None:
            results = [await self._result(c, counted[_column(c)]) for c in configs]
            return results, []
        if len(configs) < 2:
            return await super().facet_results()
        parts = []
        for config in configs:
            part = copy.copy(self)
            part._only = config
            parts.append(part.facet_results())
        done = await asyncio.gather(*parts)
        return [r for results, _ in done for r in results], [t for _, out in done for t in out]

    async def _result(self, config: dict, rows: list[tuple]) -> dict:
        """One facet's result, as Datasette's column facet shapes it."""
        column, size = _column(config), self.get_facet_size()
        pairs = self.get_querystring_pairs()
        shown = rows[:size]
        expanded = await expand_foreign_keys(
            self.ds, self.request, self.database, self.table, column, [v for v, _ in shown]
        )
        column_qs = f"{column}__exact" if column.startswith("_") else column
        values = []
        for value, n in shown:
            selected = (column_qs, str(value)) in pairs
            change = path_with_removed_args if selected else path_with_added_args
            path = change(self.request, {column_qs: str(value) if selected else value})
            values.append({
                "value": value, "label": expanded.get((column, value), value), "count": n,
                "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                "selected": selected,
            })  # fmt: skip
        return {
            "name": column, "type": self.type, "hideable": config["source"] != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {f"_facet_{self.type}": column})
            ),
            "results": values, "truncated": len(rows) > size,
        }  # fmt: skip


class SitesFacet(Facet):
    """Documents per item of a JSON array column (`{sites: sources}`)."""

    type = "sites"

    async def suggest(self) -> list:
        return []

    async def _counted_in_sql(self, column: str) -> list[tuple]:
        col = escape_sqlite(column)
        sql = (
            f"WITH arrays AS (SELECT {col} AS array, count(*) AS n FROM ({self.sql})"
            f" GROUP BY {col} HAVING json_valid({col})),"
            " items AS (SELECT DISTINCT arrays.array, j.value, arrays.n"
            " FROM arrays, json_each(arrays.array) j)"
            " SELECT value, sum(n) AS count FROM items GROUP BY value"
            f" ORDER BY count DESC, value LIMIT {self.get_facet_size() + 1}"
        )
        rows = await self.ds.execute(
            self.database, sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )  # fmt: skip
        return [(row["value"], row["count"]) for row in rows.rows]

    async def facet_results(self) -> tuple[list, list]:
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        configs = self.get_configs()
        counted = await _counts_in_memory(self, {_column(c): True for c in configs}) or {}
        for config in configs:
            column = _column(config)
            try:
                rows = counted[column] if column in counted else await self._counted_in_sql(column)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for value, n in rows[:size]:
                value = str(value)
                selected = (f"{column}__arraycontains", value) in pairs
                change = path_with_removed_args if selected else path_with_added_args
                path = change(self.request, {f"{column}__arraycontains": value})
                values.append({
                    "value": value, "label": value, "count": n, "selected": selected,
                    "toggle_url": self.ds.absolute_url(self.request, path),
                })  # fmt: skip
            results.append({
                "name": column, "type": self.type, "results": values,
                "hideable": config["source"] != "metadata", "truncated": len(rows) > size,
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                ),
            })  # fmt: skip
        return results, timed_out
