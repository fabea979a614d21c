"""Archive schema and its migrations, tracked in SQLite's `user_version`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlite_utils

_DOCUMENT_COLUMNS_V1 = {
    "id": int,
    "title": str,
    "text": str,
    "sha256": str,
    "cluster_id": int,
    "region": str,
    "province": str,
    "agency": str,
    "year": int,
    "period": str,
    "doc_type": str,
    "published": str,
    "script": str,
    "is_template": int,
    "relevant": int,
    "chars": int,
    "first_seen": str,
    "last_seen": str,
}
# v2: quality flags, the division code, and the simplified-script text (for search and
# deduplication); `crawler reprocess` fills spun and division_code in for older rows
_DOCUMENT_COLUMNS_V2 = {
    "truncated": int,
    "garbled": float,
    "spun": int,
    "spun_score": float,
    "division_code": str,
    "text_simplified": str,
}
DOCUMENT_COLUMNS = {**_DOCUMENT_COLUMNS_V1, **_DOCUMENT_COLUMNS_V2}


def _v1(db: sqlite_utils.Database) -> None:
    """Documents, sightings, raw captures, runs, failures and skipped pages."""
    db["crawl_runs"].create(
        {
            "id": int,
            "source": str,
            "started": str,
            "finished": str,
            "status": str,
            "exit_code": int,
            "pages_fetched": int,
            "pages_unchanged": int,
            "documents_new": int,
            "sightings_added": int,
            "pages_skipped": int,
            "failures": int,
            "command": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["captures"].create(
        {
            "sha256": str,
            "size": int,
            "content_type": str,
            "compression": str,
            "body": bytes,
            "first_seen": str,
        },
        pk="sha256",
        if_not_exists=True,
    )
    db["documents"].create(
        _DOCUMENT_COLUMNS_V1, pk="id", not_null={"text", "sha256"}, if_not_exists=True
    )
    db["documents"].create_index(["sha256"], unique=True, if_not_exists=True)
    for column in ("cluster_id", "region", "province", "year", "doc_type", "published"):
        db["documents"].create_index([column], if_not_exists=True)
    db["sightings"].create(
        {
            "id": int,
            "document_id": int,
            "url": str,
            "source": str,
            "fetched_at": str,
            "run_id": int,
            "status": int,
            "content_type": str,
            "encoding": str,
            "encoding_source": str,
            "page_title": str,
            "published": str,
            "capture_sha256": str,
            "etag": str,
            "last_modified": str,
            "referer": str,
        },
        pk="id",
        foreign_keys=[
            ("document_id", "documents", "id"),
            ("run_id", "crawl_runs", "id"),
            ("capture_sha256", "captures", "sha256"),
        ],
        if_not_exists=True,
    )
    for columns in (["document_id"], ["url"], ["source"], ["run_id"]):
        db["sightings"].create_index(columns)
    db["failures"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "url": str,
            "stage": str,
            "reason": str,
            "status": int,
            "capture_sha256": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("capture_sha256", "captures", "sha256")],
        if_not_exists=True,
    )
    db["failures"].create_index(["run_id"], if_not_exists=True)
    db["failures"].create_index(["url"], if_not_exists=True)
    db["skipped"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "url": str,
            "title": str,
            "reason": str,
            "score": float,
            "capture_sha256": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("capture_sha256", "captures", "sha256")],
        if_not_exists=True,
    )
    db["skipped"].create_index(["run_id"], if_not_exists=True)
    db["documents"].enable_fts(["title", "text"], create_triggers=True, tokenize="trigram")


def _v2(db: sqlite_utils.Database) -> None:
    """Documents get `truncated`, `garbled` and `text_simplified`, filled in for old rows."""
    from crawler.text.chinese_script import to_simplified
    from crawler.text.quality_flags import garbled_share, is_truncated

    table = db["documents"]
    for name, kind in _DOCUMENT_COLUMNS_V2.items():
        if name not in table.columns_dict:
            table.add_column(name, kind)
    rows = db.execute("SELECT id, text FROM documents WHERE text_simplified IS NULL").fetchall()
    for doc_id, text in rows:
        db.execute(
            "UPDATE documents SET truncated = ?, garbled = ?, text_simplified = ? WHERE id = ?",
            (int(is_truncated(text)), garbled_share(text), to_simplified(text), doc_id),
        )


def _incremental_crawls(db: sqlite_utils.Database) -> None:
    """Validators per URL (conditional requests), revisions of a URL's text, run logs."""
    db["validators"].create(
        {
            "url": str,
            "source": str,
            "etag": str,
            "last_modified": str,
            "referer": str,
            "link_text": str,
            "fetched_at": str,  # the last 200: when the kept bytes were downloaded
            "checked_at": str,  # the last request, 200 or 304
            "run_id": int,  # the run of the last request
            "status": int,  # its status: 200, or 304 when the page had not changed
        },
        pk="url",
        if_not_exists=True,
    )
    db["validators"].create_index(["source"], if_not_exists=True)
    db["validators"].create_index(["referer"], if_not_exists=True)
    db["validators"].create_index(["run_id"], if_not_exists=True)
    db["revisions"].create(
        {
            "id": int,
            "url": str,
            "source": str,
            "document_id": int,
            "previous_document_id": int,
            "run_id": int,
            "at": str,
        },
        pk="id",
        # no foreign keys to documents: `crawler reprocess` may merge a document away, and a
        # revision row must never stop it (the link then names a document that was folded)
        foreign_keys=[("run_id", "crawl_runs", "id")],
        if_not_exists=True,
    )
    for column in ("url", "document_id", "previous_document_id", "run_id"):
        db["revisions"].create_index([column], if_not_exists=True)
    runs = db["crawl_runs"]
    for name, kind in {"log_path": str, "revisions": int}.items():
        if name not in runs.columns_dict:
            runs.add_column(name, kind)


_SOURCES_OF = (
    "(SELECT json_group_array(source) FROM (SELECT DISTINCT source FROM sightings"
    " WHERE document_id = {doc} AND source IS NOT NULL ORDER BY source))"
)


def _search_and_sources(db: sqlite_utils.Database) -> None:
    """Chinese full-text search (`documents_search`), and each document's source sites.

    `documents.sources` (a JSON array, for a facet) is kept by triggers on `sightings`.
    """
    from archive.search import create_search_index

    create_search_index(db)
    if "sources" not in db["documents"].columns_dict:
        db["documents"].add_column("sources", str)
    new, old = _SOURCES_OF.format(doc="new.document_id"), _SOURCES_OF.format(doc="old.document_id")
    db.executescript(
        f"""
        CREATE TRIGGER IF NOT EXISTS documents_sources_ai AFTER INSERT ON sightings BEGIN
          UPDATE documents SET sources = {new} WHERE id = new.document_id;
        END;
        CREATE TRIGGER IF NOT EXISTS documents_sources_ad AFTER DELETE ON sightings BEGIN
          UPDATE documents SET sources = {old} WHERE id = old.document_id;
        END;
        CREATE TRIGGER IF NOT EXISTS documents_sources_au
        AFTER UPDATE OF document_id, source ON sightings BEGIN
          UPDATE documents SET sources = {old} WHERE id = old.document_id;
          UPDATE documents SET sources = {new} WHERE id = new.document_id;
        END;
        """
    )
    db.execute(f"UPDATE documents SET sources = {_SOURCES_OF.format(doc='documents.id')}")


def _near_duplicates(db: sqlite_utils.Database, official_hosts: Sequence[str]) -> None:
    """Near-duplicate clusters (archive/dedup.py): sketches, LSH band keys, links, canonical.

    No foreign keys: reprocessing deletes documents first and drops their index rows after.
    `documents_near` covers what the clustering reads of a document, so that it never walks
    the overflow pages of its text. Documents already archived are clustered here.
    """
    from archive.dedup import NearDuplicates

    if "canonical" not in db["documents"].columns_dict:
        db["documents"].add_column("canonical", int)
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS sketches (
          document_id INTEGER PRIMARY KEY, sha256 TEXT, params TEXT, ngrams INTEGER,
          sample_bits INTEGER, placeholders INTEGER, numbers BLOB, sample BLOB, keys BLOB,
          signature BLOB);
        CREATE TABLE IF NOT EXISTS lsh_bands (
          key INTEGER NOT NULL, document_id INTEGER NOT NULL,
          PRIMARY KEY (key, document_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS near_duplicates (
          document_id INTEGER NOT NULL, other_id INTEGER NOT NULL, jaccard REAL,
          containment REAL, numbers REAL, PRIMARY KEY (document_id, other_id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS near_duplicates_other_id ON near_duplicates (other_id);
        CREATE INDEX IF NOT EXISTS documents_near ON documents (id, cluster_id, region, year,
          is_template, truncated, chars, spun, garbled, first_seen);
        """
    )
    NearDuplicates(db.conn, official_hosts).rebuild()


_TEXT_COLUMNS = ("text", "text_simplified")


def _text_columns_last(db: sqlite_utils.Database) -> None:
    """Move `text` and `text_simplified` to the end of `documents`.

    SQLite reads a row's columns in order, and a long text spills into overflow pages: with
    the texts last, sorting, faceting and counting by metadata never read them. The table
    is rebuilt once; its indexes come back with it and its triggers are created again.
    """
    table = db["documents"]
    columns = [c.name for c in table.columns]
    order = [c for c in columns if c not in _TEXT_COLUMNS] + list(_TEXT_COLUMNS)
    if columns == order:
        return
    triggers = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'"
        )
    ]
    db.conn.commit()  # transform must not run inside an open transaction
    table.transform(column_order=order)
    for sql in triggers:
        db.execute(sql)


def _search_speed(db: sqlite_utils.Database) -> None:
    """Drop the trigram index `documents_fts`; index the columns that are faceted.

    `documents_search` finds what the trigram index found and more (terms of one and two
    characters, either script), and the trigram index took most of the archive's size and
    was rewritten on every update of a document. With an index on each faceted column a
    facet over a search reads only indexes (archive/search_results.py).
    """
    if db["documents_fts"].exists():
        db["documents"].disable_fts()
    for column in ("period", "script", "sources"):
        db["documents"].create_index([column], if_not_exists=True)


def _faster_search_triggers(db: sqlite_utils.Database) -> None:
    """Re-create the search index's triggers with the faster spacing of `spaced_sql`; it
    gives the same tokens, so the index is kept as it is."""
    from archive.search import SEARCH_TABLE, create_search_index

    for suffix in ("ai", "ad", "au"):
        db.execute(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{suffix}")
    create_search_index(db)


MIGRATIONS: list[Callable[..., None]] = [
    _v1,
    _v2,
    _incremental_crawls,
    _search_and_sources,
    _near_duplicates,
    _text_columns_last,
    _search_speed,
    _faster_search_triggers,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(
    db: sqlite_utils.Database, official_hosts: Sequence[str], until: int = SCHEMA_VERSION
) -> int:
    """Bring the database up to version `until` (default: `SCHEMA_VERSION`); return the
    version it was at.

    `official_hosts` are the bureaus' own sites, whose copies the near-duplicate index
    (built by one step) makes canonical.

    Every step of a migration is idempotent (`if_not_exists`), and `user_version` is only
    raised after the whole step ran, so a migration cut short is completed on the next open.
    """
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        from archive.errors import ArchiveError

        raise ArchiveError(
            f"{db.conn} has schema version {current}, newer than this crawler's "
            f"{SCHEMA_VERSION}: upgrade the crawler"
        )
    for version in range(current, until):
        step = MIGRATIONS[version]
        if step is _near_duplicates:
            _near_duplicates(db, official_hosts)
        else:
            step(db)
        db.conn.commit()
        db.execute(f"PRAGMA user_version = {version + 1}")
    return current
