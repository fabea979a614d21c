"""SIGINT and SIGTERM, as a person at a terminal or a service manager sends them: real
processes, real signals, real sites on 127.0.0.1.

Each is acknowledged at once ("stopping…"), the work in flight is finished or rolled back,
the run is closed as `interrupted` with its counts, and the exit status is 130 (SIGINT) or
143 (SIGTERM) within 10 s; a second signal stops at once, still closing the run.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability import problems, query
from sites.generated import GeneratedSite
from test_export import big_archive

from crawler.sample_site.server import SampleSites

STOP_WITHIN = 10.0  # seconds from the signal to the exit: the promise of the README
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Command:
    """A `crawler` command in its own process, its stderr read as it comes."""

    def __init__(self, *args: str, cwd: Path | None = None, env: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", *args], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.err: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.proc.poll() is None, f"ended early: {self.stderr[-2000:]}"
            assert time.monotonic() < deadline, f"timed out: {self.stderr[-2000:]}"
            time.sleep(0.02)

    def stop(self, signum: int, *, within: float = STOP_WITHIN) -> tuple[int, str, float]:
        """Send `signum`; the exit status, stdout and the seconds it took to exit."""
        sent = time.monotonic()
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=within + 5)
        took = time.monotonic() - sent
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self.reader.join(5)
        return code, out, took

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def commands() -> Iterator[list[Command]]:
    started: list[Command] = []
    yield started
    for command in started:
        command.close()


def runs(db: Path) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    try:
        return query(db, "SELECT status, pages_fetched, finished FROM crawl_runs ORDER BY id")
    except sqlite3.OperationalError:  # not yet made
        return []


def fetched(db: Path) -> int:
    return max((r[1] or 0 for r in runs(db)), default=0)


def assert_clean_stop(command: Command, code: int, took: float, signum: int) -> None:
    assert code == CODES[signum], command.stderr[-3000:]
    assert took < STOP_WITHIN
    assert "Traceback" not in command.stderr and "Unhandled error" not in command.stderr
    assert f"{signal.Signals(signum).name}: stopping" in command.stderr


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites() as served:
        yield served


@pytest.fixture(scope="module")
def slow_sites() -> Iterator[SampleSites]:
    """Sites that take 30 s to answer anything: a crawl stopping waits for nothing."""
    with SampleSites(delay=30) as served:
        yield served


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_signal_during_a_crawl(
    tmp_path: Path, sites: SampleSites, commands: list[Command], signum: int
) -> None:
    """A polite crawl (1 s between requests: 20 more seconds of work) stops within the
    grace period, its pages archived whole and its run closed with its counts."""
    db = tmp_path / "a.db"
    crawl = Command("crawl", sites.url("bureau"), "--private-network", "--delay", "1",
                    "--db", str(db))  # fmt: skip
    commands.append(crawl)
    crawl.wait_for(lambda: fetched(db) >= 3)
    code, out, took = crawl.stop(signum)
    assert_clean_stop(crawl, code, took, signum)
    assert out.startswith("interrupted: fetched ")
    [(status, pages, finished)] = runs(db)
    assert status == "interrupted" and pages >= 3 and finished
    assert problems(db) == []
    # the next crawl completes the archive
    again = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", sites.url("bureau"), "--private-network",
         "--delay", "0", "--db", str(db), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert [r[0] for r in runs(db)] == ["interrupted", "finished"]


def test_a_second_signal_stops_at_once(
    tmp_path: Path, slow_sites: SampleSites, commands: list[Command]
) -> None:
    """Pages that take 30 s: the first Ctrl-C would wait the grace period for them, the
    second stops at once, and the run is still closed."""
    db = tmp_path / "a.db"
    crawl = Command("crawl", slow_sites.url("bureau"), "--private-network", "--db", str(db))
    commands.append(crawl)
    crawl.wait_for(lambda: runs(db))
    time.sleep(0.5)  # robots.txt on its way
    crawl.proc.send_signal(signal.SIGINT)
    crawl.wait_for(lambda: "stopping…" in crawl.stderr, timeout=5)
    code, _, took = crawl.stop(signal.SIGINT, within=3)
    assert_clean_stop(crawl, code, took, signal.SIGINT)
    assert took < 3 and "stopping at once" in crawl.stderr
    [(status, pages, finished)] = runs(db)
    assert status == "interrupted" and pages == 0 and finished


def test_one_signal_and_pages_that_never_come(
    tmp_path: Path, slow_sites: SampleSites, commands: list[Command]
) -> None:
    """The grace period ends the wait for pages in flight, within the 10 s."""
    db = tmp_path / "a.db"
    crawl = Command("crawl", slow_sites.url("bureau"), "--private-network", "--db", str(db))
    commands.append(crawl)
    crawl.wait_for(lambda: runs(db))
    time.sleep(0.5)
    code, _, took = crawl.stop(signal.SIGTERM)
    assert_clean_stop(crawl, code, took, signal.SIGTERM)
    assert [r[0] for r in runs(db)] == ["interrupted"]


def test_signal_as_the_crawl_starts(
    tmp_path: Path, sites: SampleSites, commands: list[Command]
) -> None:
    """Ctrl-C the moment the run is opened, before the reactor runs."""
    db = tmp_path / "a.db"
    crawl = Command("crawl", sites.url("bureau"), "--private-network", "--delay", "1",
                    "--db", str(db))  # fmt: skip
    commands.append(crawl)
    crawl.wait_for(lambda: runs(db), timeout=30)
    code, _, took = crawl.stop(signal.SIGINT)
    assert_clean_stop(crawl, code, took, signal.SIGINT)
    assert [r[0] for r in runs(db)] == ["interrupted"]


def test_demo_interrupted(tmp_path: Path, commands: list[Command]) -> None:
    db = tmp_path / "demo.db"
    demo = Command("demo", "--db", str(db), "--site-delay", "0.5")
    commands.append(demo)
    demo.wait_for(lambda: fetched(db) >= 1)
    code, out, took = demo.stop(signal.SIGINT)
    assert_clean_stop(demo, code, took, signal.SIGINT)
    assert "crawled 5 sample sites" not in out
    statuses = {r[0] for r in runs(db)}
    assert statuses <= {"interrupted", "finished"} and "interrupted" in statuses


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_demo_keep_serving_stops(tmp_path: Path, commands: list[Command], signum: int) -> None:
    demo = Command("demo", "--db", str(tmp_path / "demo.db"), "--keep-serving")
    commands.append(demo)
    demo.wait_for(lambda: "still up" in demo.stderr)
    url = next(line.split()[-1] for line in demo.err if line.strip().startswith("bureau"))
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # served
    code, _, took = demo.stop(signum)
    assert code == 0 and took < STOP_WITHIN, demo.stderr
    assert "sample sites stopped" in demo.stderr
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of a 200-page generated site, with its raw captures."""
    db = tmp_path_factory.mktemp("crawled") / "archive.db"
    with GeneratedSite(200) as site:
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", f"{site.url}/gzzj/index.html",
             "--private-network", "--delay",
             "0", "--db", str(db), "--no-progress"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert query(db, "SELECT count(*) FROM sightings")[0][0] >= 200
    return db


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_reprocess_interrupted(
    tmp_path: Path, crawled: Path, commands: list[Command], signum: int
) -> None:
    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    before = query(db, "SELECT sha256, title FROM documents ORDER BY id")
    command = Command("reprocess", "--db", str(db))
    commands.append(command)
    command.wait_for(lambda: re.search(r"documents: 1\d\d/", command.stderr))
    code, _, took = command.stop(signum)
    assert_clean_stop(command, code, took, signum)
    assert problems(db) == []
    # rolled back, and the next run completes: the same documents as before
    again = subprocess.run([sys.executable, "-m", "crawler", "reprocess", "--db", str(db)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert query(db, "SELECT sha256, title FROM documents ORDER BY id") == before


@pytest.fixture(scope="module")
def many_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("many") / "many.db"
    big_archive(db, 5_000)
    return db


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_dedup_interrupted(
    tmp_path: Path, many_documents: Path, commands: list[Command], signum: int
) -> None:
    db = tmp_path / "many.db"
    shutil.copy(many_documents, db)
    command = Command("dedup", "--rebuild", "--db", str(db))
    commands.append(command)
    command.wait_for(lambda: "clustering documents: 500/" in command.stderr)
    code, _, took = command.stop(signum)
    assert_clean_stop(command, code, took, signum)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    again = subprocess.run([sys.executable, "-m", "crawler", "dedup", "--db", str(db)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert query(db, "SELECT count(*) FROM sketches") == [(5_001,)]
