"""The command line: `clean` on files, `stats`, `sources`, and one-line user errors."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from click.testing import CliRunner

import scheduler
from archive.store import Archive, Sighting
from crawler.cli import cli
from crawler.sample_site import SITES_DIR
from spiders.profiles import load_profiles

ROOT = Path(__file__).resolve().parents[1]
REPORT_PAGE = SITES_DIR / "bureau" / "gzzj" / "202401" / "t20240115_1234.html"
NEWS_PAGE = SITES_DIR / "bureau" / "xwdt" / "202401" / "t20240110_1230.html"
DOCX_SOURCE = SITES_DIR / "bureau" / "gzzj" / "202301" / "P020230112531760488862.docx.txt"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def make_docx(path: Path) -> Path:
    document = docx.Document()
    for line in DOCX_SOURCE.read_text("utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_clean_json_fields(tmp_path: Path) -> None:
    code, out, _ = run("clean", str(REPORT_PAGE), str(NEWS_PAGE), "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    report, news = records
    for key in (
        "path",
        "title",
        "text",
        "encoding",
        "published",
        "region",
        "agency",
        "year",
        "period",
        "doc_type",
        "script",
        "is_template",
        "relevant",
    ):
        assert key in report
    assert report["relevant"] is True and news["relevant"] is False
    assert report["title"] == "枫林区卫生健康局2023年工作总结"
    assert report["year"] == 2023 and report["doc_type"] == "工作总结"
    assert report["encoding"] == "utf-8"
    assert "ICP备" not in report["text"] and "索引号" not in report["text"]


def test_clean_docx_and_txt(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "2022年工作总结.docx")
    txt = tmp_path / "report.txt"
    txt.write_bytes(DOCX_SOURCE.read_text("utf-8").encode("gb18030"))
    code, out, _ = run("clean", str(path), str(txt), "--json")
    assert code == 0, out
    from_docx, from_txt = (json.loads(line) for line in out.splitlines())
    assert from_docx["doc_type"] == "工作总结" and from_docx["year"] == 2022
    assert from_docx["text"].replace("\n", "") == from_txt["text"].replace("\n", "")
    assert from_txt["encoding"] == "gb18030"


def test_clean_missing_file_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("clean", str(tmp_path / "nope.html"))
    assert code == 1
    assert err.strip().count("\n") == 0 and "cannot read" in err


def test_clean_binary_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    code, _, err = run("clean", str(path))
    assert code == 1 and err.strip().count("\n") == 0


def test_stats_without_archive(tmp_path: Path) -> None:
    code, _, err = run("stats", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "no archive here" in err


def test_sources_lists_profiles() -> None:
    code, out, _ = run("sources")
    assert code == 0
    assert "wsjkw-sh" in out and "0 3 * * 1" in out


def test_bad_profile_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('name = "x"\nstart_urls = ["http://a.cn/"]\n', "utf-8")
    code, _, err = run("sources", env={"CRAWLER_PROFILES": str(tmp_path)})
    assert code == 1
    assert "bad.toml" in err and "'articles'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "nosuchsite"], "no profile named nosuchsite"),
        (["crawl", "ftp://example.com/"], "not an http(s) URL"),
        (["crawl", "wsjkw-sh", "--depth", "3"], "--depth applies to ad-hoc"),
    ],
)
def test_crawl_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    code, _, err = run(*args, "--db", str(tmp_path / "a.db"))
    assert code == 2 and message in err


def test_archive_under_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "http://127.0.0.1:9/", "--private-network",
         "--db", str(blocker / "sub" / "a.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"no folder {blocker / 'sub'}" in done.stderr and "Traceback" not in done.stderr


def test_clean_json_flags_are_booleans_and_help_names_every_format() -> None:
    code, out, _ = run("clean", str(REPORT_PAGE), "--json")
    assert code == 0
    record = json.loads(out)
    for flag in ("is_template", "relevant", "spun", "truncated"):
        assert isinstance(record[flag], bool), flag
    _, usage, _ = run("clean", "--help")
    assert all(ext in usage for ext in (".html", ".txt", ".docx", ".doc,", ".wps", ".pdf"))


def archive_with_sources(db: Path) -> None:
    """Runs of two sources without profiles, and a document of a third."""
    with Archive(db) as archive:
        for source in ("sample-bureau", "sample-wenku"):
            run_id = archive.start_run(source, "crawler demo")
            archive.finish_run(run_id, "finished", pages_fetched=7, pages_unchanged=0)
        archive.add_document(
            text="枫林区卫生健康局2023年工作总结。" * 20,
            fields={"title": "枫林区卫生健康局2023年工作总结"},
            sighting=Sighting(url="http://x.cn/1.html", source="old-site", fetched_at="2024-01-01"),
            run_id=None,
        )


def test_sources_lists_the_archives_sources_too(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    archive_with_sources(db)
    code, out, _ = run("sources", "--db", str(db))
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line and line[0] != " "}
    assert {"wsjkw-sh", "wjw-beijing", "sample-bureau", "sample-wenku", "old-site"} <= set(rows)
    assert "finished" in rows["sample-bureau"] and "7 pages" in rows["sample-bureau"]
    assert "no profile" in rows["old-site"] and "never" in rows["old-site"]
    assert "1 documents in the archive" in out


def test_sources_never_shows_a_next_run_in_the_past(tmp_path: Path) -> None:
    """A stopped scheduler leaves due times behind in its job store: they read as "at
    scheduler start", or "due now" while a scheduler holds the archive's lock."""
    db = tmp_path / "a.db"
    Archive(db).close()
    profiles = load_profiles()
    sched = scheduler.build_scheduler(profiles, db)
    sched.start(paused=True)
    scheduler.sync_jobs(sched, profiles, db)
    sched.shutdown(wait=False)
    store = SQLAlchemyJobStore(url=f"sqlite:///{scheduler.jobstore_path(db)}")
    for job in store.get_all_jobs():  # due an hour ago
        job.next_run_time = datetime.now(UTC) - timedelta(hours=1)
        store.update_job(job)
    store.engine.dispose()
    code, out, _ = run("sources", "--db", str(db))
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("wsjkw-sh")]
    assert "at scheduler start" in rows[0]
    lock = scheduler.hold_lock(db)
    assert lock is not None
    try:
        assert scheduler.scheduler_running(db)
        _, out, _ = run("sources", "--db", str(db))
        assert "due now" in next(line for line in out.splitlines() if line.startswith("wsjkw-sh"))
        assert scheduler.hold_lock(db) is None  # a second scheduler is refused
    finally:
        lock.close()
    assert not scheduler.scheduler_running(db)


def test_schedule_once_says_what_it_does_without_v(tmp_path: Path) -> None:
    """Without -v: each crawl's start and end, with its counts (never "None pages")."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "dead.toml").write_text(
        'name = "dead"\nstart_urls = ["http://127.0.0.1:9/"]\narticles = [\'/a/\']\n'
        'schedule = "1d"\n[settings]\nprivate_network = true\ndelay = 0\n', "utf-8"
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "schedule", "--once", "--db", str(tmp_path / "a.db")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "CRAWLER_PROFILES": str(tmp_path / "p")},
    )  # fmt: skip
    assert "crawl of dead starting" in done.stderr, done.stderr
    assert "crawl of dead finished (exit code 1): 0 pages" in done.stderr, done.stderr
    assert "None" not in done.stderr and done.returncode == 1


def test_python_dash_m_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.startswith("crawler, version")


def test_every_command_the_readme_names_exists() -> None:
    """The README's commands are real: each `crawler NAME` it mentions answers --help."""
    readme = (ROOT / "README.md").read_text("utf-8")
    names = set(re.findall(r"`crawler ([a-z]+)\b", readme))
    assert {"demo", "crawl", "clean", "try", "serve", "export", "sources", "schedule"} <= names
    for name in sorted(names):
        code, out, _ = run(name, "--help")
        assert code == 0 and "Usage:" in out, name
