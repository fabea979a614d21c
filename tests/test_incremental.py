"""Scheduled, incremental crawls of the sample bureau site: real scheduler and crawl
processes, real HTTP on 127.0.0.1, the server's access log counting what was downloaded."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.demo import DEMO_PROFILES
from crawler.sample_site.server import SampleSites
from crawler.supervise import Supervisor

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "sample-bureau"
EDITED = "/gzzj/202407/t20240712_1388.html"
TEMPLATE = "/gzzj/202401/t20240115_1234.html"
PUBLISHED = "/gzzj/202408/t20240801_1400.html"
ADDED_LINE = "下半年将新建社区卫生服务站8个，补齐基层医疗服务短板。"


def is_article(path: str) -> bool:
    return "/t20" in path or path.endswith(".docx")


def write_profile(folder: Path, sites: SampleSites, schedule: str) -> None:
    text = (DEMO_PROFILES / "bureau.toml").read_text("utf-8")
    text = text.replace("{base}", sites.urls["bureau"].rstrip("/"))
    text = text.replace('schedule = "6h"', f'schedule = "{schedule}"')
    folder.mkdir(exist_ok=True)
    (folder / "bureau.toml").write_text(text, "utf-8")


def wait_for(condition: Callable[[], object], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def runs(db: Path) -> list[dict]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM crawl_runs ORDER BY id")]
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


class Cycles:
    """Splits the access log into crawls: each crawl starts by fetching robots.txt."""

    def __init__(self, sites: SampleSites) -> None:
        self.sites = sites
        self.starts: list[int] = []
        self.before: dict[int, Callable[[], None]] = {}
        sites.hooks.append(self.hook)

    def hook(self, site: str, path: str) -> None:
        if site == "bureau" and path == "/robots.txt":
            self.starts.append(len(self.sites.requests))
            change = self.before.get(len(self.starts))
            if change:
                change()

    def downloads(self, n: int) -> dict[str, int]:
        """Path → status of the article and attachment requests of crawl `n` (1-based)."""
        end = self.starts[n] if n < len(self.starts) else len(self.sites.requests)
        rows = self.sites.requests[self.starts[n - 1] : end]
        return {p: s for _, _, p, s in rows if is_article(p) and s in (200, 304)}


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    with SampleSites() as served:
        yield served


def start_scheduler(tmp: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    log = tmp / "scheduler.log"
    env = {
        **os.environ,
        "CRAWLER_PROFILES": str(tmp / "profiles"),
        "CRAWLER_DB": str(tmp / "data" / "archive.db"),
    }
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scheduler.py"), *args],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    return proc, log


def closed(row: dict) -> bool:
    """A run the scheduler has closed (exit code known) after its crawl finished."""
    return row["status"] == "finished" and row["exit_code"] is not None


def stop_scheduler(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def test_three_cycles_download_only_what_changed(tmp_path: Path, sites: SampleSites) -> None:
    db = tmp_path / "data" / "archive.db"
    write_profile(tmp_path / "profiles", sites, "2s")
    cycles = Cycles(sites)
    edited_before = sites.text("bureau", EDITED)

    def publish_and_edit() -> None:
        anchor = '\n    </div>\n    <div class="share">'
        assert anchor in edited_before
        sites.put(
            "bureau",
            EDITED,
            edited_before.replace(anchor, f"\n      <p>{ADDED_LINE}</p>{anchor}", 1),
        )
        page = sites.text("bureau", TEMPLATE)
        page = page.replace("2024年", "2025年").replace("2023年", "2024年")
        sites.put("bureau", PUBLISHED, page)
        listing = sites.text("bureau", "/gzzj/index.html")
        link = (
            f'<li><a href="{PUBLISHED}" target="_blank">枫林区卫生健康局2024年工作总结</a>'
            "<span>2024-08-01</span></li>\n      "
        )
        sites.put("bureau", "/gzzj/index.html", listing.replace("<li>", link, 1))

    cycles.before[2] = publish_and_edit  # between the first and the second crawl
    proc, log = start_scheduler(tmp_path)
    try:
        wait_for(lambda: sum(map(closed, runs(db))) >= 3, "three crawls")
    finally:
        assert stop_scheduler(proc) == 0, log.read_text()[-3000:]

    first, second, third = (cycles.downloads(n) for n in (1, 2, 3))
    assert first and set(first.values()) == {200}, first
    # the second crawl downloads the edited and the new report only; the rest answer 304
    assert {p for p, s in second.items() if s == 200} == {EDITED, PUBLISHED}
    assert {p for p, s in second.items() if s == 304} == set(first) - {EDITED}
    # the third downloads no article at all
    assert set(third.values()) == {304} and set(third) == set(first) | {PUBLISHED}

    done = [r for r in runs(db) if closed(r)][:3]
    assert [r["pages_unchanged"] for r in done] == [0, len(first) - 1, len(first) + 1]
    assert [r["revisions"] for r in done] == [0, 1, 0]
    assert done[1]["documents_new"] == 2 and done[2]["documents_new"] == 0
    assert all(r["exit_code"] == 0 and Path(r["log_path"]).is_file() for r in done)

    conn = sqlite3.connect(db)
    (new_text,) = conn.execute(
        "SELECT d.text FROM documents d JOIN sightings s ON s.document_id = d.id"
        " WHERE s.url LIKE ?",
        (f"%{PUBLISHED}",),
    ).fetchone()
    assert "2024年" in new_text
    revision = conn.execute(
        "SELECT document_id, previous_document_id, run_id FROM revisions WHERE url LIKE ?",
        (f"%{EDITED}",),
    ).fetchall()
    assert len(revision) == 1
    new_id, old_id, run_id = revision[0]
    texts = dict(
        conn.execute("SELECT id, text FROM documents WHERE id IN (?, ?)", (new_id, old_id))
    )
    assert ADDED_LINE in texts[new_id] and ADDED_LINE not in texts[old_id]  # both kept
    assert run_id == done[1]["id"]
    jobs = sqlite3.connect(tmp_path / "data" / "archive.jobs.sqlite")
    assert [r[0] for r in jobs.execute("SELECT id FROM apscheduler_jobs")] == [f"crawl:{SOURCE}"]

    out = subprocess.run(
        [sys.executable, "-m", "crawler", "sources", "--db", str(db)],
        env={**os.environ, "CRAWLER_PROFILES": str(tmp_path / "profiles")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith(SOURCE))
    assert "2s" in line and "not scheduled" not in line and "pages" in line, out


def test_slow_crawl_skips_the_next_cycle_and_shutdown_interrupts_it(
    tmp_path: Path, sites: SampleSites
) -> None:
    db = tmp_path / "data" / "archive.db"
    write_profile(tmp_path / "profiles", sites, "1s")
    gate = threading.Event()

    def hold_articles(site: str, path: str) -> None:  # the crawl hangs until released
        if is_article(path):
            gate.wait(60)

    sites.hooks.append(hold_articles)
    proc, log = start_scheduler(tmp_path)
    try:
        wait_for(lambda: log.read_text().count("this run skipped") >= 2, "two skipped cycles")
        rows = runs(db)
        assert len(rows) == 1 and rows[0]["status"] == "running"
    finally:
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        gate.set()
        assert proc.wait(timeout=60) == 0, log.read_text()[-3000:]
    rows = runs(db)
    assert len(rows) == 1, rows  # never a second crawl of the same source
    assert rows[0]["status"] == "interrupted" and rows[0]["exit_code"] != 0
    assert rows[0]["finished"]
    robots = [r for r in sites.requests if r[2] == "/robots.txt"]
    assert len(robots) == 1


def test_killed_crawl_is_failed_and_the_next_run_completes(
    tmp_path: Path, sites: SampleSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "data" / "archive.db"
    write_profile(tmp_path / "profiles", sites, "1h")
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path / "profiles"))
    supervisor = Supervisor(db, timeout=120, stop_grace=5)
    seen: list[str] = []

    def archived() -> int:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM validators").fetchone()[0]

    def kill_midway(site: str, path: str) -> None:
        """From the sixth article on, hold the request until three pages are archived, then
        kill the crawl (SIGKILL: no chance to record anything)."""
        if is_article(path):
            seen.append(path)
            if len(seen) == 6:
                wait_for(lambda: archived() >= 3, "three archived pages", timeout=30)
                os.kill(supervisor.running[SOURCE].pid, signal.SIGKILL)

    sites.hooks.append(kill_midway)
    killed = supervisor.run(SOURCE)
    sites.hooks.remove(kill_midway)
    assert killed is not None and killed.status == "failed" and killed.exit_code == -signal.SIGKILL
    conn = sqlite3.connect(db)
    partial = conn.execute("SELECT count(DISTINCT url) FROM sightings").fetchone()[0]
    kept = {urlsplit(u).path for (u,) in conn.execute("SELECT url FROM validators")}
    assert kept  # some pages were archived before the kill

    start = len(sites.requests)
    completed = supervisor.run(SOURCE)
    assert completed is not None and completed.status == "finished"
    end = len(sites.requests)
    statuses = [r["status"] for r in runs(db)]
    assert statuses == ["failed", "finished"]
    # the archive is complete: the same as one uninterrupted crawl into a fresh archive
    fresh = tmp_path / "fresh" / "archive.db"
    assert Supervisor(fresh).run(SOURCE).status == "finished"
    sql = "SELECT url FROM sightings UNION SELECT url FROM skipped"
    assert set(conn.execute(sql)) == set(sqlite3.connect(fresh).execute(sql))
    assert partial < len(set(conn.execute("SELECT url FROM sightings")))
    # what the killed run archived was not downloaded again
    second = {p: s for _, _, p, s in sites.requests[start:end] if is_article(p)}
    assert {second[p] for p in kept} == {304}


def test_once_runs_every_source_and_records_it(tmp_path: Path, sites: SampleSites) -> None:
    profiles = tmp_path / "profiles"
    write_profile(profiles, sites, "1d")
    county = (DEMO_PROFILES / "county.toml").read_text("utf-8")
    (profiles / "county.toml").write_text(
        county.replace("{base}", sites.urls["county"].rstrip("/"))
    )
    proc, log = start_scheduler(tmp_path, "--once")
    assert proc.wait(timeout=300) == 0, log.read_text()[-3000:]
    rows = runs(tmp_path / "data" / "archive.db")
    assert sorted(r["source"] for r in rows) == ["sample-bureau", "sample-county"]
    for row in rows:
        assert (row["status"], row["exit_code"]) == ("finished", 0)
        assert row["pages_fetched"] > 0 and row["documents_new"] > 0
        assert "archived" in Path(row["log_path"]).read_text("utf-8")


def test_an_attachment_never_fetched_is_found_in_the_kept_page_of_a_304(
    tmp_path: Path, sites: SampleSites
) -> None:
    """The crawl that archived an article died before its attachment came: next time the
    article answers 304, and its links are found in the page as last kept."""
    write_profile(tmp_path / "profiles", sites, "6h")
    db = tmp_path / "archive.db"
    env = {**os.environ, "CRAWLER_PROFILES": str(tmp_path / "profiles")}

    def crawl() -> list[str]:
        start = len(sites.requests)
        subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", SOURCE, "--db", str(db)],
            cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        return [path for _, _, path, _ in sites.requests[start:]]

    first = crawl()
    attachments = {p for p in first if p.endswith(".docx")}
    assert attachments
    conn = sqlite3.connect(db)
    with conn:  # as if the crawl had been killed before the attachments were fetched
        for path in attachments:
            url = sites.urls["bureau"].rstrip("/") + path
            conn.execute("DELETE FROM validators WHERE url = ?", (url,))
            conn.execute("DELETE FROM sightings WHERE url = ?", (url,))
    conn.close()

    second = crawl()
    statuses = {p: s for _, _, p, s in sites.requests[-len(second) :]}
    assert any(statuses.get(p) == 304 for p in second if "/t20" in p)  # articles unchanged
    assert attachments <= set(second)  # found in the kept pages, fetched again
    conn = sqlite3.connect(db)
    kept = {row[0] for row in conn.execute("SELECT url FROM sightings")}
    conn.close()
    assert {sites.urls["bureau"].rstrip("/") + p for p in attachments} <= kept
