"""Datasette plugin for the archive: Chinese search, read-only connections, document pages.

Registered through the `datasette` entry point in pyproject.toml, so it is active in any
Datasette of this environment; it acts only on databases that hold `documents_search`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl

from archive.search import SEARCH_TABLE, fts_query


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
    # Datasette's table search runs `... match escape_fts(:search)`: on the archive the
    # search is rewritten for `documents_search` (see archive.search.fts_query)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.execute("PRAGMA query_only = 1")


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
    """The document page gets the whole document, its sightings and its near-duplicates."""
    if view_name != "row" or table != "documents" or request is None:
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
