"""Archiving an item is one transaction: a write refused half way leaves nothing of it.

A trigger on the real archive file refuses the validators' write (the last step); the
page's other rows written in the same call must be rolled back with it, or the next run
would record the page a second time (a skipped page) or keep answering 304 for a page
that failed (a failure).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.store import Archive
from crawler.archiving import Archiver, Prepared, fetch_of, prepare
from crawler.items import PageItem

NEWS = (
    "<html><head><title>区卫生健康局召开党风廉政建设工作会议</title></head><body>"
    "<h1>区卫生健康局召开党风廉政建设工作会议</h1>"
    "<p>3月5日上午，区卫生健康局召开会议，传达学习上级会议精神。</p></body></html>"
).encode()


def page_item(url: str = "http://bureau.test/news/1.html") -> PageItem:
    return PageItem(
        url=url,
        source="bureau",
        body=NEWS,
        status=200,
        fetched_at="2026-11-23T00:00:00+00:00",
        content_type="text/html; charset=utf-8",
        etag='"v1"',
        last_modified="Mon, 23 Nov 2026 00:00:00 GMT",
        link_text="会议",
    )


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "archive.db") as a:
        yield a


def count(archive: Archive, table: str) -> int:
    return archive.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def refuse(archive: Archive, event: str) -> None:
    """A trigger (in the archive file) that aborts any `event` on the validators table."""
    archive.conn.execute(
        f"CREATE TRIGGER refuse_validators BEFORE {event} ON validators"
        " BEGIN SELECT RAISE(ABORT, 'validators refused'); END"
    )


def allow(archive: Archive) -> None:
    archive.conn.execute("DROP TRIGGER refuse_validators")


def test_a_skipped_page_and_its_validators_are_one_transaction(archive: Archive) -> None:
    prepared = prepare(page_item())
    assert prepared.page is not None and not prepared.page.relevance.relevant
    run = archive.start_run("bureau")
    refuse(archive, "INSERT")
    with pytest.raises(sqlite3.IntegrityError, match="validators refused"):
        Archiver(archive).store(prepared, run)
    assert (count(archive, "skipped"), count(archive, "captures")) == (0, 0)
    assert count(archive, "validators") == 0

    allow(archive)
    Archiver(archive).store(prepared, run)
    assert (count(archive, "skipped"), count(archive, "captures")) == (1, 1)
    assert archive.validators(prepared.item.url) == ('"v1"', "Mon, 23 Nov 2026 00:00:00 GMT")


def test_a_failed_page_and_forgetting_its_validators_are_one_transaction(
    archive: Archive,
) -> None:
    item = page_item()
    archive.remember_validators(fetch_of(item), None)  # an earlier run fetched it whole
    failed = Prepared(item, error=("extract", "no text"))
    refuse(archive, "DELETE")
    with pytest.raises(sqlite3.IntegrityError, match="validators refused"):
        Archiver(archive).store(failed, None)
    assert (count(archive, "failures"), count(archive, "captures")) == (0, 0)
    assert archive.validators(item.url) is not None

    allow(archive)
    Archiver(archive).store(failed, None)
    assert (count(archive, "failures"), count(archive, "captures")) == (1, 1)
    assert archive.validators(item.url) is None  # the next run downloads it whole
