"""The crawl's archive writer and page pool, on real SQLite files and real processes.

The writer stores items in batched transactions and tells each item's outcome only once
its batch is committed; a bad item is recorded as a failure without taking its batch
down; a batch the archive refuses is reported for every item in it. The pool prepares
pages in other processes; a process killed under it loses no page, and its processes end
when the process that started them is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.errors import ArchiveUnwritable
from archive.store import Archive
from crawler.archive_writer import ArchiveWriter
from crawler.archiving import Prepared, prepare
from crawler.items import FailureItem, PageItem
from crawler.page_pool import PagePool

REPORT = (
    "<html><head><title>江州市卫生健康委员会{n}年工作总结</title></head><body>"
    "<h1>江州市卫生健康委员会{n}年工作总结</h1>"
    + "<p>{n}年，全市卫生健康系统完成基层医疗卫生机构标准化建设{n}个，"
    "家庭医生签约服务覆盖常住人口312万人，重点人群签约率达到78.3%。</p>" * 6 + "</body></html>"
)


def page(n: int, body: bytes | None = None) -> PageItem:
    return PageItem(
        url=f"http://bureau.test/gzzj/{n}.html",
        source="bureau",
        body=body if body is not None else REPORT.format(n=2000 + n).encode(),
        status=200,
        fetched_at="2026-12-07T00:00:00+00:00",
        content_type="text/html; charset=utf-8",
    )


def rows(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


class Outcomes:
    """Each item's outcome as the writer reports it, and what a reader saw at that moment."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.lock = threading.Lock()
        self.seen: list[tuple[BaseException | None, list[str], int]] = []
        self.all_done = threading.Event()
        self.expected = 0

    def done(self, error: BaseException | None, counted: list[str]) -> None:
        visible = rows(self.db, "sightings") + rows(self.db, "failures")
        with self.lock:
            self.seen.append((error, counted, visible))
            if len(self.seen) == self.expected:
                self.all_done.set()


def test_items_are_stored_in_batches_and_reported_after_their_commit(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    writer = ArchiveWriter(str(db)).start()
    outcomes = Outcomes(db)
    outcomes.expected = 40
    run_id = writer.call(Archive.start_run, "bureau", "test")
    prepared = [prepare(page(n), index=True) for n in range(40)]
    try:
        # the writer is held in a call while 40 items queue up: they make one batch
        threading.Thread(target=writer.call, args=(hold, 1.5)).start()
        time.sleep(0.2)
        for item in prepared:
            writer.store(item, run_id, outcomes.done)
        time.sleep(0.5)
        assert rows(db, "sightings") == 0
        assert outcomes.all_done.wait(30)
    finally:
        writer.close()
    assert [error for error, _, _ in outcomes.seen] == [None] * 40
    assert sorted(c for _, counted, _ in outcomes.seen for c in counted) == ["documents_new"] * 40
    # each outcome was told once its item was committed (visible to another connection),
    # and items were committed together
    assert all(visible >= n for n, (_, _, visible) in enumerate(outcomes.seen, start=1))
    assert len({visible for _, _, visible in outcomes.seen}) <= 10
    assert rows(db, "documents") == 40


def test_a_bad_item_is_recorded_and_its_batch_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    writer = ArchiveWriter(str(db)).start()
    outcomes = Outcomes(db)
    outcomes.expected = 3
    good = [prepare(page(n), index=True) for n in (1, 2)]
    bad = prepare(page(3), index=True)
    assert bad.page is not None
    # a value SQLite cannot store (a bug in a stage, say): the page must not vanish
    object.__setattr__(bad.page.description, "region", {"not": "a string"})
    try:
        for prepared in (good[0], bad, good[1]):
            writer.store(prepared, None, outcomes.done)
        assert outcomes.all_done.wait(30)
    finally:
        writer.close()
    assert [error for error, _, _ in outcomes.seen] == [None, None, None]
    assert [counted for _, counted, _ in outcomes.seen] == [
        ["documents_new"], ["failures"], ["documents_new"]
    ]  # fmt: skip
    with sqlite3.connect(db) as conn:
        stage, url, reason = conn.execute("SELECT stage, url, reason FROM failures").fetchone()
    assert (stage, url) == ("archive", page(3).url) and "Error" in reason
    assert rows(db, "documents") == 2


def test_a_batch_the_archive_refuses_is_reported_for_each_item(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    writer = ArchiveWriter(str(db)).start()
    outcomes = Outcomes(db)
    outcomes.expected = 5
    try:
        writer.call(read_only)
        for n in range(5):
            writer.store(Prepared(FailureItem(f"http://x.test/{n}", "x", "fetch", "404")), None,
                         outcomes.done)  # fmt: skip
        assert outcomes.all_done.wait(30)
    finally:
        writer.close()
    errors = [error for error, _, _ in outcomes.seen]
    # the crawl stops on it with one line (crawler/runner.py)
    assert all(isinstance(e, ArchiveUnwritable) for e in errors), errors
    assert "read-only" in str(errors[0])
    assert rows(db, "failures") == 0


def test_calls_after_the_writer_stopped_are_refused(tmp_path: Path) -> None:
    writer = ArchiveWriter(str(tmp_path / "archive.db")).start()
    writer.close()
    with pytest.raises(ArchiveUnwritable, match="writer process has stopped"):
        writer.call(Archive.start_run, "x", "y")


def test_a_killed_writer_fails_what_waits_and_what_comes(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    writer = ArchiveWriter(str(db)).start()
    outcomes = Outcomes(db)
    outcomes.expected = 2
    held = threading.Thread(target=_refused, args=(writer.call, hold, 30))
    held.start()
    time.sleep(0.2)
    writer.store(Prepared(FailureItem("http://x.test/1", "x", "fetch", "404")), None,
                 outcomes.done)  # fmt: skip
    os.kill(writer._process.pid, signal.SIGKILL)
    time.sleep(0.5)
    writer.store(Prepared(FailureItem("http://x.test/2", "x", "fetch", "404")), None,
                 outcomes.done)  # fmt: skip
    assert outcomes.all_done.wait(10)
    held.join(10)
    writer.close()
    errors = [error for error, _, _ in outcomes.seen]
    assert all(isinstance(e, ArchiveUnwritable) for e in errors), errors
    assert "writer process has stopped" in str(errors[0])


def _refused(call: Callable[..., object], *args: object) -> None:
    with pytest.raises(ArchiveUnwritable):
        call(*args)


def hold(archive: Archive, seconds: float) -> None:
    """Keep the writer busy (a call sent to the writer process by name)."""
    time.sleep(seconds)


def read_only(archive: Archive) -> None:
    archive.conn.execute("PRAGMA query_only = 1")


@pytest.mark.slow  # kills processes under load
def test_a_killed_pool_process_loses_no_page() -> None:
    big = REPORT.format(n=2024).replace("</body>", "<p>附表</p>" * 20000 + "</body>").encode()
    pool = PagePool(2)
    try:
        futures = [pool.submit(page(n, big)) for n in range(8)]
        time.sleep(0.5)  # the first pages are being prepared
        os.kill(next(iter(pool._pool._processes)), signal.SIGKILL)
        prepared = [f.result(timeout=120) for f in futures]
    finally:
        pool.close()
    assert [p.item.url for p in prepared] == [page(n).url for n in range(8)]
    assert all(p.page is not None and p.error is None for p in prepared)


def test_a_page_whose_process_dies_twice_is_a_failure() -> None:
    big = REPORT.format(n=2024).replace("</body>", "<p>附表</p>" * 60000 + "</body>").encode()
    pool = PagePool(1)
    try:
        future = pool.submit(page(1, big))
        while not future.done():  # kill every process that takes it up
            time.sleep(0.3)
            for pid in list(pool._pool._processes):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        prepared = future.result(timeout=60)
    finally:
        pool.close()
    assert prepared.page is None and prepared.error is not None
    assert prepared.error[0] == "process" and "died" in prepared.error[1]


def test_pool_processes_end_with_the_process_that_started_them(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from crawler.page_pool import PagePool
        from crawler.items import PageItem
        pool = PagePool(2)
        item = PageItem("http://x.test/1", "x", b"<p>x</p>", 200, "2026-12-07T00:00:00+00:00")
        pool.submit(item).result(timeout=60)
        print(" ".join(str(pid) for pid in pool._pool._processes), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pids = [int(pid) for pid in proc.stdout.readline().split()]
    assert pids and all(Path(f"/proc/{pid}").exists() for pid in pids)
    proc.kill()
    proc.wait()
    proc.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.slow  # two whole crawls
def test_a_crawl_through_the_pool_archives_what_one_page_at_a_time_does(
    tmp_path: Path,
) -> None:
    """Pages cleaned in parallel arrive in any order: the archive is the same as when the
    writer cleans them one at a time (`CRAWLER_WORKERS=0`), as `tests/reliability.py`
    compares archives."""
    from reliability import content, crawl, differences, problems, write_profiles

    from crawler.sample_site.server import SampleSites

    with SampleSites() as sites:
        profiles = write_profiles(tmp_path / "profiles", sites)
        archives = {}
        for workers in ("0", "2"):
            db = tmp_path / f"workers-{workers}" / "archive.db"
            db.parent.mkdir()
            done = crawl(db, profiles, env={"CRAWLER_WORKERS": workers})
            assert done.returncode == 0, done.stderr[-3000:]
            assert problems(db) == []
            archives[workers] = content(db)
    assert archives["0"]["documents"], "the crawl archived nothing"
    assert differences(archives["2"], archives["0"]) == {}
