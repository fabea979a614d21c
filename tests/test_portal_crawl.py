"""An ad-hoc crawl of a replica portal (tests/portal_site.py) reaches every report however
its list is published: TRS script pagination, a Hanweb data proxy, an XHR JSON list, an
onclick attachment; with a sitemap and without; news and notices stay out."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from portal_site import PortalSite


def crawl(url: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", url, "--private-network", "--delay", "0",
         "--no-progress", "--db", str(db)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("sitemap", [True, False], ids=["sitemap", "no-sitemap"])
def test_adhoc_crawl_archives_every_report(tmp_path: Path, sitemap: bool) -> None:
    db = tmp_path / "a.db"
    with PortalSite(sitemap=sitemap) as site:
        done = crawl(f"{site.url}/index.html", db)
        log = list(site.log)
    assert done.returncode == 0, done.stderr[-3000:]
    conn = sqlite3.connect(db)
    titles = [t for (t,) in conn.execute("SELECT title FROM documents WHERE relevant = 1")]
    expected = sorted(r.title for r in site.reports)
    assert sorted(titles) == expected
    urls = [u for (u,) in conn.execute("SELECT url FROM sightings")]
    assert len(urls) == len(set(urls)) and all(u.startswith(site.url) for u in urls)
    assert not any("/xwdt/" in u for u in urls)  # news: not archived
    home = site.of("home")[0]
    assert [u for u in urls if home.path in u] == [f"{site.url}{home.path}"]  # once, clean
    assert ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2") in log
    # the .docx behind an onclick: the date and the title of the page that links it
    docx = site.of("docx")[0]
    [(published, referer, title)] = conn.execute(
        "SELECT s.published, s.referer, d.title FROM sightings s JOIN documents d"
        " ON d.id = s.document_id WHERE s.url = ?", (f"{site.url}{docx.path}",),
    ).fetchall()  # fmt: skip
    assert (published, referer) == (docx.date, f"{site.url}{site.attachment_page}")
    assert title == docx.title
    stages = {s for (s,) in conn.execute("SELECT stage FROM failures")}
    assert stages <= {"clean"}  # only list shells with no text of their own


def test_try_shows_how_each_url_was_found_and_writes_nothing(tmp_path: Path) -> None:
    """`crawler try` with a profile of the TRS and Hanweb columns, as a user writing one."""
    with PortalSite(sitemap=False) as site:
        starts = f'"{site.url}/zwgk/jhzj/index.html", "{site.url}/col/col4021/index.html"'
        (tmp_path / "portal.toml").write_text(
            f'name = "portal"\nstart_urls = [{starts}]\nschedule = "1d"\n'
            r"""follow = ['/zwgk/jhzj/index(_\d+)?\.html$', '/col/col4021/index\.html$']
articles = ['/zwgk/jhzj/\d{6}/t\d{8}_\d+\.html$', '/zwgk/jhzj/fj/',
            '/art/\d{4}/\d+/\d+/art_4021_\d+\.html$']
[settings]
private_network = true
delay = 0
""",
            "utf-8",
        )
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "try", "portal"], cwd=tmp_path,
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "CRAWLER_PROFILES": str(tmp_path)},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line.split(maxsplit=3) for line in done.stdout.splitlines() if line.strip()]
    rows = {(verdict, how, url) for verdict, how, url, *_ in lines if url.startswith("http")}
    archived = {url for verdict, _, url in rows if verdict == "archive"}
    wanted = {f"{site.url}{r.path}" for r in site.reports if r.column in ("trs", "hanweb", "docx")}
    assert archived == wanted
    hows = {how for _, how, _ in rows}
    assert {"trs-pages", "hanweb-proxy", "hanweb-records", "onclick", "a", "start"} <= hows
    assert ("list", "trs-pages", f"{site.url}/zwgk/jhzj/index_2.html") in rows
    assert "12 archive" in done.stdout and "found by: " in done.stdout
    assert not (tmp_path / "data").exists()  # no archive written


def test_the_fleet_archives_every_report_too(tmp_path: Path) -> None:
    """Two workers and an ingester over Redis: the data proxy's POSTs travel through the
    shared queue like any request."""
    from redis_server import RedisServer

    redis = RedisServer(tmp_path / "redis").start()
    db = tmp_path / "fleet.db"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with PortalSite(sitemap=False) as site:
            cmd = [sys.executable, "-m", "crawler"]
            seeded = subprocess.run(
                [*cmd, "seed", f"{site.url}/index.html", "--private-network", "--redis",
                 redis.url, "--delay", "0"], capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert seeded.returncode == 0, seeded.stderr
            for _ in range(2):
                procs.append(subprocess.Popen(
                    [*cmd, "worker", "--redis", redis.url, "--until-idle", "3", "--no-progress"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))  # fmt: skip
            ingest = subprocess.run(
                [*cmd, "ingest", "--redis", redis.url, "--db", str(db), "--until-idle", "4",
                 "--no-progress"], capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert ingest.returncode == 0, ingest.stderr[-3000:]
            for proc in procs:
                assert proc.wait(timeout=120) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        redis.stop()
    conn = sqlite3.connect(db)
    titles = sorted(t for (t,) in conn.execute("SELECT title FROM documents WHERE relevant = 1"))
    assert titles == sorted(r.title for r in site.reports)


def test_a_sitemaps_lastmod_spares_asking_for_pages_checked_since(tmp_path: Path) -> None:
    """A profile that starts from the sitemap: the second run asks for no report at all,
    their `lastmod` being older than the first run's check; a report whose `lastmod` moves
    on is fetched again."""
    db = tmp_path / "a.db"
    with PortalSite(sitemap=True) as site:
        (tmp_path / "map.toml").write_text(
            f'name = "map"\nstart_urls = ["{site.url}/sitemap_1.xml"]\nschedule = "1d"\n'
            r"""follow = ['/sitemap_\d+\.xml$']
articles = ['/zwgk/jhzj/\d{6}/', '/art/\d{4}/', '/xxgk/gzbg/\d{6}/', '/tzgg/\d{6}/']
[settings]
private_network = true
delay = 0
""",
            "utf-8",
        )
        env = {**os.environ, "CRAWLER_PROFILES": str(tmp_path)}
        cmd = [sys.executable, "-m", "crawler", "crawl", "map", "--db", str(db), "--no-progress"]
        reports = {r.path for r in site.reports if r.column != "docx"}

        def fetched() -> set[str]:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-3000:]
            got = {path for _, path in site.log}
            site.log.clear()
            return got & reports

        assert fetched() == reports
        assert fetched() == set()  # nothing changed since: not even a conditional request
        changed = site.of("hanweb")[0]
        site.lastmod[changed.path] = "2999-01-01"
        assert fetched() == {changed.path}
    conn = sqlite3.connect(db)
    unchanged = conn.execute("SELECT pages_unchanged FROM crawl_runs ORDER BY id").fetchall()
    assert [n for (n,) in unchanged] == [0, len(reports), len(reports) - 1]


CHROMIUM_MISSING = "chromium and chromedriver are not installed"


def test_a_list_only_a_browser_can_read(tmp_path: Path) -> None:
    """A list whose API a script assembles at run time: the ad-hoc crawl loads it in
    headless Chromium and archives its reports; the other lists are not rendered."""
    from crawler.render import browser_paths

    if browser_paths() is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have them (.ci/run): {CHROMIUM_MISSING}")
        pytest.skip(CHROMIUM_MISSING)
    db = tmp_path / "a.db"
    with PortalSite(sitemap=False, scripted=True) as site:
        done = crawl(f"{site.url}/index.html", db)
        log = list(site.log)
    assert done.returncode == 0, done.stderr[-3000:]
    conn = sqlite3.connect(db)
    titles = sorted(t for (t,) in conn.execute("SELECT title FROM documents WHERE relevant = 1"))
    assert titles == sorted(r.title for r in site.reports)
    # the browser fetched the list page and its JSON; no other list page was rendered
    assert log.count(("GET", "/ztzl/index.html")) == 2
    assert ("GET", "/ztzl/data.json") in log
    assert log.count(("GET", "/zwgk/jhzj/index.html")) == 1


def test_without_a_browser_the_crawl_goes_on_and_says_what_it_missed(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with PortalSite(sitemap=False, scripted=True) as site:
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", f"{site.url}/index.html",
             "--private-network", "--delay", "0", "--no-progress", "--db", str(db)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "CRAWLER_CHROMIUM": str(tmp_path / "no-chromium")},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    warnings = [line for line in done.stderr.splitlines() if "not rendered" in line]
    assert len(warnings) == 1 and f"{site.url}/ztzl/index.html" in warnings[0]
    conn = sqlite3.connect(db)
    titles = {t for (t,) in conn.execute("SELECT title FROM documents WHERE relevant = 1")}
    assert titles == {r.title for r in site.reports if r.column != "scripted"}
    assert conn.execute("SELECT count(*) FROM failures WHERE stage != 'clean'").fetchone() == (0,)
