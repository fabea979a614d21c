"""Datasette plugin for the archive: Chinese search, read-only connections, document pages.

Registered through the `datasette` entry point in pyproject.toml, so it is active in any
Datasette of this environment; it acts only on databases that hold `documents_search`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import yaml

from archive import search_results
from archive.datasette_facets import (
    SEARCH_SCOPE,
    ColumnsFacet,
    PageSearch,
    SitesFacet,
    configured_columns,
    load_facet_columns,
)
from archive.datasette_fence import BadRequest, FilterArguments, check, hookimpl
from archive.search import SEARCH_TABLE, fts_query
from archive.serve import METADATA

# the archive's tables as the project's metadata describes them (archive/metadata.yml)
_TABLES: dict[str, dict] = yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["archive"][
    "tables"
]


def labels(table: str) -> dict[str, str]:
    """{column: its Chinese label} of an archive table: its description up to " — "."""
    columns = _TABLES.get(table, {}).get("columns") or {}
    return {name: str(text).split(" — ")[0].strip() for name, text in columns.items()}


# shows the labels as column headings and facet names, in place of the column names
_RELABEL = """(() => {
  const labels = %s;
  const relabel = (element, name) => {
    for (const node of element.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && node.textContent.includes(name)) {
        node.textContent = node.textContent.replace(name, labels[name]);
        return;
      }
    }
  };
  for (const th of document.querySelectorAll("table.rows-and-columns th[data-column]")) {
    const name = th.dataset.column;
    if (name in labels) relabel(th.querySelector("a") || th, name);
  }
  for (const facet of document.querySelectorAll(".facet-info[data-column]")) {
    const strong = facet.querySelector(".facet-info-name strong");
    if (strong && facet.dataset.column in labels) strong.textContent = labels[facet.dataset.column];
  }
})();"""


@hookimpl
def extra_body_script(view_name: str, database: str, table: str | None, datasette: Any) -> Any:
    """On an archive table's page, its columns' Chinese labels as headings and facet names."""
    names = labels(table) if view_name == "table" and table else {}
    if not names:
        return None

    async def inner() -> str:
        if not await datasette.get_database(database).table_exists(SEARCH_TABLE):
            return ""
        return _RELABEL % json.dumps(names, ensure_ascii=False).replace("</", "<\\/")

    return inner


def _is_archive(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SEARCH_TABLE,)
    ).fetchone()
    return row is not None


@hookimpl(trylast=True)  # after Datasette's own `escape_fts`, which this one replaces
def prepare_connection(conn: sqlite3.Connection) -> None:
    """On an archive: search terms become character phrases, and nothing can be written."""
    if not _is_archive(conn):
        return
    # `... match escape_fts(:search)`, as Datasette's own search and SQL users write it,
    # rewrites the search for `documents_search` (see archive.search.fts_query)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    search_results.register(conn)  # search_matches(), search_misses() for the table search
    conn.execute("PRAGMA query_only = 1")


def _searches(request: Any) -> list[tuple[str, str | None, str]]:
    """(parameter, column, query) of each `_search` / `_search_<column>` argument."""
    found = []
    for key in request.args:
        if key == "_search":
            found.append(("search", None, request.args[key]))
        elif key.startswith("_search_"):
            column = key.removeprefix("_search_")
            if column not in search_results.SEARCHABLE:
                raise BadRequest(f"Cannot search by that column: {column}")
            found.append((f"search_{column}", column, request.args[key]))
    return found


@hookimpl(trylast=True)  # last, so that its `supports_search` is the one kept
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """`?_search=` on `documents`: Chinese search, each match found once per page.

    Datasette's own search is used instead when `_fts_table` is given.
    """
    if table != "documents" or "_fts_table" in request.args:
        return None

    async def inner() -> FilterArguments | None:
        db = datasette.get_database(database)
        if not await db.table_exists(SEARCH_TABLE):
            return None
        where, params, described, searched = [], {}, [], []
        context: dict[str, Any] = {"supports_search": True}
        for param, column, query in _searches(request):
            context["search"] = query
            if not query.strip():
                continue
            counted = await db.execute(
                f"SELECT json_array_length({search_results.MATCHES}(?, ?)),"
                " (SELECT count(*) FROM documents)",
                (query, column),
            )
            matched, total = counted.first()
            where.append(search_results.search_clause(param, column, matched, total))
            params[param] = query
            searched.append((query, column))
            described.append(f'search {"" if column is None else column + " "}matches "{query}"')
        if where:  # for the facets, which count the matches without SQL when they can
            request.scope[SEARCH_SCOPE] = PageSearch(tuple(searched))
        return FilterArguments(where, params, described, context)

    return inner


@hookimpl
def register_facet_classes() -> list:
    return [ColumnsFacet, SitesFacet]


@hookimpl
def startup(datasette: Any) -> Any:
    """Check Datasette's names (archive/datasette_fence.py); load each archive's faceted
    columns before the first search needs them."""
    check(type(datasette))

    async def inner() -> None:
        for name, db in datasette.databases.items():
            if name.startswith("_") or not await db.table_exists(SEARCH_TABLE):
                continue
            columns = configured_columns(_TABLES.get("documents", {}))
            if columns:
                await load_facet_columns(datasette, name, columns)

    return inner


_SIGHTINGS = (
    "SELECT s.url, s.source, s.fetched_at, s.page_title, s.encoding, s.status,"
    " r.id AS run_id, r.started AS run_started"
    " FROM sightings s LEFT JOIN crawl_runs r ON r.id = s.run_id"
    " WHERE s.document_id = ? ORDER BY s.fetched_at, s.id"
)
_CLUSTER = (
    "SELECT id, title, region, year, published FROM documents"
    " WHERE cluster_id = (SELECT cluster_id FROM documents WHERE id = ?) AND id != ?"
    " ORDER BY id LIMIT 50"
)


@hookimpl
def extra_template_vars(
    view_name: str, database: str, table: str | None, request: Any, datasette: Any
) -> Any:
    """The document page gets the whole document, its sightings and its near-duplicates;
    the documents page its search box (which Datasette 1.0a41 leaves out or empty)."""
    if table != "documents" or request is None:
        return None
    if view_name == "table":
        searched = [request.args[key] for key in request.args if key.startswith("_search")]

        async def search_box() -> dict[str, Any]:
            if not await datasette.get_database(database).table_exists(SEARCH_TABLE):
                return {}
            return {"supports_search": True, "search": searched[-1] if searched else ""}

        return search_box
    if view_name != "row":
        return None

    async def inner() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        if not pks.isdigit():
            return {}
        db = datasette.get_database(database)
        doc = (await db.execute("SELECT * FROM documents WHERE id = ?", (int(pks),))).first()
        if doc is None:
            return {}
        sightings = await db.execute(_SIGHTINGS, (int(pks),))
        cluster = await db.execute(_CLUSTER, (int(pks), int(pks)))
        return {
            "document": dict(doc),
            "document_sightings": [dict(r) for r in sightings.rows],
            "document_cluster": [dict(r) for r in cluster.rows],
        }

    return inner
