"""Search matches found once per search: the three filter forms, the cache, the migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from archive import search_results
from archive.schema import MIGRATIONS, migrate
from archive.search import SEARCH_TABLE, fts_query, spaced_sql
from archive.search_results import match_expression, search_clause
from archive.store import Archive, Sighting

# 40 documents: 卫生 in every one, 医保 in every second, 疾控 in every fifth, 鼹鼠 in one
WORDS = {"卫生": 1, "医保": 2, "疾控": 5, "鼹鼠": 40}


def add(archive: Archive, n: int, title: str, text: str) -> int:
    return archive.add_document(
        text=text,
        fields={"title": title, "relevant": 1},
        sighting=Sighting(url=f"http://t.test/{n}", source="t", fetched_at="2024-01-01"),
        run_id=None,
    ).document_id


@pytest.fixture()
def archive(tmp_path: Path) -> Archive:
    archive = Archive(tmp_path / "a.db")
    for n in range(40):
        words = [w for w, every in WORDS.items() if n % every == 0]
        title = f"第{n}号文件" + ("衛生" if n == 3 else "")
        add(archive, n, title, "，".join(words) + f"，{n}号。")
    search_results.register(archive.conn)
    yield archive
    archive.close()


def truth(conn: sqlite3.Connection, query: str, column: str | None) -> set[int]:
    sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
    return {r[0] for r in conn.execute(sql, (match_expression(query, column),))}


@pytest.mark.parametrize("query", [*WORDS, "衛生", "醫保", "卫生 疾控", "无此词", ""])
@pytest.mark.parametrize("column", [None, "title", "text"])
def test_every_form_selects_the_matches(archive: Archive, query: str, column: str | None) -> None:
    want = truth(archive.conn, query, column)
    total = 40
    forms = {search_clause("q", column, matched, total) for matched in (0, 10, 30)}
    assert len(forms) == 3  # lookup by id, +id IN the matches, +id NOT IN the misses
    for clause in forms:
        got = archive.conn.execute(f"SELECT id FROM documents WHERE {clause}", {"q": query})
        assert {r[0] for r in got} == want, clause


def test_clause_follows_the_share_matched() -> None:
    assert search_clause("q", None, 5, 100).startswith("id IN")
    assert search_clause("q", None, 50, 100).startswith("+id IN")
    assert search_clause("q", "title", 51, 100).startswith("+id NOT IN")
    assert "'title'" in search_clause("q", "title", 51, 100)
    with pytest.raises(ValueError):
        search_clause("q", "sha256", 1, 100)
    with pytest.raises(ValueError):
        match_expression("卫生", "title) OR (text")


def test_column_search(archive: Archive) -> None:
    assert truth(archive.conn, "卫生", "title") == {4}  # document 3, id 4, has 衛生 in its title
    assert len(truth(archive.conn, "卫生", "text")) == 40
    assert match_expression("卫生", "title") == f"title : ({fts_query('卫生')})"


def test_matches_follow_writes(archive: Archive) -> None:
    before = archive.conn.execute("SELECT search_matches('鼹鼠', NULL)").fetchone()[0]
    assert before == "[1]"
    new = add(archive, 99, "鼹鼠", "鼹鼠调查")
    after = archive.conn.execute("SELECT search_matches('鼹鼠', NULL)").fetchone()[0]
    assert after == f"[1,{new}]"
    misses = archive.conn.execute("SELECT search_misses('鼹鼠', NULL)").fetchone()[0]
    assert json.loads(misses) == sorted(set(range(1, new + 1)) - {1, new})
    with archive.conn:
        archive.conn.execute("DELETE FROM sightings WHERE document_id = ?", (new,))
        archive.conn.execute("DELETE FROM documents WHERE id = ?", (new,))
    assert archive.conn.execute("SELECT search_matches('鼹鼠', NULL)").fetchone()[0] == "[1]"


def test_an_archive_with_the_trigram_index_loses_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    before = [m.__name__ for m in MIGRATIONS].index("_search_speed")
    migrate(db, ["gov.cn"], until=before)
    assert db["documents_fts"].exists()
    db.close()
    with Archive(path) as archive:
        add(archive, 1, "甲", "卫生健康")
        assert not archive.db["documents_fts"].exists()
        indexes = {i.name for i in archive.db["documents"].indexes}
        assert {"idx_documents_period", "idx_documents_script", "idx_documents_sources"} <= indexes
        assert truth(archive.conn, "卫生", None) == {1}
    assert migrate(sqlite_utils.Database(path), ["gov.cn"]) == len(MIGRATIONS)


# the spacing of schema version 7 (a row per character): what an older archive's triggers do
OLD_SPACING = """(WITH RECURSIVE
  chunk(n, j, part) AS (
    SELECT length({e}), 0, substr({e}, 1, 64)
    UNION ALL SELECT n, j + 1, substr({e}, (j + 1) * 64 + 1, 64) FROM chunk WHERE (j + 1) * 64 < n
  ),
  ch(j, i, part) AS (
    SELECT j, 1, part FROM chunk UNION ALL SELECT j, i + 1, part FROM ch WHERE i < length(part)
  )
  SELECT coalesce(group_concat(
    CASE WHEN unicode(c) >= 11904 THEN ' ' || c || ' ' ELSE c END, ''), '')
  FROM (SELECT substr(part, i, 1) AS c FROM ch ORDER BY j, i))"""


def test_older_search_triggers_are_replaced_and_the_index_kept(tmp_path: Path) -> None:
    """An archive whose triggers space a character per row gets the faster ones; the
    tokens are the same, so documents indexed before are found, updated and deleted."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    before = [m.__name__ for m in MIGRATIONS].index("_faster_search_triggers")
    migrate(db, ["gov.cn"], until=before)
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
        (f"{SEARCH_TABLE}%",),
    ).fetchall():
        db.execute(f"DROP TRIGGER {name}")
        rebuilt = sql
        for row in ("new", "old"):
            for column in (f"{row}.title", f"coalesce({row}.text_simplified, {row}.text)"):
                rebuilt = rebuilt.replace(spaced_sql(column), OLD_SPACING.format(e=column))
        assert rebuilt != sql
        db.execute(rebuilt)
    db.execute(f"PRAGMA user_version = {before}")
    db.conn.commit()
    db.close()
    with sqlite3.connect(path) as conn:  # documents indexed by the old triggers
        conn.execute(
            "INSERT INTO documents (id, title, sha256, text) VALUES"
            " (1, '2024年卫生健康工作总结', 'a', ?), (2, '旧', 'b', ?)",
            ("卫" * 70 + "COVID-19 疫苗接种" * 9, "医保" * 50),
        )
    conn.close()
    with Archive(path) as archive:
        triggers = " ".join(
            sql
            for (sql,) in archive.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (f"{SEARCH_TABLE}%",),
            )
        )
        assert "ORDER BY j, i" not in triggers and "ORDER BY k" in triggers
        add(archive, 3, "新", "卫生，医保")
        assert truth(archive.conn, "卫生", None) == {1, 3}
        assert truth(archive.conn, "疫苗接种", None) == {1}
        with archive.conn:
            archive.conn.execute("UPDATE documents SET text = '疾控' WHERE id = 1")
            archive.conn.execute("DELETE FROM documents WHERE id = 2")
        assert truth(archive.conn, "疫苗", None) == set()
        assert truth(archive.conn, "医保", None) == {3}
        assert truth(archive.conn, "疾控", None) == {1}
        # a contentless index told the wrong tokens on delete would fail this check
        archive.conn.execute(
            f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rank) VALUES ('integrity-check', 0)"
        )
