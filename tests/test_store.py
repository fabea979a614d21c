"""The archive: schema, exact deduplication, sightings, raw captures, runs and failures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.fingerprint import text_sha256
from archive.schema import SCHEMA_VERSION
from archive.store import Archive, Sighting
from crawler.errors import ArchiveError
from crawler.text.normalize import for_hashing

TEXT = "一、工作开展情况\n全年完成家庭医生签约12.3万人。\n二、下一步工作计划"


def sighting(url: str, source: str = "site-a") -> Sighting:
    return Sighting(url=url, source=source, fetched_at="2024-01-01T00:00:00+00:00", status=200)


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    with Archive(tmp_path / "a.db") as a:
        yield a


def test_schema_and_wal(archive: Archive) -> None:
    tables = set(archive.db.table_names())
    assert {"documents", "sightings", "crawl_runs", "failures", "captures", "skipped"} <= tables
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = set(archive.db["documents"].columns_dict)
    for c in (
        "id",
        "title",
        "text",
        "sha256",
        "cluster_id",
        "region",
        "agency",
        "year",
        "period",
        "doc_type",
        "published",
        "script",
        "is_template",
        "relevant",
        "first_seen",
        "last_seen",
    ):
        assert c in columns
    assert archive.db["documents_search"].exists()  # the Chinese search (archive/search.py)
    assert not archive.db["documents_fts"].exists()  # the trigram index is dropped


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Archive(path) as a:
        a.add_document(
            text=TEXT, fields={"title": "t"}, sighting=sighting("http://a/1"), run_id=None
        )
    with Archive(path) as a:
        assert a.stats()["documents"] == 1


def test_exact_duplicates_fold_into_sightings(archive: Archive) -> None:
    run = archive.start_run("site-a")
    first = archive.add_document(
        text=TEXT,
        fields={"title": "总结"},
        sighting=sighting("http://a/1"),
        run_id=run,
        body=b"<html>1</html>",
    )
    spaced = TEXT.replace("\n", "\n\n  ").replace("12.3", "１２.３")  # whitespace, full-width
    second = archive.add_document(
        text=spaced,
        fields={"title": "总结"},
        sighting=sighting("http://b/2", "site-b"),
        run_id=run,
        body=b"<html>2</html>",
    )
    other = archive.add_document(
        text=TEXT + "三、", fields={}, sighting=sighting("http://c/3"), run_id=run
    )
    assert first.new and not second.new and other.new
    assert first.document_id == second.document_id != other.document_id
    urls = [
        r[0]
        for r in archive.conn.execute(
            "SELECT url FROM sightings WHERE document_id = ? ORDER BY id", (first.document_id,)
        )
    ]
    assert urls == ["http://a/1", "http://b/2"]
    counts = archive.finish_run(run, "finished", pages_fetched=3)
    assert counts == {"documents_new": 2, "sightings_added": 3, "pages_skipped": 0, "failures": 0}
    row = archive.db["crawl_runs"].get(run)
    assert row["status"] == "finished" and row["documents_new"] == 2 and row["finished"]


def test_capture_roundtrip_and_dedup(archive: Archive) -> None:
    body = "<html>卫生健康局</html>".encode("gb18030")
    a = archive.add_document(
        text=TEXT, fields={}, sighting=sighting("http://a/1"), run_id=None, body=body
    )
    archive.add_document(
        text=TEXT, fields={}, sighting=sighting("http://a/1"), run_id=None, body=body
    )
    sha = archive.db["sightings"].get(a.sighting_id)["capture_sha256"]
    assert archive.read_capture(sha) == body
    assert archive.stats()["captures"] == 1


def test_failures_and_skipped_counted_per_run(archive: Archive) -> None:
    run = archive.start_run("s")
    archive.add_failure(
        run_id=run, source="s", url="http://a/404", stage="fetch", reason="HTTP 404", status=404
    )
    archive.add_skipped(
        run_id=run, source="s", url="http://a/news", title="新闻", reason="news", body=b"x"
    )
    counts = archive.finish_run(run, "finished")
    assert counts["failures"] == 1 and counts["pages_skipped"] == 1


def test_unknown_field_rejected(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="unknown document fields"):
        archive.add_document(text=TEXT, fields={"colour": 1}, sighting=sighting("u"), run_id=None)
    assert archive.stats()["documents"] == 0


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="cannot open archive"):
        Archive(path)


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(ArchiveError, match="newer than this crawler"):
        Archive(path)


def test_fingerprint_ignores_whitespace_and_width() -> None:
    assert for_hashing("一、 工作\u3000总结\n") == "一、工作总结"
    assert text_sha256("ＡＢ 1") == text_sha256("AB1")
    assert text_sha256("工作总结") != text_sha256("工作计划")


def test_texts_are_the_last_columns_and_triggers_survive(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        columns = [c.name for c in archive.db["documents"].columns]
        assert columns[-2:] == ["text", "text_simplified"]
        triggers = {
            name
            for (name,) in archive.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'"
            )
        }
        assert {"documents_search_ai", "documents_search_ad", "documents_search_au"} <= triggers
        assert "documents_ai" not in triggers  # the trigram index's, dropped with it
        archive.add_document(
            text="衛生健康工作總結，全年工作取得明显成效。", fields={},
            sighting=Sighting(url="http://t.test/1", source="t", fetched_at="2024-01-01"),
            run_id=None,
        )  # fmt: skip
        found = archive.conn.execute(
            "SELECT count(*) FROM documents_search WHERE documents_search MATCH '\"卫 生\"'"
        ).fetchone()[0]
        assert found == 1
