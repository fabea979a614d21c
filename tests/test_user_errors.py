"""Everyday mistakes and unreachable sites: one line on stderr (at most three with a hint),
a non-zero exit, no traceback, at default verbosity; real processes and sockets."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from archive.store import Archive

ROOT = Path(__file__).resolve().parents[1]


def crawler(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The error of a command that failed cleanly: non-zero, no traceback, at most three
    lines on stderr, the last one the error."""
    assert done.returncode not in (0, None), done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, done.stderr
    assert lines[-1].startswith("Error: "), done.stderr
    return lines[-1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def robots_forbid_all(tmp_path: Path) -> Iterator[str]:
    """A site whose robots.txt disallows everything."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (site / "index.html").write_text("<html><body><p>卫生健康局</p></body></html>")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_closed_port(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    done = crawler(
        "crawl", url, "--private-network", "--delay", "0", "--db", str(tmp_path / "a.db")
    )
    line = error_line(done)
    assert line.startswith(f"Error: nothing fetched: {url}: ") and "refused" in line
    # the failure is kept in the archive all the same
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("SELECT url, stage FROM failures").fetchall() == [(url, "fetch")]
    assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("finished",)]


def test_unknown_host(tmp_path: Path) -> None:
    done = crawler("crawl", "http://no-such-host.invalid/", "--delay", "0", "--db",
                   str(tmp_path / "a.db"))  # fmt: skip
    line = error_line(done)
    assert line.startswith("Error: nothing fetched: http://no-such-host.invalid/: DNS lookup")


def test_robots_txt_that_forbids_everything(tmp_path: Path, robots_forbid_all: str) -> None:
    done = crawler("crawl", robots_forbid_all, "--private-network", "--db", str(tmp_path / "a.db"))
    assert error_line(done) == "Error: nothing fetched: robots.txt forbids the start pages"


def test_private_address_hint_names_the_flag_of_the_command_typed(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    line = error_line(crawler("crawl", url, "--db", str(tmp_path / "a.db")))
    assert "127.0.0.1 is not a public address" in line
    assert "`crawler crawl --private-network` allows it" in line
    assert "private_network = true" not in line


def test_busy_serve_port(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = crawler("serve", "--db", str(db), "--port", str(port))
    line = error_line(done)
    assert f"127.0.0.1:{port}" in line and "in use" in line and "--port" in line
    assert "Datasette on" not in done.stderr


READERS = [
    ["stats"],
    ["sources"],
    ["dedup"],
    ["reprocess"],
    ["serve", "--port", "9"],
    ["export", "--format", "jsonl", "--out", "out.jsonl"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_archive_that_is_not_one(tmp_path: Path, args: list[str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database\n" * 100)
    line = error_line(crawler(*args, "--db", str(bad), cwd=tmp_path))
    assert str(bad) in line and "not a database" in line
    assert bad.read_bytes() == b"this is not a database\n" * 100  # left as it was


@pytest.mark.parametrize("args", [a for a in READERS if a[0] != "sources"], ids=lambda a: a[0])
def test_missing_archive(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "missing.db"
    line = error_line(crawler(*args, "--db", str(missing), cwd=tmp_path))
    assert f"{missing}: no archive here" in line
    assert not missing.exists()


def test_archive_path_that_is_a_folder(tmp_path: Path) -> None:
    line = error_line(crawler("stats", "--db", str(tmp_path)))
    assert f"{tmp_path} is a folder" in line


def test_archive_in_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    line = error_line(crawler("crawl", "wsjkw-sh", "--db", str(folder / "a.db")))
    assert f"no folder {folder}" in line
    assert not (tmp_path / "no").exists()


def test_default_archive_folder_is_created(tmp_path: Path) -> None:
    """`data/` is made on first use; nothing else is."""
    done = crawler("crawl", f"http://127.0.0.1:{closed_port()}/", "--private-network",
                   "--delay", "0", cwd=tmp_path)  # fmt: skip
    error_line(done)  # nothing fetched, but the archive is there with the failure
    assert (tmp_path / "data" / "archive.db").is_file()
