"""Facet counts from memory equal SQL's, and follow the archive's changes."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from archive.facet_counts import FacetCache, counts, load
from archive.store import Archive, Sighting
from crawler.errors import ArchiveError

REGIONS = ["枫林区", "清源县", "江州市", "", None]
SITES = ["a.gov.cn", "b.com", "c.net"]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    rng = random.Random(3)
    with Archive(path) as archive:
        for n in range(200):
            archive.add_document(
                text=f"第{n}号文件，卫生健康工作。",
                fields={
                    "title": f"文件{n}",
                    "region": rng.choice(REGIONS),
                    "year": rng.choice([2022, 2023, 2024, None]),
                },
                sighting=Sighting(
                    url=f"http://t.test/{n}", source=rng.choice(SITES), fetched_at="2024-01-01"
                ),
                run_id=None,
            )
        with archive.conn:  # a second site for some, and two values that are not arrays
            archive.conn.execute(
                'UPDATE documents SET sources = \'["b.com", "a.gov.cn"]\' WHERE id % 7 = 0'
            )
            archive.conn.execute("UPDATE documents SET sources = 'x' WHERE id = 5")
            archive.conn.execute("UPDATE documents SET sources = NULL WHERE id = 6")
    return path


def sql_counts(conn: sqlite3.Connection, column: str, ids: list[int], limit: int) -> list:
    marks = ",".join("?" * len(ids))
    return [
        tuple(r)
        for r in conn.execute(
            f"SELECT {column}, count(*) AS n FROM documents WHERE id IN ({marks})"
            f" AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?",
            (*ids, limit),
        )
    ]


def sql_array_counts(conn: sqlite3.Connection, ids: list[int], limit: int) -> list:
    marks = ",".join("?" * len(ids))
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT j.value, count(DISTINCT d.id) AS n FROM documents d, json_each(d.sources) j"
            f" WHERE d.id IN ({marks}) AND json_valid(d.sources) GROUP BY j.value"
            " ORDER BY n DESC, j.value LIMIT ?",
            (*ids, limit),
        )
    ]


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("limit", [2, 31])
def test_counts_are_sqls(db: Path, share: float, limit: int) -> None:
    conn = sqlite3.connect(db)
    rng = random.Random(int(share * 10) + limit)
    ids = sorted(i for i in range(1, 201) if rng.random() < share)
    held = load(conn, {"region": False, "year": False, "sources": True})
    matches = np.array([*ids, 999], dtype=np.int64)  # 999: newer than what was loaded
    for column in ("region", "year"):
        assert counts(held, column, matches, limit) == sql_counts(conn, column, ids, limit)
    assert counts(held, "sources", matches, limit) == sql_array_counts(conn, ids, limit)


def test_cache_reloads_when_the_archive_changes(db: Path) -> None:
    served = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cache = FacetCache()
    first = cache.get(served, {"region": False})
    assert cache.get(served, {"region": False}) is first  # nothing changed: kept
    other = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert cache.get(other, {"region": False}) is first  # and shared by every connection
    with Archive(db) as archive:
        new = archive.add_document(
            text="新的文件，卫生健康。", fields={"title": "新", "region": "澄溪区"},
            sighting=Sighting(url="http://t.test/new", source="a.gov.cn", fetched_at="2024-02-01"),
            run_id=None,
        ).document_id  # fmt: skip
    second = cache.get(served, {"region": False})
    assert second is not first and new in second.ids
    assert counts(second, "region", np.array([new]), 5) == [("澄溪区", 1)]
    both = cache.get(served, {"year": False})  # a column more: loaded beside the others
    assert set(both.columns) == {"region", "year"}


def test_unknown_column_is_refused(db: Path) -> None:
    with pytest.raises(ArchiveError, match="no column"):
        load(sqlite3.connect(db), {"nonesuch": False})
