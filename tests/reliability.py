"""Shared parts of the reliability tests: crawls of the sample sites as real subprocesses,
the archive's invariants, and its content normalised so that two archives can be compared.

An archive is consistent when (`problems` lists what is not):

- SQLite finds nothing wrong (`PRAGMA integrity_check`, `PRAGMA foreign_key_check`), nor
  FTS5 in the search index (`integrity-check`), which holds exactly the documents;
- no document is half-written: every document has a sighting, every sighting a document;
- every raw capture a sighting, failure or skipped row names exists and reads back whole
  (`Archive.read_capture` checks its hash);
- the near-duplicate index covers every document (a sketch of its current text), names no
  document that is gone, and every cluster has exactly one canonical document, the one
  whose id is the cluster id;
- each document's `sources` lists the sources of its sightings.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from archive.records import DOCUMENT_FIELDS
from archive.store import Archive
from crawler.demo import DEMO_PROFILES
from crawler.errors import ArchiveError
from crawler.sample_site.server import SampleSites

ROOT = Path(__file__).resolve().parents[1]


# crawls ---------------------------------------------------------------------------------
def write_profiles(folder: Path, sites: SampleSites) -> Path:
    """The demo profiles of every sample site, pointed at the served sites."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DEMO_PROFILES.glob("*.toml"):
        base = sites.urls[path.stem].rstrip("/")
        (folder / path.name).write_text(path.read_text("utf-8").replace("{base}", base), "utf-8")
    return folder


def crawl_command(db: Path) -> list[str]:
    """`crawler crawl` of every profile into `db`, with no delay between requests."""
    return [sys.executable, "-m", "crawler", "crawl", "--db", str(db), "--no-progress",
            "--delay", "0"]  # fmt: skip


def crawl_env(profiles: Path) -> dict[str, str]:
    return {**os.environ, "CRAWLER_PROFILES": str(profiles)}


def crawl(
    db: Path, profiles: Path, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run one whole crawl; the completed process (exit code, stdout, stderr)."""
    return subprocess.run(
        crawl_command(db),
        cwd=db.parent,
        env={**crawl_env(profiles), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


# invariants -----------------------------------------------------------------------------
def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


def _file_problems(conn: sqlite3.Connection) -> list[str]:
    found = []
    integrity = [r[0] for r in _rows(conn, "PRAGMA integrity_check")]
    if integrity != ["ok"]:
        found.append(f"integrity_check: {integrity[:5]}")
    if keys := _rows(conn, "PRAGMA foreign_key_check"):
        found.append(f"foreign_key_check: {keys[:5]}")
    return found


def _search_problems(conn: sqlite3.Connection) -> list[str]:
    found = []
    try:
        conn.execute("INSERT INTO documents_search(documents_search) VALUES('integrity-check')")
    except sqlite3.DatabaseError as exc:
        found.append(f"documents_search integrity-check: {exc}")
    indexed = _rows(
        conn,
        "SELECT (SELECT count(*) FROM documents_search_docsize),"
        " (SELECT count(*) FROM documents d JOIN documents_search_docsize i ON i.id = d.id),"
        " (SELECT count(*) FROM documents)",
    )[0]
    if len(set(indexed)) != 1:
        found.append(f"documents_search rows, of them documents, documents: {indexed}")
    return found


def _document_problems(conn: sqlite3.Connection) -> list[str]:
    found = []
    checks = {
        "documents without a sighting": "SELECT id FROM documents WHERE id NOT IN"
        " (SELECT document_id FROM sightings)",
        "sightings without a document": "SELECT id FROM sightings WHERE document_id NOT IN"
        " (SELECT id FROM documents)",
        "documents whose sources are not their sightings'": "SELECT id FROM documents d"
        " WHERE coalesce(sources, '[]') != (SELECT json_group_array(source) FROM (SELECT"
        " DISTINCT source FROM sightings WHERE document_id = d.id AND source IS NOT NULL"
        " ORDER BY source))",
    }
    for what, sql in checks.items():
        if rows := _rows(conn, sql):
            found.append(f"{what}: {[r[0] for r in rows[:10]]}")
    return found


def _capture_problems(conn: sqlite3.Connection, archive: Archive) -> list[str]:
    named = _rows(
        conn,
        "SELECT capture_sha256 FROM sightings UNION SELECT capture_sha256 FROM failures"
        " UNION SELECT capture_sha256 FROM skipped",
    )
    found = []
    for (sha,) in named:
        if sha is None:
            continue
        try:
            archive.read_capture(sha)
        except ArchiveError as exc:
            found.append(f"capture: {exc}")
    return found


def _near_duplicate_problems(conn: sqlite3.Connection) -> list[str]:
    found = []
    checks = {
        "documents without a current sketch": "SELECT d.id FROM documents d LEFT JOIN"
        " sketches s ON s.document_id = d.id WHERE s.sha256 IS NOT d.sha256",
        "sketches of no document": "SELECT document_id FROM sketches WHERE document_id NOT IN"
        " (SELECT id FROM documents)",
        "band keys of no sketch": "SELECT DISTINCT document_id FROM lsh_bands WHERE"
        " document_id NOT IN (SELECT document_id FROM sketches)",
        "links to no document": "SELECT document_id FROM near_duplicates WHERE document_id"
        " NOT IN (SELECT id FROM documents) OR other_id NOT IN (SELECT id FROM documents)",
        "clusters whose id is not their canonical document": "SELECT cluster_id FROM documents"
        " GROUP BY cluster_id HAVING sum(canonical = 1) != 1"
        " OR sum(canonical = 1 AND id = cluster_id) != 1",
    }
    for what, sql in checks.items():
        if rows := _rows(conn, sql):
            found.append(f"{what}: {[r[0] for r in rows[:10]]}")
    return found


def problems(db: Path) -> list[str]:
    """What is inconsistent in the archive at `db` (nothing: an empty list).

    SQLite's own checks run on the file as it was left; the others after `Archive` opened
    it, as the next command would (which completes a migration that was cut short).
    """
    conn = sqlite3.connect(db)
    try:
        found = _file_problems(conn)
    finally:
        conn.close()
    with Archive(db) as archive:
        conn = archive.conn
        return [
            *found,
            *_search_problems(conn),
            *_document_problems(conn),
            *_capture_problems(conn, archive),
            *_near_duplicate_problems(conn),
        ]


# content --------------------------------------------------------------------------------
# what legitimately differs between an archive crawled in pieces and one crawled at once:
# row ids, timestamps, which run a row belongs to, the crawl_runs rows themselves (one per
# attempt; a killed `crawler crawl` leaves its run 'running'), how many times a failed or
# skipped page was recorded (once per run that downloaded it), the validators' last status
# (304 after a re-run), which copy of a cluster is canonical when two copies tie on all
# but first_seen, and a document's described fields (title, published, region, …): they
# are those of the copy archived first, which depends on the order pages arrive in even
# between two uninterrupted crawls (each copy's own title and date are on its sighting)
_UNCOMPARED = {
    "id", "document_id", "run_id", "cluster_id", "canonical", "first_seen", "last_seen",
    "fetched_at", "checked_at", "at",
}  # fmt: skip


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    return [n for n in names if n not in _UNCOMPARED]


def _table(conn: sqlite3.Connection, table: str, exclude: tuple[str, ...] = ()) -> list[tuple]:
    columns = [c for c in _columns(conn, table) if c not in exclude]
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    return sorted(map(tuple, conn.execute(sql)), key=repr)


def content(db: Path) -> dict[str, Any]:
    """The archive's content without ids, timestamps and per-run bookkeeping."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        sha_of = dict(conn.execute("SELECT id, sha256 FROM documents"))
        sightings = [
            (sha_of.get(doc), *rest)
            for doc, *rest in conn.execute(
                f"SELECT document_id, {', '.join(_columns(conn, 'sightings'))} FROM sightings"
            )
        ]
        clusters: dict[int, set[str]] = {}
        for doc_id, cluster_id in conn.execute("SELECT id, cluster_id FROM documents"):
            clusters.setdefault(cluster_id, set()).add(sha_of[doc_id])
        return {
            "documents": _table(conn, "documents", exclude=DOCUMENT_FIELDS),
            "sightings": sorted(Counter(map(tuple, sightings)).items(), key=repr),
            "clusters": sorted(sorted(c) for c in clusters.values()),
            "captures": _table(conn, "captures", exclude=("body",)),
            # sets: a page is recorded again by each run that meets it again
            "skipped": sorted(set(_table(conn, "skipped")), key=repr),
            "failures": sorted(set(_table(conn, "failures")), key=repr),
            "validators": _table(conn, "validators", exclude=("status",)),
            "revisions": _table(conn, "revisions"),
        }
    finally:
        conn.close()


def differences(got: dict[str, Any], want: dict[str, Any]) -> dict[str, str]:
    """Per part of `content`, a short account of how `got` differs from `want`."""
    found = {}
    for part in want:
        if got[part] != want[part]:
            mine, theirs = set(map(repr, got[part])), set(map(repr, want[part]))
            found[part] = json.dumps(
                {"extra": sorted(mine - theirs)[:3], "missing": sorted(theirs - mine)[:3]},
                ensure_ascii=False,
            )[:2000]
    return found


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query on an archive file (opened and closed here)."""
    conn = sqlite3.connect(db)
    try:
        return _rows(conn, sql)
    finally:
        conn.close()
