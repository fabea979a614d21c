"""Archive schema and its migrations, tracked in SQLite's `user_version`."""

from __future__ import annotations

from collections.abc import Callable

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
    from crawler.flags import garbled_share, is_truncated
    from crawler.script import to_simplified

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


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the database up to `SCHEMA_VERSION`; return the version it was at.

    Every step of a migration is idempotent (`if_not_exists`), and `user_version` is only
    raised after the whole step ran, so a migration cut short is completed on the next open.
    """
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        from crawler.errors import ArchiveError

        raise ArchiveError(
            f"{db.conn} has schema version {current}, newer than this crawler's "
            f"{SCHEMA_VERSION}: upgrade the crawler"
        )
    for version in range(current, SCHEMA_VERSION):
        MIGRATIONS[version](db)
        db.conn.commit()
        db.execute(f"PRAGMA user_version = {version + 1}")
    return current
