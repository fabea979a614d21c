"""Start Datasette on the archive, read-only, with the project's metadata.

Datasette opens a database file with `?mode=ro`, and the project's plugin
(archive/datasette_hooks.py) makes every connection `query_only`, so nothing served can
change the archive, while a crawl goes on writing to it (WAL).
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from archive.errors import ArchiveError, ServeError

METADATA = Path(__file__).resolve().parent / "metadata.yml"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def metadata_for(db: Path) -> dict:
    """The project's Datasette metadata, keyed by the database name Datasette gives `db`."""
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    databases = metadata.get("databases", {})
    if "archive" in databases:
        databases[db.stem] = databases.pop("archive")
    return metadata


def datasette_args(
    db: Path, folder: Path, *, host: str = "127.0.0.1", port: int = 8001
) -> list[str]:
    """The Datasette command line that serves `db`, its metadata written into `folder`."""
    from archive.datasette_fence import config_args

    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db),
        "--host",
        host,
        "--port",
        str(port),
        *config_args(metadata_for(db), folder),
        "--template-dir",
        str(TEMPLATES),
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "truncate_cells_html",
        "160",
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "facet_time_limit_ms",
        "500",
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]


def upgrade(db: Path) -> None:
    """Bring an older archive up to the current schema (the search index) before serving."""
    from archive.schema import SCHEMA_VERSION
    from archive.store import Archive

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{db}: cannot open archive: {exc}") from None
    if version < SCHEMA_VERSION:
        print(f"{db}: upgrading the archive to schema {SCHEMA_VERSION}", file=sys.stderr)
        Archive(db).close()


def check_port(host: str, port: int) -> None:
    """Refuse at once a port that is taken (Datasette would say so only after starting)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot serve on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServeError(
                f"cannot serve on {host}:{port}: {exc.strerror} (choose another with --port)"
            ) from None


def serve_archive(db: Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until interrupted."""
    if not db.exists():
        raise ArchiveError(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    from datasette.app import Datasette

    from archive import datasette_fence

    datasette_fence.check(Datasette)  # one line here rather than a traceback from Datasette
    upgrade(db)
    check_port(host, port)
    print(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(datasette_args(db, Path(tmp), host=host, port=port))
        stopped: list[int] = []

        def stop(signum: int, frame: object) -> None:
            stopped.append(signum)
            child.terminate()

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code = child.wait()
        finally:  # stopping `crawler serve` stops Datasette too
            for s, handler in previous.items():
                signal.signal(s, handler)
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
    if code != 0 and not stopped:
        raise ServeError(f"Datasette stopped with exit status {code}")
