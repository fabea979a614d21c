"""Concurrent use of one archive: a crawl writes while `crawler serve` (the real Datasette)
answers searches and `crawler export` runs again and again, for the whole crawl.

Nothing may fail with "database is locked", and nothing may read a half-written state:
every export parses completely and matches the archive, every search answers valid JSON
whose count is the number of rows it returns. To be sure the readers overlap the writer,
the sample server holds the crawl at a few requests until one more export and one more
round of searches have finished.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from reliability import crawl_command, crawl_env, problems, write_profiles

from archive.store import Archive
from crawler.sample_site.server import SampleSites

TERMS = ["卫生", "工作总结", "疾", "醫療", "2024", "鼹鼠"]
HOLD_AT = (8, 16, 24, 32, 40)  # requests at which the crawl waits for the readers
LOCKED = "database is locked"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Readers:
    """What the searches and exports running beside the crawl saw."""

    db: Path
    base: str
    out: Path
    stop: threading.Event = field(default_factory=threading.Event)
    searches: list[tuple[str, int, int]] = field(default_factory=list)  # term, count, rows
    search_errors: list[str] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    export_errors: list[str] = field(default_factory=list)
    progress: threading.Condition = field(default_factory=threading.Condition)

    def search_round(self) -> None:
        for term in TERMS:
            query = urllib.parse.urlencode({"_search": term, "_size": "max", "_shape": "objects"})
            try:
                with urllib.request.urlopen(f"{self.base}/documents.json?{query}", timeout=60) as r:
                    data = json.loads(r.read().decode("utf-8"))
                self.searches.append((term, data["filtered_table_rows_count"], len(data["rows"])))
            except Exception as exc:
                self.search_errors.append(f"{term}: {type(exc).__name__}: {exc}")

    def export_once(self) -> None:
        out = self.out / f"export-{len(self.exports) + len(self.export_errors)}.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "export", "--format", "jsonl", "--out", str(out),
             "--db", str(self.db), "--dedup", "none", "--include-irrelevant",
             "--include-templates", "--no-progress"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0 or done.stderr.strip():
            self.export_errors.append(f"exit {done.returncode}: {done.stderr[-1000:]}")
        else:
            self.exports.append(out)

    def loop(self, step: str) -> None:
        while not self.stop.is_set():
            getattr(self, step)()
            with self.progress:
                self.progress.notify_all()

    def done(self) -> tuple[int, int]:
        return len(self.exports) + len(self.export_errors), len(self.searches)

    def wait_for_more(self, exports: int) -> None:
        """Block until `exports` exports and one more search round have finished."""
        searches = self.done()[1]
        with self.progress:
            self.progress.wait_for(
                lambda: (
                    self.stop.is_set()
                    or (self.done()[0] >= exports and self.done()[1] >= searches + len(TERMS))
                ),
                timeout=120,
            )


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    with SampleSites() as served:
        yield served


@pytest.fixture
def served_db(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """An empty archive served by `crawler serve`: (db, base URL, Datasette's stderr)."""
    db = tmp_path / "archive.db"
    Archive(db).close()
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}/{db.stem}"
    try:
        ready = threading.Event()
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/documents.json?_size=0", timeout=10).close()
                ready.set()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                ready.wait(0.2)
        assert ready.is_set(), log.read_text()[-2000:]
        yield db, base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_crawl_serve_and_export_at_once(
    sites: SampleSites, served_db: tuple[Path, str, Path], tmp_path: Path
) -> None:
    db, base, serve_log = served_db
    profiles = write_profiles(tmp_path / "profiles", sites)
    (tmp_path / "exports").mkdir()
    readers = Readers(db, base, tmp_path / "exports")
    served = 0
    lock = threading.Lock()

    def hold(site: str, path: str) -> None:
        nonlocal served
        with lock:
            served += 1
            now = served
        if now in HOLD_AT:  # the n-th hold lasts until n exports have finished
            readers.wait_for_more(HOLD_AT.index(now) + 1)

    threads = [
        threading.Thread(target=readers.loop, args=(s,)) for s in ("search_round", "export_once")
    ]
    for t in threads:
        t.start()
    sites.hooks.append(hold)
    crawl_log = tmp_path / "crawl.log"
    try:
        with open(crawl_log, "wb") as err:
            status = subprocess.run(
                crawl_command(db), cwd=tmp_path, env=crawl_env(profiles), stdout=err,
                stderr=subprocess.STDOUT, timeout=600,
            ).returncode  # fmt: skip
    finally:
        sites.hooks.remove(hold)
        readers.stop.set()
        with readers.progress:
            readers.progress.notify_all()
        for t in threads:
            t.join(timeout=300)

    crawl_output = crawl_log.read_text("utf-8")
    assert status == 0, crawl_output[-3000:]
    assert LOCKED not in crawl_output and "Traceback" not in crawl_output, crawl_output[-3000:]
    serve_output = serve_log.read_text("utf-8")
    assert LOCKED not in serve_output and "Traceback" not in serve_output, serve_output[-3000:]
    assert readers.search_errors == [] and readers.export_errors == []
    # Datasette counts and lists a search in two statements, each its own snapshot: while
    # a crawl writes, the count may be one document off the rows (RELIABILITY.md); once
    # the writes are over they agree
    readers.searches.clear()
    readers.search_round()
    assert readers.search_errors == []
    assert [s for s in readers.searches if s[1] != s[2]] == []
    assert problems(db) == []
    check_exports(db, readers.exports)


def check_exports(db: Path, exports: list[Path]) -> None:
    """Each export parses whole, matches its manifest, and every record is the archive's."""
    conn = sqlite3.connect(db)
    rows = {i: (t, x, s) for i, t, x, s in conn.execute("SELECT id, title, text, sha256 FROM"
                                                        " documents")}  # fmt: skip
    conn.close()
    for out in exports:
        records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text("utf-8"))
        assert manifest["records"] == len(records), out
        ids = {r["id"] for r in records}
        assert len(ids) == manifest["archive"]["documents"], out  # every document, once or more
        for record in records:
            assert (record["title"], record["text"], record["sha256"]) == rows[record["id"]]
    assert len(exports) >= len(HOLD_AT)
