"""An ad-hoc crawl of a replica portal (tests/portal_site.py) reaches every report however
its list is published: TRS script pagination, a Hanweb data proxy, an XHR JSON list, an
onclick attachment; with a sitemap and without; news and notices stay out."""

from __future__ import annotations

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
