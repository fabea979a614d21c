"""A crawl of a site that misbehaves in every way (tests/sites/faults.py).

The crawl ends; transient faults are retried and their reports archived; permanent ones
are recorded in `failures` with their reason and archive nothing; traps are cut short;
nothing is requested outside the profile's scope.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability import query
from sites.faults import PERMANENT, REPORTS, TEXTS, TRUNCATED, FaultSite

from crawler import __version__
from spiders.profile_spider import TRAP_PAGES

PROFILE = """
name = "faulty"
start_urls = ["{base}/index.html"]
follow = ['/(list|calendar)/']
articles = ['/reports/', '/(flaky|busy|broken|gone|reset|hang|slow)\\.html$',
            '/(truncated|chunked-cut|bomb|huge|away)\\.html$', '/loop/', '/private/']
schedule = "1d"

[settings]
delay = 0.0
concurrency = 8
timeout = 3
private_network = true  # served on 127.0.0.1
"""


@dataclass
class Crawled:
    site: FaultSite
    elsewhere: FaultSite
    db: Path
    done: subprocess.CompletedProcess

    def rows(self, sql: str) -> list[tuple]:
        return query(self.db, sql)


def title(name: str) -> str:
    return (TEXTS / name).read_text("utf-8").splitlines()[0]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("faults")
    with FaultSite() as elsewhere:
        away = elsewhere.url("/elsewhere.html").replace("127.0.0.1", "localhost")
        with FaultSite(away=away) as site:
            (tmp / "profiles").mkdir()
            profile = PROFILE.replace("{base}", site.url("").rstrip("/"))
            (tmp / "profiles" / "faulty.toml").write_text(profile, "utf-8")
            db = tmp / "archive.db"
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "crawler",
                    "crawl",
                    "faulty",
                    "--db",
                    str(db),
                    "--no-progress",
                ],
                cwd=tmp,
                env={"CRAWLER_PROFILES": str(tmp / "profiles"), "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
                timeout=600,  # bounded: a crawl that never ends fails here
            )
            yield Crawled(site, elsewhere, db, done)


def test_the_crawl_ends_cleanly(crawled: Crawled) -> None:
    assert crawled.done.returncode == 0, crawled.done.stderr[-3000:]
    assert "Traceback" not in crawled.done.stderr


def test_good_and_transient_pages_are_archived(crawled: Crawled) -> None:
    titles = {t for (t,) in crawled.rows("SELECT title FROM documents")}
    for name in [*REPORTS.values(), "county-2024-h1.txt", "bureau-2024-h1.txt"]:
        assert title(name) in titles, name
    flaky = crawled.site.hits("/flaky.html")
    assert [h.status for h in flaky] == [500, 200]
    busy = crawled.site.hits("/busy.html")
    assert [h.status for h in busy] == [503, 200]
    assert busy[1].at - busy[0].at >= 0.9  # Retry-After: 1 was honoured


def test_permanent_faults_are_failures_and_nothing_else(crawled: Crawled) -> None:
    failed = {}
    for url, stage, reason in crawled.rows("SELECT url, stage, reason FROM failures"):
        failed.setdefault(url.split("/", 3)[-1], []).append((stage, reason))
    loop = [row for path, rows in failed.items() if path.startswith("loop/") for row in rows]
    failed["loop/a.html"] = loop  # recorded on the request that would go round again
    for path in PERMANENT:
        assert failed.get(path.lstrip("/")), (path, sorted(failed))
        assert all(reason for _, reason in failed[path.lstrip("/")])
    reasons = {path: " ".join(r for _, r in failed[path.lstrip("/")]) for path in PERMANENT}
    assert "HTTP 500" in reasons["/broken.html"]
    assert "HTTP 404" in reasons["/gone.html"]
    assert "redirect loop" in reasons["/loop/a.html"]
    # refused at 20 times its compressed size, not at DOWNLOAD_MAXSIZE (crawler/inflate.py)
    assert "refused while inflating" in reasons["/bomb.html"]
    assert "INFLATE_MAX_RATIO" in reasons["/bomb.html"]
    assert "max size" in reasons["/huge.html"]
    # a truncated body is never archived, not even its first half
    keypoints = title(TRUNCATED)
    assert not crawled.rows(f"SELECT id FROM documents WHERE text LIKE '%{keypoints[4:]}%'")
    urls = {u for (u,) in crawled.rows("SELECT url FROM sightings")}
    assert not any(u.endswith(PERMANENT) for u in urls)


def test_traps_are_cut_short_and_recorded(crawled: Crawled) -> None:
    # the first list page names a new report; the next TRAP_PAGES name none
    assert len(crawled.site.hits("/list/")) <= TRAP_PAGES + 1
    assert len(crawled.site.hits("/calendar/")) <= TRAP_PAGES
    traps = crawled.rows("SELECT url FROM failures WHERE stage = 'trap'")
    assert {u.split("/")[3] for (u,) in traps} == {"list", "calendar"}


def test_nothing_out_of_scope_and_an_honest_user_agent(crawled: Crawled) -> None:
    assert crawled.elsewhere.requests == []  # the redirect to another host was not followed
    assert crawled.site.hits("/private/") == []  # robots.txt forbids it
    assert crawled.site.hits("/robots.txt")
    agents = {h.user_agent for h in crawled.site.requests}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith(f"healthdocs-crawler/{__version__} (+http")
