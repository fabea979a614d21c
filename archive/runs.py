"""The crawl runs: opened, counted, closed, read back.

A section of `archive.store.Archive`, which holds the connection and the transactions."""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.records import now


class Runs:
    """The crawl runs: opened, counted, closed, read back."""

    conn: sqlite3.Connection
    atomic: Any

    def start_run(self, source: str, command: str | None = None) -> int:
        """Record the start of a crawl of `source`; return the run id."""
        with self.atomic():
            cur = self.conn.execute(
                "INSERT INTO crawl_runs (source, started, status, command) VALUES (?, ?, ?, ?)",
                (source, now(), "running", command),
            )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        exit_code: int | None = None,
        pages_fetched: int | None = None,
        pages_unchanged: int | None = None,
    ) -> dict[str, Any]:
        """Close a run, counting what it added from the tables themselves."""
        counts = self.run_counts(run_id)
        with self.atomic():
            self.conn.execute(
                "UPDATE crawl_runs SET finished = ?, status = ?, exit_code = ?, pages_fetched = ?,"
                " pages_unchanged = ?, documents_new = ?, sightings_added = ?, pages_skipped = ?,"
                " failures = ? WHERE id = ?",
                (
                    now(),
                    status,
                    exit_code,
                    pages_fetched,
                    pages_unchanged,
                    counts["documents_new"],
                    counts["sightings_added"],
                    counts["pages_skipped"],
                    counts["failures"],
                    run_id,
                ),
            )
        return counts

    def run_of_command(self, command: str) -> int | None:
        """The first run started by `command` (a fleet crawl's id), None if none was."""
        row = self.conn.execute(
            "SELECT id FROM crawl_runs WHERE command = ? ORDER BY id LIMIT 1", (command,)
        ).fetchone()
        return int(row[0]) if row else None

    def run_counts(self, run_id: int) -> dict[str, int]:
        """Documents first seen, sightings, skipped pages and failures of one run."""

        def count(sql: str) -> int:
            return int(self.conn.execute(sql, (run_id,)).fetchone()[0])

        return {
            # the run of a document's first sighting: later sightings by runs that started
            # earlier (crawls run side by side) do not move it, so no document counts twice
            "documents_new": count(
                "SELECT count(*) FROM sightings s WHERE s.run_id = ?"
                " AND s.id = (SELECT min(id) FROM sightings WHERE document_id = s.document_id)"
            ),
            "sightings_added": count("SELECT count(*) FROM sightings WHERE run_id = ?"),
            "pages_skipped": count("SELECT count(*) FROM skipped WHERE run_id = ?"),
            "failures": count("SELECT count(*) FROM failures WHERE run_id = ?"),
        }

    def note_progress(self, run_id: int, pages_fetched: int, pages_unchanged: int) -> None:
        """Keep a running crawl's counts current, so a killed run still tells what it did."""
        with self.atomic():
            self.conn.execute(
                "UPDATE crawl_runs SET pages_fetched = ?, pages_unchanged = ?,"
                " revisions = (SELECT count(*) FROM revisions WHERE run_id = ?3) WHERE id = ?3",
                (pages_fetched, pages_unchanged, run_id),
            )

    def set_run_log(self, run_id: int, log_path: str) -> None:
        """Where the log of a scheduled run is kept."""
        with self.atomic():
            self.conn.execute("UPDATE crawl_runs SET log_path = ? WHERE id = ?", (log_path, run_id))

    def incremental_counts(self, run_id: int) -> dict[str, int]:
        """Pages of one run answered 304, and revisions it archived, from the tables."""
        unchanged, revisions = self.conn.execute(
            "SELECT (SELECT count(*) FROM validators WHERE run_id = ?1 AND status = 304),"
            " (SELECT count(*) FROM revisions WHERE run_id = ?1)",
            (run_id,),
        ).fetchone()
        return {"pages_unchanged": int(unchanged), "revisions": int(revisions)}

    def close_run(
        self, run_id: int, status: str, *, exit_code: int | None = None
    ) -> dict[str, Any]:
        """Close a run from outside the crawl (the scheduler): status, exit code, and the counts
        from the tables, so a crawl that was killed is still accounted for."""
        counts = {**self.run_counts(run_id), **self.incremental_counts(run_id)}
        # a crawl killed before it noted its progress: the pages the tables show it fetched
        answered = self.conn.execute(
            "SELECT count(*) FROM failures WHERE run_id = ? AND status IS NOT NULL", (run_id,)
        ).fetchone()[0]
        fetched = (
            counts["sightings_added"] + counts["pages_skipped"] + counts["pages_unchanged"]
            + answered
        )  # fmt: skip
        with self.atomic():
            self.conn.execute(
                "UPDATE crawl_runs SET finished = ?, status = ?, exit_code = ?,"
                " pages_fetched = coalesce(pages_fetched, ?),"
                " pages_unchanged = ?, revisions = ?, documents_new = ?, sightings_added = ?,"
                " pages_skipped = ?, failures = ? WHERE id = ?",
                (now(), status, exit_code, fetched, counts["pages_unchanged"], counts["revisions"],
                 counts["documents_new"], counts["sightings_added"], counts["pages_skipped"],
                 counts["failures"], run_id),
            )  # fmt: skip
        return self.run(run_id) or {}

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One `crawl_runs` row as a dict."""
        cur = self.conn.execute("SELECT * FROM crawl_runs WHERE id = ?", (run_id,))
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def abandon_runs(self, source: str, command_prefix: str) -> int:
        """Mark as failed the runs of `source` left 'running' by a process that is gone."""
        with self.atomic():
            cur = self.conn.execute(
                "UPDATE crawl_runs SET status = 'failed', finished = coalesce(finished, ?)"
                " WHERE source = ? AND status = 'running' AND command LIKE ? || '%'",
                (now(), source, command_prefix),
            )
        return cur.rowcount

    def failures_of(self, run_ids: list[int]) -> list[tuple[str, str]]:
        """(URL, reason) of the failures some runs recorded, in the order recorded."""
        marks = ", ".join("?" for _ in run_ids)
        return self.conn.execute(
            f"SELECT url, reason FROM failures WHERE run_id IN ({marks}) ORDER BY id", run_ids
        ).fetchall()

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest `crawl_runs` row of each source."""
        cur = self.conn.execute(
            "SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs GROUP BY source)"
        )
        names = [d[0] for d in cur.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cur}
