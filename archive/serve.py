"""Start Datasette on the archive, read-only, with the project's metadata."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from crawler.errors import ArchiveError

METADATA = Path(__file__).resolve().parent / "metadata.yml"


def metadata_for(db: Path) -> dict:
    """The project's Datasette metadata, keyed by the database name Datasette gives `db`."""
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    databases = metadata.get("databases", {})
    if "archive" in databases:
        databases[db.stem] = databases.pop("archive")
    return metadata


def datasette_args(
    db: Path, metadata: Path, *, host: str = "127.0.0.1", port: int = 8001
) -> list[str]:
    """The Datasette command line that serves `db`."""
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
        str(metadata),
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]


def serve_archive(db: Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until interrupted."""
    if not db.exists():
        raise ArchiveError(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    print(f"Datasette on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(metadata_for(db), ensure_ascii=False), "utf-8")
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run(datasette_args(db, metadata, host=host, port=port), check=False)
