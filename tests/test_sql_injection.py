"""Hostile text in documents, searches and filters is data, never SQL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive import search_results
from archive.export import Filters, Options, export
from archive.store import Archive, Sighting

HOSTILE = [
    "卫生'); DROP TABLE documents; --",
    '" OR 1=1 --',
    "卫生 NEAR(a b) OR * ^ :",
    "x' UNION SELECT sha256 FROM documents --",
]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        for n, title in enumerate(HOSTILE):
            archive.add_document(
                text=f"{title}\n第{n}份卫生健康工作总结。",
                fields={"title": title, "region": title, "relevant": 1},
                sighting=Sighting(f"http://t.test/{n}?q={title}", title, "2024-01-01"),
                run_id=None,
            )
    return path


def test_hostile_searches_are_text(db: Path) -> None:
    conn = sqlite3.connect(db)
    search_results.register(conn)
    for n, query in enumerate(HOSTILE):
        found = json.loads(conn.execute("SELECT search_matches(?, NULL)", (query,)).fetchone()[0])
        assert n + 1 in found, query  # each finds its own document, as words
        clause = search_results.search_clause("q", "title", len(found), 4)
        rows = conn.execute(f"SELECT id FROM documents WHERE {clause}", {"q": query}).fetchall()
        assert (n + 1,) in rows
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == len(HOSTILE)


def test_hostile_export_filters_are_values(db: Path, tmp_path: Path) -> None:
    for n, value in enumerate(HOSTILE):
        out = tmp_path / f"out{n}.jsonl"
        options = Options("jsonl", out, Filters(regions=(value,), sources=(value,)))
        assert export(db, options).records == 1
        (record,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert record["region"] == value
    none = Options("jsonl", tmp_path / "none.jsonl", Filters(regions=("' OR '1'='1",)))
    assert export(db, none).records == 0
