"""`Archive.batch()`: many writes, one commit; a failing write is rolled back alone, an
error leaving the batch rolls back all of it (the fleet ingester's transactions)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.store import Archive, Sighting
from crawler.errors import ArchiveError

TEXT = "一、工作开展情况\n全年完成家庭医生签约{n}万人。\n二、下一步工作计划"


def add(archive: Archive, n: int) -> None:
    archive.add_document(
        text=TEXT.format(n=n),
        fields={"title": f"总结{n}"},
        sighting=Sighting(url=f"http://a/{n}", source="a", fetched_at="2024-01-01", status=200),
        run_id=None,
        body=f"<html>{n}</html>".encode(),
    )


def committed(path: Path) -> list[str]:
    """Sighting URLs another connection sees (what was committed)."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT url FROM sightings ORDER BY url")]
    finally:
        conn.close()


def test_a_batch_commits_once_and_a_failing_write_is_rolled_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        # the second page's sighting fails after its document row was written
        archive.conn.execute(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON sightings WHEN new.url = 'http://a/2'"
            " BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
        with archive.batch():
            add(archive, 1)
            assert committed(path) == []  # nothing visible before the batch commits
            with pytest.raises(sqlite3.IntegrityError, match="boom"):
                add(archive, 2)
            add(archive, 3)
        assert committed(path) == ["http://a/1", "http://a/3"]
        docs = archive.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert docs == 2
        searched = archive.conn.execute(
            "SELECT count(*) FROM documents_search WHERE documents_search MATCH '签 约'"
        ).fetchone()[0]
        assert searched == 2  # the search index was written with the documents


def test_an_error_leaving_the_batch_rolls_it_all_back(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        add(archive, 1)
        with pytest.raises(RuntimeError), archive.batch():
            add(archive, 2)
            raise RuntimeError("the writer stops mid-batch")
        assert committed(path) == ["http://a/1"]
        add(archive, 3)  # and the archive goes on in its usual transactions
        assert committed(path) == ["http://a/1", "http://a/3"]
        with pytest.raises(ArchiveError, match="do not nest"), archive.batch(), archive.batch():
            pass
