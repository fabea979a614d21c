"""Export the archive as text corpora: JSONL, TXT (a folder or one file), Parquet.

Reads through its own read-only connection in one read transaction (a consistent snapshot
while a crawl writes), streams rows in id order with `fetchmany`, writes to a temporary
file or folder beside the target and renames it at the end, then writes a manifest
(`<out>.manifest.json`) beside it. The data files hold no timestamps: the same archive and
options give byte-identical output.

Dedup policies: `cluster` gives one record per near-duplicate cluster, its canonical copy
(`canonical` = 1), or, when the filters leave that copy out, the best member they keep;
`exact` one record per distinct text (a `documents` row: exact duplicates are folded when
archived); `none` one record per copy, i.e. per distinct URL a document was seen at.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crawler import __version__
from crawler.text.errors import CrawlerError

FORMATS = ("jsonl", "txt", "parquet")
DEDUP_POLICIES = ("cluster", "exact", "none")
TEXTS = ("original", "simplified")
BATCH = 500  # rows fetched at a time
PARQUET_GROUP_ROWS = 1000  # a row group holds at most this many records ...
PARQUET_GROUP_BYTES = 16 << 20  # ... or about this many bytes of text

# every record has these fields, in this order, with these types (Parquet schema below)
FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "int"),
    ("title", "str"),
    ("text", "str"),
    ("url", "str"),
    ("urls", "list"),
    ("sha256", "str"),
    ("cluster_id", "int"),
    ("canonical", "bool"),
    ("cluster_size", "int"),
    ("region", "str"),
    ("province", "str"),
    ("division_code", "str"),
    ("agency", "str"),
    ("year", "int"),
    ("period", "str"),
    ("doc_type", "str"),
    ("published", "str"),
    ("script", "str"),
    ("is_template", "bool"),
    ("relevant", "bool"),
    ("truncated", "bool"),
    ("garbled", "float"),
    ("spun", "bool"),
    ("spun_score", "float"),
    ("chars", "int"),
    ("sources", "list"),
    ("first_seen", "str"),
    ("last_seen", "str"),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)
# read straight from `documents` (the others are computed)
_COLUMNS = tuple(
    n for n in FIELD_NAMES if n not in ("text", "url", "urls", "cluster_size", "canonical")
)
Progress = Callable[[int, int], None]

# how a document's text is laid out (crawler/text/tables.py), for whoever reads the corpus
TEXT_LAYOUT = (
    "one paragraph or heading per line; a table row per line, its cells in order separated"
    " by a tab (a cell spanning rows repeated on each, one spanning columns followed by"
    " empty cells)"
)


class ExportError(CrawlerError):
    """An export cannot be written where it was asked to go."""


class ExportWriteError(ExportError, OSError):
    """Writing the export failed (a full disk): an OSError still, and one line in the CLI."""


@dataclass(frozen=True)
class Filters:
    """Which documents to export; list fields match any of their values."""

    since: str | None = None  # published on or after (YYYY-MM-DD)
    until: str | None = None  # published on or before
    regions: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    doc_types: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # seen on one of these sources (site profiles)
    scripts: tuple[str, ...] = ()
    min_chars: int | None = None
    include_irrelevant: bool = False
    include_templates: bool = False

    def where(self, a: str) -> str:
        """The SQL condition on the `documents` row aliased `a` (named parameters)."""
        parts = ["1 = 1"]
        if self.since:
            parts.append(f"{a}.published >= :since")
        if self.until:
            parts.append(f"substr({a}.published, 1, 10) <= :until")
        for name, column in (
            ("regions", "region"),
            ("provinces", "province"),
            ("years", "year"),
            ("doc_types", "doc_type"),
            ("periods", "period"),
            ("scripts", "script"),
        ):
            if getattr(self, name):
                parts.append(f"{a}.{column} IN (SELECT value FROM json_each(:{name}))")
        if self.sources:
            parts.append(
                f"EXISTS (SELECT 1 FROM sightings s WHERE s.document_id = {a}.id"
                " AND s.source IN (SELECT value FROM json_each(:sources)))"
            )
        if self.min_chars is not None:
            parts.append(f"{a}.chars >= :min_chars")
        if not self.include_irrelevant:
            parts.append(f"{a}.relevant = 1")
        if not self.include_templates:
            parts.append(f"coalesce({a}.is_template, 0) = 0")
        return " AND ".join(parts)

    def params(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("regions", "provinces", "years", "doc_types", "periods", "sources", "scripts"):
            values[name] = json.dumps(list(values[name]), ensure_ascii=False)
        return values


@dataclass(frozen=True)
class Options:
    """What to export and how."""

    format: str
    out: Path
    filters: Filters = field(default_factory=Filters)
    dedup: str = "cluster"
    text: str = "original"
    single_file: bool = False  # txt: one file with separators instead of a folder

    def __post_init__(self) -> None:
        for name, allowed in (("format", FORMATS), ("dedup", DEDUP_POLICIES), ("text", TEXTS)):
            if getattr(self, name) not in allowed:
                raise ExportError(f"{name} must be one of {', '.join(allowed)}")
        if self.single_file and self.format != "txt":
            raise ExportError("--single-file applies to the txt format only")

    @property
    def is_folder(self) -> bool:
        return self.format == "txt" and not self.single_file


@dataclass(frozen=True)
class Exported:
    """The outcome of an export."""

    out: Path
    manifest: Path
    records: int
    sha256: str


# reading ------------------------------------------------------------------------------
def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an archive (opened and migrated before by `Archive`)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        conn.isolation_level = None  # transactions are begun explicitly
        conn.execute("SELECT 1 FROM documents LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise ExportError(f"{path}: cannot read archive: {exc}") from None
    return conn


def _selection(conn: sqlite3.Connection, options: Options) -> tuple[str, str]:
    """(SELECT ... list, FROM ... WHERE ...) of the documents to export, one per record."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    canon = "{a}.canonical" if "canonical" in present else "({a}.id = {a}.cluster_id)"
    text = "d.text" if options.text == "original" else "coalesce(d.text_simplified, d.text)"
    columns = [f"d.{c}" if c in present else f"NULL AS {c}" for c in _COLUMNS]
    if "sources" not in present:  # an archive from before `documents.sources`
        columns[_COLUMNS.index("sources")] = (
            "(SELECT json_group_array(source) FROM (SELECT DISTINCT source FROM sightings"
            " WHERE document_id = d.id AND source IS NOT NULL ORDER BY source)) AS sources"
        )
    select = ", ".join(
        [
            *columns,
            f"{text} AS text",
            f"{canon.format(a='d')} AS canonical",
            "(SELECT count(*) FROM documents c WHERE c.cluster_id = d.cluster_id) AS cluster_size",
        ]
    )
    where = options.filters.where("d")
    if options.dedup == "cluster":
        # the canonical copy when the filters keep it, else the best member they keep
        # (the ranking of archive/dedup.py: whole before truncated, unspun, least garbled,
        # earliest, lowest id)
        best = (
            f"SELECT m.id FROM documents m WHERE m.cluster_id = d.cluster_id"
            f" AND {options.filters.where('m')} ORDER BY coalesce({canon.format(a='m')}, 0)"
            " DESC, coalesce(m.truncated, 0), coalesce(m.spun, 0), coalesce(m.garbled, 0),"
            " m.first_seen, m.id LIMIT 1"
        )
        where += (
            f" AND (d.cluster_id IS NULL OR coalesce({canon.format(a='d')}, 0) = 1"
            f" OR d.id = ({best}))"
        )
    return select, f"FROM documents d WHERE {where}"


def _sightings_sql(dedup: str) -> str:
    members = (
        "SELECT id FROM documents WHERE cluster_id = ?2 UNION SELECT ?1"
        if dedup == "cluster"
        else "SELECT ?1"
    )
    return (
        f"SELECT document_id, url, source FROM sightings WHERE document_id IN ({members})"
        " AND url IS NOT NULL ORDER BY fetched_at, id"
    )


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)


def iter_records(
    conn: sqlite3.Connection, options: Options, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    """The records of an export, in id order, in the caller's read transaction."""
    select, source = _selection(conn, options)
    params = options.filters.params()
    total = conn.execute(f"SELECT count(*) {source}", params).fetchone()[0]
    if progress:
        progress(0, total)
    simplify: Callable[[str], str] | None = None
    if options.text == "simplified":
        from crawler.text.chinese_script import to_simplified

        simplify = to_simplified
    sightings_sql = _sightings_sql(options.dedup)
    only_sources = set(options.filters.sources)
    cursor = conn.execute(f"SELECT {select} {source} ORDER BY d.id", params)
    names = [d[0] for d in cursor.description]
    done = 0
    while rows := cursor.fetchmany(BATCH):
        for row in rows:
            doc = dict(zip(names, row, strict=True))
            keys = (doc["id"], doc["cluster_id"]) if options.dedup == "cluster" else (doc["id"],)
            seen = conn.execute(sightings_sql, keys).fetchall()
            urls = list(dict.fromkeys(url for _, url, _ in seen))
            own = [url for doc_id, url, _ in seen if doc_id == doc["id"]]
            record = {name: doc.get(name) for name in FIELD_NAMES}
            if simplify and record["title"]:
                record["title"] = simplify(record["title"])
            for name, kind in FIELDS:
                if kind == "bool":
                    record[name] = _boolean(record[name])
            record["sources"] = json.loads(doc["sources"]) if doc["sources"] else []
            record["urls"] = urls
            record["url"] = own[0] if own else None
            if options.dedup == "none":  # one record per URL the document was seen at
                copies = dict.fromkeys(
                    url
                    for doc_id, url, src in seen
                    if doc_id == doc["id"] and (not only_sources or src in only_sources)
                )
                for url in copies or [record["url"]]:
                    yield {**record, "url": url}
            else:
                yield record
            done += 1
            if progress and (done % 1000 == 0 or done == total):
                progress(done, total)


# writing ------------------------------------------------------------------------------
def _header(record: dict[str, Any]) -> str:
    """The metadata block of a TXT record: `name: value` lines, ended by a blank line."""
    lines = []
    for name, kind in FIELDS:
        if name == "text":
            continue
        value = record[name]
        if value is None:
            shown = ""
        elif kind == "list":
            shown = json.dumps(value, ensure_ascii=False)
        elif kind == "bool":
            shown = "true" if value else "false"
        else:
            shown = " ".join(str(value).split()) if kind == "str" else str(value)
        lines.append(f"{name}: {shown}".rstrip())
    return "\n".join(lines) + "\n\n"


def _txt_body(record: dict[str, Any]) -> str:
    text = record["text"] or ""
    return _header(record) + text + ("" if text.endswith("\n") else "\n")


TXT_SEPARATOR = "==> {id} <=="  # starts each record of a single-file TXT export


class _HashingFile:
    """A binary file that hashes what is written to it."""

    def __init__(self, path: Path) -> None:
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.sha.update(data)

    def close(self) -> str:
        self.file.close()
        return self.sha.hexdigest()


class JsonlWriter:
    """One JSON object per line, UTF-8, keys in `FIELDS` order."""

    def __init__(self, path: Path) -> None:
        self.out = _HashingFile(path)

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        self.out.write(line.encode("utf-8") + b"\n")

    def close(self) -> str:
        return self.out.close()


class TxtFileWriter:
    """All records in one file, each opened by a `==> id <==` line, then a blank line."""

    def __init__(self, path: Path) -> None:
        self.out = _HashingFile(path)
        self.first = True

    def write(self, record: dict[str, Any]) -> None:
        head = "" if self.first else "\n"
        self.first = False
        body = head + TXT_SEPARATOR.format(id=record["id"]) + "\n" + _txt_body(record)
        self.out.write(body.encode("utf-8"))

    def close(self) -> str:
        return self.out.close()


class TxtFolderWriter:
    """One file per record named by id (`<id>.txt`; `<id>-<n>.txt` for the n-th copy).

    The output's sha256 is that of the `sha256sum`-style listing of the files in order.
    """

    def __init__(self, path: Path) -> None:
        path.mkdir()
        self.path = path
        self.listing = hashlib.sha256()
        self.last_id: int | None = None
        self.copy = 0

    def write(self, record: dict[str, Any]) -> None:
        self.copy = self.copy + 1 if record["id"] == self.last_id else 1
        self.last_id = record["id"]
        name = f"{record['id']}.txt" if self.copy == 1 else f"{record['id']}-{self.copy}.txt"
        data = _txt_body(record).encode("utf-8")
        (self.path / name).write_bytes(data)
        self.listing.update(f"{hashlib.sha256(data).hexdigest()}  {name}\n".encode())

    def close(self) -> str:
        return self.listing.hexdigest()


def parquet_schema() -> Any:
    """The typed Arrow schema of Parquet exports (stable: fields are only ever added)."""
    import pyarrow as pa

    kinds = {
        "int": pa.int64(),
        "str": pa.string(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "list": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(n, kinds[k], nullable=n != "id") for n, k in FIELDS])


class ParquetWriter:
    """Parquet (zstd), one row group per batch of records, so memory stays bounded."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.schema = parquet_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []
        self.bytes = 0

    def write(self, record: dict[str, Any]) -> None:
        self.rows.append(record)
        self.bytes += len(record["text"] or "") * 3
        if len(self.rows) >= PARQUET_GROUP_ROWS or self.bytes >= PARQUET_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            table = pa.Table.from_pylist(self.rows, schema=self.schema)
            self.writer.write_table(table, row_group_size=len(self.rows))
            self.rows, self.bytes = [], 0

    def close(self) -> str:
        self._flush()
        self.writer.close()
        sha = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 20):
                sha.update(chunk)
        return sha.hexdigest()


def _writer(options: Options, path: Path) -> Any:
    if options.format == "jsonl":
        return JsonlWriter(path)
    if options.format == "parquet":
        return ParquetWriter(path)
    return TxtFileWriter(path) if options.single_file else TxtFolderWriter(path)


# the export -----------------------------------------------------------------------------
def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def _check_target(options: Options) -> None:
    out = options.out
    if not out.exists():
        return
    if options.is_folder and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if not options.is_folder and out.is_dir():
        raise ExportError(f"{out}: is a folder (give a file name)")
    if out.is_dir() and any(out.iterdir()) and not manifest_path(out).exists():
        raise ExportError(f"{out}: folder exists and is not an earlier export; not replacing it")


def _publish(tmp: Path, out: Path) -> None:
    """Move the finished output into place; a folder replaces an earlier export's folder."""
    if tmp.is_dir() and out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        os.replace(tmp, out)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:partial|old)-(?P<pid>\d+)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def stale_leftovers(out: Path) -> list[Path]:
    """What exports to `out` killed on this machine left: `.<name>.partial-<pid>` and
    `.<name>.old-<pid>` beside it (of `out` and its manifest) whose process is gone."""
    names = {out.name, manifest_path(out).name}
    found = []
    for path in out.parent.iterdir() if out.parent.is_dir() else ():
        match = _LEFTOVER.fullmatch(path.name)
        if match and match["name"] in names and not _alive(int(match["pid"])):
            found.append(path)
    return sorted(found)


def _clear_leftovers(out: Path) -> None:
    """Remove a killed export's leftovers; a folder export killed while it swapped folders
    left the earlier export as `.<name>.old-<pid>` and none at `out`: put it back."""
    for path in stale_leftovers(out):
        if path.name.startswith(f".{out.name}.old-") and not out.exists():
            path.rename(out)
        else:
            _remove(path)


def _archive_facts(conn: sqlite3.Connection, db: Path) -> dict[str, Any]:
    last = conn.execute("SELECT max(coalesce(finished, started)) FROM crawl_runs").fetchone()[0]
    return {
        "path": str(db.resolve()),
        "last_crawl": last,
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "documents": conn.execute("SELECT count(*) FROM documents").fetchone()[0],
    }


def export(
    db: Path,
    options: Options,
    *,
    progress: Progress | None = None,
    exported_at: str | None = None,
) -> Exported:
    """Write the export described by `options` from the archive at `db`, atomically."""
    from archive.records import now
    from archive.store import Archive

    if not db.exists():
        raise ExportError(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    Archive(db).close()  # bring an older archive up to the current schema first
    _check_target(options)
    out = options.out
    out.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    manifest = manifest_path(out)
    manifest_tmp = manifest.with_name(f".{manifest.name}.partial-{os.getpid()}")
    _remove(tmp)
    conn = connect_readonly(db)
    records = 0
    try:
        conn.execute("BEGIN")  # one snapshot for the count, the rows and the manifest
        facts = _archive_facts(conn, db)
        writer = _writer(options, tmp)
        try:
            for record in iter_records(conn, options, progress):
                writer.write(record)
                records += 1
        finally:
            digest = writer.close()
        conn.execute("COMMIT")
        body = {
            "tool": "healthdocs-crawler",
            "version": __version__,
            "format": options.format,
            "output": out.name,
            "records": records,
            "sha256": digest,
            "text_layout": TEXT_LAYOUT,
            "options": {
                "dedup": options.dedup,
                "text": options.text,
                "single_file": options.single_file,
            },
            "filters": asdict(options.filters),
            "archive": facts,
            "exported_at": exported_at or now(),
        }
        manifest_tmp.write_text(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        _publish(tmp, out)
        os.replace(manifest_tmp, manifest)
    except BaseException as exc:
        _remove(tmp)
        manifest_tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a read-only folder: one clear line
            reason = exc.strerror or str(exc)
            raise ExportWriteError(f"{out}: cannot write the export: {reason}") from None
        raise
    finally:
        conn.close()
    return Exported(out=out, manifest=manifest, records=records, sha256=digest)


# reading TXT back -------------------------------------------------------------------------
def parse_txt(text: str) -> dict[str, Any]:
    """One TXT record (header block, blank line, text) back into a record."""
    header, _, body = text.partition("\n\n")
    kinds = dict(FIELDS)
    record: dict[str, Any] = {"text": body[:-1] if body.endswith("\n") else body}
    for line in header.splitlines():
        name, _, value = line.partition(":")
        value = value.strip()
        kind = kinds[name]
        if value == "" and kind != "str":
            record[name] = None
        elif kind == "int":
            record[name] = int(value)
        elif kind == "float":
            record[name] = float(value)
        elif kind == "bool":
            record[name] = value == "true"
        elif kind == "list":
            record[name] = json.loads(value)
        else:
            record[name] = value or None
    return {name: record.get(name) for name in FIELD_NAMES}


def read_txt_file(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a single-file TXT export."""
    chunk: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not (line.startswith("==> ") and line.endswith(" <==\n")):
                chunk.append(line)
                continue
            if chunk:  # the blank line before a separator belongs to no record
                yield parse_txt("".join(chunk).removesuffix("\n"))
            chunk = []
    if chunk:
        yield parse_txt("".join(chunk))
