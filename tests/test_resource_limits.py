"""Resource limits: a full disk and a read-only archive stop `crawler crawl` and `crawler
export` with one clear line and a non-zero exit, and corrupt nothing.

The full disk is a real one: a small tmpfs mounted for the test (root, where mounting is
allowed). Without that, the crawl runs under a file size limit (`RLIMIT_FSIZE`), which
fails SQLite's writes the same way. The read-only archive is a file of mode 0444 in a
folder its user cannot write, opened by a process that file permissions bind (root
without CAP_DAC_OVERRIDE when the tests run as root), and, where mounting is allowed, a
read-only file system.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability import (
    content,
    crawl,
    crawl_command,
    crawl_env,
    differences,
    problems,
    write_profiles,
)

from crawler.sample_site.server import SampleSites

FULL_DISK = "1400k"  # fills up part way through a crawl of the sample sites


def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", tmp],
                              capture_output=True)  # fmt: skip
        if done.returncode == 0:
            subprocess.run(["umount", tmp], check=True)
        return done.returncode == 0


MOUNT = can_mount()


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def one_line_error(stderr: str) -> str:
    """The error line of a command that failed cleanly (no traceback, one `Error:` line)."""
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, stderr[-3000:]
    return errors[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def documents(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites() as served:
        yield served


@pytest.fixture(scope="module")
def reference(sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(profiles, archive) of one uninterrupted crawl of the sample sites."""
    tmp = tmp_path_factory.mktemp("reference")
    profiles = write_profiles(tmp / "profiles", sites)
    done = crawl(tmp / "archive.db", profiles)
    assert done.returncode == 0, done.stderr[-3000:]
    return profiles, tmp / "archive.db"


# a full disk ------------------------------------------------------------------------------
def limit_file_size(limit: int) -> Callable[[], None]:
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_full_disk_stops_the_crawl_cleanly_and_the_next_run_completes(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    profiles, ref_db = reference
    with contextlib.ExitStack() as stack:
        if MOUNT:
            folder = stack.enter_context(tmpfs(tmp_path / "disk", FULL_DISK))
            limit: dict = {}
        else:
            folder = tmp_path / "disk"
            folder.mkdir()
            limit = {"preexec_fn": limit_file_size(1_200_000)}
        db = folder / "archive.db"
        full = crawl(db, profiles, **limit)
        assert full.returncode != 0
        line = one_line_error(full.stderr)
        assert "cannot write the archive" in line or "cannot open archive" in line, line
        assert problems(db) == []
        assert 0 < documents(db) < documents(ref_db)  # the disk filled up part way through

        if MOUNT:
            remount(folder, "size=64m")  # space freed
        done = crawl(db, profiles)
        assert done.returncode == 0, done.stderr[-3000:]
        assert problems(db) == []
        assert differences(content(db), content(ref_db)) == {}


# a read-only archive ----------------------------------------------------------------------
# root ignores file permissions unless it runs without CAP_DAC_OVERRIDE (and its reading
# twin): the crawl runs so, through util-linux's setpriv, when the tests run as root
UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_read_only_archive_file_is_refused_and_left_unchanged(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file permissions would not apply")
    profiles, ref_db = reference
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "archive.db"
    shutil.copy(ref_db, db)
    db.chmod(0o444)
    folder.chmod(0o555)  # no -wal or -shm file can be made beside it either
    before = digest(db)
    prefix = UNPRIVILEGED if os.geteuid() == 0 else []
    try:
        done = subprocess.run(
            [*prefix, *crawl_command(db)], env=crawl_env(profiles),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    assert done.returncode != 0
    line = one_line_error(done.stderr)
    assert str(db) in line, line
    assert digest(db) == before and [p.name for p in folder.iterdir()] == ["archive.db"]
    assert problems(db) == []


@pytest.mark.skipif(not MOUNT, reason="mounting a file system is not allowed here")
def test_read_only_file_system_is_refused_and_left_unchanged(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    profiles, ref_db = reference
    with tmpfs(tmp_path / "disk", "16m") as folder:
        db = folder / "archive.db"
        shutil.copy(ref_db, db)
        remount(folder, "ro")
        before = digest(db)
        done = crawl(db, profiles)
        assert done.returncode != 0
        line = one_line_error(done.stderr)
        assert str(db) in line, line
        assert digest(db) == before and [p.name for p in folder.iterdir()] == ["archive.db"]
        remount(folder, "rw")
        assert problems(db) == []


# export to a full disk --------------------------------------------------------------------
@pytest.mark.skipif(not MOUNT, reason="mounting a file system is not allowed here")
@pytest.mark.parametrize("fmt", ["jsonl", "txt", "parquet"])
def test_export_to_a_full_disk_leaves_no_partial_output(
    reference: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    _, ref_db = reference
    with tmpfs(tmp_path / "disk", "16k") as folder:
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "export", "--format", fmt, "--out",
             str(folder / f"corpus.{fmt}"), "--db", str(ref_db), "--dedup", "none",
             "--include-irrelevant", "--include-templates", "--no-progress"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode != 0
        line = one_line_error(done.stderr)
        assert "corpus" in line, line
        assert list(folder.iterdir()) == []  # no partial file, folder or manifest left
    assert problems(ref_db) == []
