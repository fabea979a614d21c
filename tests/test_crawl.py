"""End to end: crawl the bundled sample sites over HTTP and check the archive against the
sample sites' manifest (every report once with all its URLs, no chrome, no news)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.demo import DEMO_PROFILES
from crawler.sample_site.server import SampleSites
from crawler.text.normalize import for_hashing

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = tomllib.loads((ROOT / "crawler" / "sample_site" / "manifest.toml").read_text("utf-8"))
REPORTS = MANIFEST["report"]


def crawler(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run the `crawler` command; fail the test with its stderr if it fails."""
    import os

    done = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


class Crawled:
    """An archive made by crawling the sample sites once, with the server's access log."""

    def __init__(self, db: Path, sites: SampleSites) -> None:
        self.db = db
        self.sites = sites
        self.conn = sqlite3.connect(db)
        self.site_of = {urlsplit(u).netloc: name for name, u in sites.urls.items()}

    def where(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return self.site_of[parts.netloc], parts.path

    def sightings(self, document_id: int) -> set[tuple[str, str]]:
        rows = self.conn.execute("SELECT url FROM sightings WHERE document_id = ?", (document_id,))
        return {self.where(u) for (u,) in rows}

    def documents(self) -> list[tuple[int, str, str]]:
        return self.conn.execute("SELECT id, title, text FROM documents").fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("crawl")
    profiles = tmp / "profiles"
    profiles.mkdir()
    with SampleSites() as sites:
        for path in DEMO_PROFILES.glob("*.toml"):
            base = sites.urls[path.stem].rstrip("/")
            (profiles / path.name).write_text(path.read_text("utf-8").replace("{base}", base))
        db = tmp / "archive.db"
        crawler(
            "crawl",
            "--db",
            str(db),
            "--no-progress",
            cwd=tmp,
            env={"CRAWLER_PROFILES": str(profiles)},
        )
        yield Crawled(db, sites)


def test_every_report_once_with_all_its_urls(crawled: Crawled) -> None:
    docs = crawled.documents()
    for report in REPORTS:
        phrase = for_hashing(report["phrase"])
        holders = [d for d in docs if phrase in for_hashing(d[2])]
        assert len(holders) == 1, f"{report['id']}: in {len(holders)} documents"
        expected = {(site, path) for site, path in report["urls"]}
        assert crawled.sightings(holders[0][0]) == expected, report["id"]
    assert len(docs) == len(REPORTS)


def test_texts_start_and_end_where_the_reports_do(crawled: Crawled) -> None:
    docs = crawled.documents()
    for report in REPORTS:
        text = next(d[2] for d in docs if for_hashing(report["phrase"]) in for_hashing(d[2]))
        body = for_hashing(text)
        assert body.startswith(for_hashing(report["first_line"])), report["id"]
        assert body.endswith(for_hashing(report["last_line"])), report["id"]


def test_no_chrome_in_any_text(crawled: Crawled) -> None:
    for doc_id, title, text in crawled.documents():
        for chrome in MANIFEST["chrome"]:
            assert chrome not in text, f"document {doc_id} ({title}) keeps {chrome!r}"
        assert "\ufffd" not in text


def test_gbk_pages_decoded(crawled: Crawled) -> None:
    county = [r for r in REPORTS if r["urls"][0][0] == "county"]
    assert county
    rows = crawled.conn.execute(
        "SELECT s.url, s.encoding, d.text FROM sightings s JOIN documents d ON d.id = s.document_id"
    ).fetchall()
    for report in county:
        site, path = report["urls"][0]
        _, encoding, text = next(r for r in rows if crawled.where(r[0]) == (site, path))
        assert encoding == "gb18030"
        assert for_hashing(report["first_line"]) in for_hashing(text)


def test_docx_report_archived(crawled: Crawled) -> None:
    docx = [r for r in REPORTS if r["urls"][0][1].endswith(".docx")]
    assert docx
    for report in docx:
        holders = [
            d for d in crawled.documents() if for_hashing(report["phrase"]) in for_hashing(d[2])
        ]
        assert len(holders) == 1
        assert report["urls"][0] in [list(s) for s in crawled.sightings(holders[0][0])]


def test_news_and_notices_fetched_but_not_archived(crawled: Crawled) -> None:
    sighted = {crawled.where(u) for (u,) in crawled.conn.execute("SELECT url FROM sightings")}
    skipped = {crawled.where(u) for (u,) in crawled.conn.execute("SELECT url FROM skipped")}
    for page in MANIFEST["not_archived"]:
        key = (page["site"], page["path"])
        assert key not in sighted, page["why"]
        assert key in skipped, f"{page['why']}: never fetched"


def test_broken_and_erroring_pages_recorded(crawled: Crawled) -> None:
    rows = crawled.conn.execute("SELECT url, stage, status, reason FROM failures").fetchall()
    failures = {crawled.where(u): (stage, status) for u, stage, status, _ in rows}
    for page in MANIFEST["failure"]:
        assert failures[(page["site"], page["path"])] == ("fetch", page["status"])


def test_robots_txt_obeyed_and_pages_fetched_once(crawled: Crawled) -> None:
    requested = [(site, path) for site, _, path, _ in crawled.sites.requests]
    for page in MANIFEST.get("forbidden", []):
        assert (page["site"], page["path"]) not in requested
    served = [(site, path) for site, _, path, status in crawled.sites.requests if status < 500]
    pages = [r for r in served if not r[1].endswith("robots.txt")]
    assert len(pages) == len(set(pages)), "a page was fetched twice"  # 5xx are retried


def test_runs_recorded(crawled: Crawled) -> None:
    runs = crawled.conn.execute(
        "SELECT source, status, pages_fetched, documents_new, sightings_added, failures"
        " FROM crawl_runs"
    ).fetchall()
    assert {r[0] for r in runs} == {f"sample-{p.stem}" for p in DEMO_PROFILES.glob("*.toml")}
    assert all(r[1] == "finished" and r[2] > 0 for r in runs)
    assert sum(r[3] for r in runs) == len(REPORTS)
    assert sum(r[4] for r in runs) == sum(len(r["urls"]) for r in REPORTS)


def test_second_crawl_adds_sightings_not_documents(tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    out = crawler("demo", "--db", str(db), cwd=tmp_path)
    assert "documents archived" in out
    conn = sqlite3.connect(db)
    docs, sightings = conn.execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM sightings)"
    ).fetchone()
    assert docs == len(REPORTS)
    crawler("demo", "--db", str(db), cwd=tmp_path)
    docs2, sightings2 = conn.execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM sightings)"
    ).fetchone()
    assert docs2 == docs
    assert sightings2 == 2 * sightings


def test_documents_described_as_the_manifest_says(crawled: Crawled) -> None:
    rows = crawled.conn.execute(
        "SELECT text, title, year, doc_type, period, region, agency, script, is_template"
        " FROM documents"
    ).fetchall()
    for report in REPORTS:
        row = next(r for r in rows if for_hashing(report["phrase"]) in for_hashing(r[0]))
        got = dict(
            zip(
                (
                    "title",
                    "year",
                    "doc_type",
                    "period",
                    "region",
                    "agency",
                    "script",
                    "is_template",
                ),
                row[1:],
                strict=True,
            )
        )
        want = {k: report.get(k) for k in got}
        want["title"] = report.get("title_simplified", report["title"])
        want["is_template"] = int(report["is_template"])
        assert got == want, report["id"]


def test_serve_answers_over_http(crawled: Crawled) -> None:
    import json
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(crawled.db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/archive/documents.json"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}?_size=0", timeout=5) as r:
                    data = json.load(r)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("crawler serve did not answer")
        assert data["filtered_table_rows_count"] == len(REPORTS)
        # the default facets come from archive/metadata.yml
        facet = {v["value"]: v["count"] for v in data["facet_results"]["doc_type"]["results"]}
        assert facet["工作总结"] == sum(r["doc_type"] == "工作总结" for r in REPORTS)
    finally:
        server.terminate()
        server.wait(timeout=30)
