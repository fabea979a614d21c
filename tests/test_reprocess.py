"""`crawler reprocess`: the archive re-derived from its kept raw bytes, nothing lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from office_fixtures import word_file

from archive.fingerprint import text_sha256
from archive.store import Archive, Sighting
from crawler.reprocess import reprocess
from crawler.text.process import process

TEXTS = Path(__file__).resolve().parents[1] / "crawler" / "sample_site" / "texts"
AT = "2024-03-01T00:00:00+00:00"


def report(name: str) -> tuple[str, list[str]]:
    lines = [x.strip() for x in (TEXTS / f"{name}.txt").read_text("utf-8").splitlines()]
    lines = [x for x in lines if x]
    return lines[0], lines[1:]


def html(title: str, body: list[str], extra: str = "") -> bytes:
    paras = "".join(f"<p>{line}</p>" for line in body)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a></div><article><h1>{title}</h1>{paras}{extra}"
        "</article><div class='footer'>版权所有 某某区卫生健康局</div></body></html>"
    ).encode()


def archive_page(archive: Archive, url: str, body: bytes, *, text: str | None = None) -> int:
    """Archive a page as the crawl pipeline would (optionally with an older, worse text)."""
    page = process(body, url=url, content_type="text/html")
    added = archive.add_document(
        text=text or page.text,
        fields=page.fields(),
        sighting=Sighting(url=url, source="t", fetched_at=AT, content_type="text/html"),
        run_id=None,
        body=body,
    )
    return added.document_id


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "a.db")


def test_metadata_and_text_rederived_in_place(archive: Archive) -> None:
    title, body = report("bureau-2023-annual")
    page = html(title, body)
    clean = process(page, url="http://t.test/a.html", content_type="text/html")
    stale = "相关推荐：\n" + clean.text  # as an older cleaner left it
    doc_id = archive_page(archive, "http://t.test/a.html", page, text=stale)
    archive.conn.execute("UPDATE documents SET year = NULL, doc_type = NULL")
    archive.conn.commit()

    result = reprocess(archive)

    row = archive.conn.execute(
        "SELECT id, text, sha256, year, doc_type, text_simplified FROM documents"
    ).fetchall()
    assert row == [
        (doc_id, clean.text, text_sha256(clean.text), clean.description.year,
         clean.description.doc_type, clean.text),
    ]  # fmt: skip
    assert result.texts_changed == 1 and result.documents_after == 1


def test_documents_that_now_clean_alike_are_merged(archive: Archive) -> None:
    title, body = report("bureau-2024-plan")
    first = archive_page(archive, "http://t.test/1.html", html(title, body))
    page2 = html(title, body, extra="<p>【纠错】</p>")
    clean = process(page2, url="http://t.test/2.html", content_type="text/html").text
    archive_page(archive, "http://t.test/2.html", page2, text=clean + "\n【纠错】")
    assert archive.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2

    result = reprocess(archive)

    docs = archive.conn.execute("SELECT id FROM documents").fetchall()
    assert docs == [(first,)]
    urls = {u for (u,) in archive.conn.execute("SELECT url FROM sightings WHERE document_id = ?",
                                                (first,))}  # fmt: skip
    assert urls == {"http://t.test/1.html", "http://t.test/2.html"}
    assert result.documents_before == 2 and result.documents_after == 1


def test_skipped_work_document_and_readable_failure_archived(archive: Archive) -> None:
    title, body = report("county-2024-h1")
    page = html(title, body)
    archive.add_skipped(
        run_id=None,
        source="t",
        url="http://t.test/s.html",
        title=title,
        reason="judged by older rules",
        body=page,
        content_type="text/html",
    )
    title2, body2 = report("bureau-2024-h1")
    doc = word_file(["\r".join([title2, *body2]) + "\r"])
    archive.add_failure(
        run_id=None,
        source="t",
        url="http://t.test/f.doc",
        stage="detect",
        reason="doc attachments are not supported yet",
        body=doc,
        content_type="application/msword",
    )
    archive.add_failure(run_id=None, source="t", url="http://t.test/404.html", stage="fetch",
                        reason="HTTP 404", status=404)  # fmt: skip

    result = reprocess(archive)

    assert (result.skipped_archived, result.failures_archived) == (1, 1)
    titles = {t for (t,) in archive.conn.execute("SELECT title FROM documents")}
    assert {title, title2} <= titles
    assert archive.conn.execute("SELECT count(*) FROM skipped").fetchone()[0] == 0
    left = archive.conn.execute("SELECT url, stage FROM failures").fetchall()
    assert left == [("http://t.test/404.html", "fetch")]
    sighted = dict(archive.conn.execute("SELECT url, capture_sha256 FROM sightings"))
    assert sighted["http://t.test/f.doc"] and sighted["http://t.test/s.html"]


def test_news_page_stays_skipped_and_second_pass_changes_nothing(archive: Archive) -> None:
    title, body = report("bureau-2022-annual")
    archive_page(archive, "http://t.test/a.html", html(title, body))
    news = html("区卫生健康局召开2023年度工作总结会议", ["12月28日，区卫生健康局召开会议。"])
    archive.add_skipped(run_id=None, source="t", url="http://t.test/n.html", title="x",
                        reason="old", body=news, content_type="text/html")  # fmt: skip
    reprocess(archive)
    before = archive.conn.execute("SELECT * FROM documents ORDER BY id").fetchall()
    second = reprocess(archive)
    assert archive.conn.execute("SELECT * FROM documents ORDER BY id").fetchall() == before
    assert second.texts_changed == 0 and second.skipped_archived == 0
    reason = archive.conn.execute("SELECT reason FROM skipped").fetchone()[0]
    assert reason != "old"


def test_tables_and_list_pages_brought_up_to_the_current_text_format(archive: Archive) -> None:
    """An archive made before tables were kept (cells on lines of their own, small numbers
    lost) and before link lists were told from documents is brought up to date."""
    title, body = report("bureau-2023-annual")
    table = (
        "<table><tr><th>指标</th><th>2022年</th><th>2023年</th></tr>"
        "<tr><td><p class='MsoNormal'>乡镇卫生院</p></td><td><p class='MsoNormal'>18</p></td>"
        "<td><p class='MsoNormal'>18</p></td></tr>"
        "<tr><td>村卫生室</td><td>252</td><td>246</td></tr></table>"
    )
    page = html(title, body, extra=table)
    flattened = process(page, url="http://t.test/a.html").text.replace("\t", "\n")
    doc_id = archive_page(archive, "http://t.test/a.html", page, text=flattened)
    links = "".join(
        f"<li><a href='/r/{i}.html'>某某区卫生健康局{2015 + i}年工作总结</a></li>" for i in range(9)
    )
    listing = html("工作总结", [], extra=f"<ul>{links}</ul>")
    stale = "\n".join(f"某某区卫生健康局{2015 + i}年工作总结" for i in range(9))  # as archived
    list_id = archive_page(archive, "http://t.test/gzzj/", listing, text=stale)
    assert list_id != doc_id
    archive.conn.execute("UPDATE documents SET relevant = 1")
    archive.conn.commit()

    result = reprocess(archive)

    (text,) = archive.conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
    assert "村卫生室\t252\t246" in text.splitlines()
    assert "乡镇卫生院\t18\t18" in text.splitlines()
    (relevant,) = archive.conn.execute(
        "SELECT relevant FROM documents WHERE id = ?", (list_id,)
    ).fetchone()
    assert relevant == 0
    assert result.texts_changed >= 1 and result.now_irrelevant == 1


def test_cli_reprocess(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    title, body = report("bureau-2023-annual")
    with Archive(db) as archive:
        archive_page(archive, "http://t.test/a.html", html(title, body))
    conn = sqlite3.connect(db)
    conn.execute("UPDATE documents SET region = NULL, year = NULL")
    conn.commit()
    conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "reprocess", "--db", str(db), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sightings re-derived   1" in done.stdout
    year = sqlite3.connect(db).execute("SELECT year FROM documents").fetchone()[0]
    assert year == 2023
    missing = subprocess.run(
        [sys.executable, "-m", "crawler", "reprocess", "--db", str(tmp_path / "none.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode != 0 and "no archive here" in missing.stderr
