"""Start Datasette on the archive, read-only, with the project's metadata."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from crawler.errors import ArchiveError

METADATA = Path(__file__).resolve().parent / "metadata.yml"


def datasette_args(db: Path, *, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The Datasette command line that serves `db` read-only."""
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
        "--metadata",
        str(METADATA),
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]


def serve_archive(db: Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until interrupted; the archive is opened read-only by an authorizer plugin."""
    if not db.exists():
        raise ArchiveError(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    print(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(datasette_args(db, host=host, port=port), check=False)
