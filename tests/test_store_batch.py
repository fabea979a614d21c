"""The fleet ingester's ways of writing less: `Archive.batch()` (many writes, one commit; a
failing write is rolled back alone, an error leaving the batch rolls back all of it), and
a text index made beforehand (`text_index`), which must store what the writer would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sites.generated import generate

from archive.records import Sighting, text_index
from archive.store import Archive
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


def test_a_text_index_made_beforehand_stores_what_the_writer_makes(tmp_path: Path) -> None:
    """The same pages (reports, their near-duplicate reposts, a traditional-script copy)
    stored with and without `text_index`: the same documents, sketches, near-duplicate
    links and clusters."""
    reports = generate(120)
    texts = ["\n".join(r.paras) for r in reports]
    texts.append(texts[5].replace("卫生健康", "衛生健康"))  # simplified text differs from text
    tables = {
        "documents": "SELECT sha256, text, text_simplified, cluster_id, canonical FROM documents",
        "sketches": "SELECT * FROM sketches",
        "near_duplicates": "SELECT * FROM near_duplicates",
    }
    content = {}
    for made in (False, True):
        with Archive(tmp_path / f"{made}.db") as archive:
            for n, text in enumerate(texts):
                archive.add_page(
                    text=text,
                    fields={"title": f"总结{n}"},
                    sighting=Sighting(url=f"http://a/{n}", source="a", fetched_at="2024-01-01"),
                    run_id=None,
                    index=text_index(text) if made else None,
                )
            content[made] = {
                name: sorted(archive.conn.execute(sql).fetchall()) for name, sql in tables.items()
            }
    assert content[True] == content[False]
    assert content[True]["near_duplicates"]  # the reposts were linked
    assert any(row[1] != row[2] for row in content[True]["documents"])
