"""`crawler export`: JSONL, TXT and Parquet corpora from a real SQLite archive."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.json
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import archive.export as export_module
from archive.export import (
    FIELD_NAMES,
    Filters,
    Options,
    export,
    parquet_schema,
    parse_txt,
    read_txt_file,
)
from archive.store import Archive, Sighting
from crawler.cli import cli

ROOT = Path(__file__).resolve().parents[1]
WORDS = (
    "卫生健康工作总结医疗服务能力提升公共体系建设深化改革"
    "全区事业保持稳中有进良好态势疾病预防控制扎实有效"
)


@functools.cache
def body(seed: int, lines: int = 12) -> str:
    """A text of its own for each seed (near-duplicate detection tells them apart)."""
    r = random.Random(seed)
    return "\n".join("".join(r.choice(WORDS) for _ in range(60)) + "。" for _ in range(lines))


BASE = body(1)
NEAR = BASE.replace(BASE[100:130], "家庭医生签约服务提质扩面组建团队重点人群签约率达")
FIELDS = {"relevant": 1, "is_template": 0, "doc_type": "工作总结", "script": "simplified"}


def add(a: Archive, text: str, urls: list[tuple[str, str]], day: int = 1, **fields: Any) -> int:
    doc_id = 0
    for i, (url, source) in enumerate(urls):
        at = f"2024-02-{day:02d}T0{i}:00:00+00:00"
        sighting = Sighting(url=url, source=source, fetched_at=at, status=200)
        added = a.add_document(
            text=text, fields={**FIELDS, **fields}, sighting=sighting, run_id=None
        )
        doc_id = added.document_id
    return doc_id


COMMON = {"region": "成华区", "province": "四川省", "year": 2023, "period": "年度"}
# name: (text, [(url, source), ...], fields); one document for each filter to find
DOCS: dict[str, tuple[str, list[tuple[str, str]], dict[str, Any]]] = {
    "report": (
        BASE,
        [("http://wjw.gov.cn/1.html", "bureau"), ("http://wk.com/9", "wenku")],
        {"title": "成华区卫生健康局2023年工作总结", "published": "2024-01-15", **COMMON},
    ),
    "repost": (  # a near duplicate of the report: same cluster
        NEAR,
        [("http://fw.com/3", "fanwen")],
        {"title": "2023年工作总结(范文)", "published": "2024-02-01", **COMMON},
    ),
    "plan": (
        body(2),
        [("http://wjw.gov.cn/2.html", "bureau")],
        {
            "title": "2024年工作计划",
            "region": "鲤城区",
            "province": "福建省",
            "year": 2024,
            "doc_type": "工作计划",
            "published": "2024-03-01",
        },
    ),
    "traditional": (
        "衛生健康工作總結。" + body(3, 4),
        [("http://tw.com/5", "tw")],
        {
            "title": "衛生健康局工作總結",
            "script": "traditional",
            "region": "成华区",
            "year": 2022,
            "published": "2023-01-10",
        },
    ),
    "template": (
        body(4),
        [("http://fw.com/7", "fanwen")],
        {"title": "20xx年工作总结", "is_template": 1},
    ),
    "news": (
        body(5),
        [("http://wjw.gov.cn/n.html", "bureau")],
        {"title": "新闻", "relevant": 0, "published": "2024-05-01"},
    ),
    "short": (
        body(6, 1),
        [("http://wjw.gov.cn/s.html", "bureau")],
        {"title": "要点", "doc_type": "工作要点", "published": "2024-06-01", "period": "上半年"},
    ),
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The documents of `DOCS` archived in order (ids in `<db>.ids.json`), and one run."""
    path = tmp_path / "archive.db"
    with Archive(path) as a:
        a.finish_run(a.start_run("bureau"), "finished")
        ids = {
            name: add(a, text, urls, day=day, **fields)
            for day, (name, (text, urls, fields)) in enumerate(DOCS.items(), start=1)
        }
        row = a.conn.execute(
            "SELECT cluster_id, canonical FROM documents WHERE id = ?", (ids["repost"],)
        ).fetchone()
        assert row == (ids["report"], 0), "the repost should join the report's cluster"
    path.with_suffix(".ids.json").write_text(json.dumps(ids))
    return path


def ids_of(db: Path) -> dict[str, int]:
    return json.loads(db.with_suffix(".ids.json").read_text())


def jsonl(db: Path, out: Path, **kw: Any) -> list[dict[str, Any]]:
    options = Options("jsonl", out, **kw)
    export(db, options, exported_at="fixed")
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def exported_ids(db: Path, tmp_path: Path, **filters: Any) -> set[int]:
    records = jsonl(db, tmp_path / "f.jsonl", filters=Filters(**filters))
    return {r["id"] for r in records}


# formats ------------------------------------------------------------------------------
def test_jsonl_round_trips_through_json_and_pandas(db: Path, tmp_path: Path) -> None:
    ids = ids_of(db)
    records = jsonl(db, tmp_path / "c.jsonl")
    assert [r["id"] for r in records] == sorted(
        ids[k] for k in ("report", "plan", "traditional", "short")
    )
    assert all(tuple(r) == FIELD_NAMES for r in records)
    report = records[0]
    with Archive(db) as a:
        row = a.conn.execute(
            "SELECT title, text, sha256, region, year, published FROM documents WHERE id = ?",
            (report["id"],),
        ).fetchone()
    assert (report["title"], report["text"], report["sha256"]) == row[:3]
    assert (report["region"], report["year"], report["published"]) == row[3:]
    assert report["url"] == "http://wjw.gov.cn/1.html"
    # the cluster's URLs: the canonical copy's sightings, then the repost's, by fetch time
    assert report["urls"] == ["http://wjw.gov.cn/1.html", "http://wk.com/9", "http://fw.com/3"]
    assert report["canonical"] is True and report["cluster_size"] == 2
    assert report["relevant"] is True and report["is_template"] is False
    assert report["sources"] == ["bureau", "wenku"]

    # pyarrow's JSON reader is what Hugging Face `datasets` loads JSONL with
    table = pyarrow.json.read_json(tmp_path / "c.jsonl")
    assert table.column_names == list(FIELD_NAMES)
    assert table.column("text").to_pylist() == [r["text"] for r in records]
    assert table.column("urls").to_pylist() == [r["urls"] for r in records]

    # pandas is not a dev dependency: with it installed, sqlite-utils imports it at start-up
    # (+0.3 s and +36 MB for every `crawler` command)
    pd = pytest.importorskip("pandas")
    frame = pd.read_json(tmp_path / "c.jsonl", lines=True, dtype=False)
    assert list(frame.columns) == list(FIELD_NAMES)
    assert frame["text"].tolist() == [r["text"] for r in records]
    assert frame["urls"].tolist() == [r["urls"] for r in records]


def test_parquet_round_trips_with_a_typed_schema(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "PARQUET_GROUP_ROWS", 3)  # several row groups
    records = jsonl(db, tmp_path / "c.jsonl")
    export(db, Options("parquet", tmp_path / "c.parquet"))
    table = pq.read_table(tmp_path / "c.parquet")
    assert table.schema.equals(parquet_schema())
    assert table.to_pylist() == records
    assert pq.ParquetFile(tmp_path / "c.parquet").num_row_groups == 2


def test_txt_folder_and_single_file_round_trip(db: Path, tmp_path: Path) -> None:
    records = jsonl(db, tmp_path / "c.jsonl")
    export(db, Options("txt", tmp_path / "docs"))
    files = sorted((tmp_path / "docs").iterdir(), key=lambda p: int(p.stem))
    assert [p.name for p in files] == [f"{r['id']}.txt" for r in records]
    assert [parse_txt(p.read_text("utf-8")) for p in files] == records
    assert files[0].read_text("utf-8").startswith(f"id: {records[0]['id']}\ntitle: ")

    export(db, Options("txt", tmp_path / "all.txt", single_file=True))
    assert list(read_txt_file(tmp_path / "all.txt")) == records
    assert (tmp_path / "all.txt").read_text("utf-8").count("\n==> ") == len(records) - 1


def test_manifest_describes_the_output(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    jsonl(db, out, filters=Filters(years=(2023,)))
    manifest = json.loads((tmp_path / "c.jsonl.manifest.json").read_text())
    assert manifest["records"] == 1 and manifest["format"] == "jsonl"
    assert "separated by a tab" in manifest["text_layout"]
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["filters"]["years"] == [2023]
    assert manifest["archive"]["path"] == str(db.resolve())
    assert manifest["archive"]["last_crawl"] is not None
    assert manifest["version"] and manifest["options"]["dedup"] == "cluster"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "txt", "txt-single"])
def test_same_archive_and_options_give_identical_bytes(db: Path, tmp_path: Path, fmt: str) -> None:
    def digest(out: Path) -> str:
        kind, _, single = fmt.partition("-")
        export(db, Options(kind, out, single_file=bool(single)))
        files = sorted(out.iterdir()) if out.is_dir() else [out]
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).digest()

    first = digest(tmp_path / "a" / "out")
    assert digest(tmp_path / "b" / "out") == first
    assert digest(tmp_path / "a" / "out") == first  # replacing an earlier export
    one = json.loads((tmp_path / "a" / "out.manifest.json").read_text())
    two = json.loads((tmp_path / "b" / "out.manifest.json").read_text())
    assert one["sha256"] == two["sha256"]


# filters and dedup ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"report", "plan", "traditional", "short"}),
        ({"include_irrelevant": True}, {"report", "plan", "traditional", "short", "news"}),
        ({"include_templates": True}, {"report", "plan", "traditional", "short", "template"}),
        ({"since": "2024-02-01"}, {"repost", "plan", "short"}),  # the cluster, by its repost
        ({"since": "2024-01-01", "until": "2024-03-01"}, {"report", "plan"}),
        ({"regions": ("成华区",)}, {"report", "traditional"}),
        ({"provinces": ("福建省",)}, {"plan"}),
        ({"years": (2022, 2024)}, {"plan", "traditional"}),
        ({"doc_types": ("工作计划", "工作要点")}, {"plan", "short"}),
        ({"periods": ("上半年",)}, {"short"}),
        ({"scripts": ("traditional",)}, {"traditional"}),
        ({"sources": ("wenku",)}, {"report"}),
        ({"min_chars": 200}, {"report", "plan", "traditional"}),
    ],
)
def test_filters_select_the_right_documents(
    db: Path, tmp_path: Path, filters: dict[str, Any], expected: set[str]
) -> None:
    ids = ids_of(db)
    assert exported_ids(db, tmp_path, **filters) == {ids[k] for k in expected}


def test_cluster_falls_back_to_the_member_the_filters_keep(db: Path, tmp_path: Path) -> None:
    ids = ids_of(db)
    # the repost alone was seen on fanwen: its cluster is exported through it
    records = jsonl(db, tmp_path / "f.jsonl", filters=Filters(sources=("fanwen",)))
    assert [r["id"] for r in records] == [ids["repost"]]
    assert records[0]["url"] == "http://fw.com/3" and records[0]["canonical"] is False
    assert len(records[0]["urls"]) == 3


def test_dedup_policies(db: Path, tmp_path: Path) -> None:
    ids = ids_of(db)
    cluster = jsonl(db, tmp_path / "c.jsonl")
    exact = jsonl(db, tmp_path / "e.jsonl", dedup="exact")
    copies = jsonl(db, tmp_path / "n.jsonl", dedup="none")
    assert ids["repost"] not in {r["id"] for r in cluster}
    assert {r["id"] for r in exact} == {r["id"] for r in cluster} | {ids["repost"]}
    report = next(r for r in exact if r["id"] == ids["report"])
    assert report["urls"] == ["http://wjw.gov.cn/1.html", "http://wk.com/9"]  # its own only
    assert [r["url"] for r in copies if r["id"] == ids["report"]] == report["urls"]
    assert len(copies) == len(exact) + 1
    export(db, Options("txt", tmp_path / "copies", dedup="none"))
    assert f"{ids['report']}-2.txt" in {p.name for p in (tmp_path / "copies").iterdir()}


def test_simplified_text(db: Path, tmp_path: Path) -> None:
    ids = ids_of(db)
    options = {"filters": Filters(scripts=("traditional",))}
    (original,) = jsonl(db, tmp_path / "o.jsonl", **options)
    (simplified,) = jsonl(db, tmp_path / "s.jsonl", text="simplified", **options)
    assert original["id"] == simplified["id"] == ids["traditional"]
    assert original["text"].startswith("衛生健康工作總結")
    assert original["title"] == "衛生健康局工作總結"
    assert simplified["text"].startswith("卫生健康工作总结")
    assert simplified["title"] == "卫生健康局工作总结"


# nothing half-written -----------------------------------------------------------------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "archive.ids.json")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "txt", "txt-single"])
def test_a_writer_failing_midway_leaves_nothing(
    db: Path, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, _, single = fmt.partition("-")
    out = tmp_path / "out" / "corpus"
    export(db, Options(kind, out, single_file=bool(single)))  # an earlier export stays
    before = leftovers(out.parent)
    earlier = (out.parent / "corpus.manifest.json").read_text()
    real = export_module._writer

    def failing(options: Options, path: Path) -> Any:
        writer = real(options, path)
        write, count = writer.write, [0]

        def write_some(record: dict[str, Any]) -> None:
            count[0] += 1
            if count[0] == 3:
                raise OSError("disk full")
            write(record)

        writer.write = write_some
        return writer

    monkeypatch.setattr(export_module, "_writer", failing)
    with pytest.raises(OSError, match="disk full"):
        export(db, Options(kind, out, single_file=bool(single), dedup="exact"))
    assert leftovers(out.parent) == before == ["corpus", "corpus.manifest.json"]
    assert (out.parent / "corpus.manifest.json").read_text() == earlier


def big_archive(path: Path, n: int) -> None:
    """An archive of `n` documents of about 4,000 characters, inserted in bulk.

    The search-index triggers are dropped first (they cost ~15 ms a document and the
    export does not read the search tables).
    """
    with Archive(path) as a:
        add(a, BASE, [("http://wjw.gov.cn/1.html", "bureau")])
        for (name,) in a.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'"
        ).fetchall():
            a.conn.execute(f"DROP TRIGGER {name}")
        rows = []
        for i in range(n):
            text = f"{i}号" + body(100 + i % 50, 60)
            rows.append((f"t{i}", text, hashlib.sha256(text.encode()).hexdigest(), len(text)))
        with a.conn:
            a.conn.executemany(
                "INSERT INTO documents (title, text, sha256, chars, relevant, is_template)"
                " VALUES (?, ?, ?, ?, 1, 0)",
                rows,
            )
            a.conn.execute("UPDATE documents SET cluster_id = id, canonical = 1")
            a.conn.execute(
                "INSERT INTO sightings (document_id, url, source, fetched_at)"
                " SELECT id, 'http://x/' || id, 'bureau', '2024-01-01' FROM documents"
            )


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("big") / "big.db"
    big_archive(db, 20_000)
    return db


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_killed_export_leaves_nothing(tmp_path: Path, big_db: Path, signum: int) -> None:
    db = big_db
    out = tmp_path / "out" / "corpus.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "export", "--db", str(db), "--format", "jsonl",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = b""
    while b"exporting: 2000/" not in seen:  # well under way: 2,000 of 20,001 written
        chunk = proc.stderr.read(1)
        assert chunk, f"export ended early: {seen.decode()}"
        seen += chunk
    partial = list(out.parent.glob(".corpus.jsonl.partial-*"))
    assert partial and partial[0].stat().st_size > 0
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum  # 130, 143
    assert f"{signal.Signals(signum).name}: stopping" in err.decode()
    assert "interrupted" in err.decode() and "Traceback" not in err.decode()
    assert list(out.parent.iterdir()) == []


def snapshot(path: Path) -> dict[str, bytes] | bytes | None:
    """A file's bytes, a folder's files and their bytes, or None when absent."""
    if path.is_dir():
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))}
    return path.read_bytes() if path.exists() else None


# (format, records written when killed, an earlier export at the destination)
KILLS = [("jsonl", 2000, True), ("jsonl", 12000, False), ("txt", 2000, False),
         ("txt", 12000, True), ("parquet", 5000, True), ("parquet", 15000, False)]  # fmt: skip
SUFFIX = {"jsonl": ".jsonl", "txt": "", "parquet": ".parquet"}


@pytest.mark.parametrize(("fmt", "at", "earlier"), KILLS)
def test_a_sigkilled_export_leaves_the_earlier_one_and_the_next_clears_up(
    db: Path, big_db: Path, tmp_path: Path, fmt: str, at: int, earlier: bool
) -> None:
    out = tmp_path / "out" / f"corpus{SUFFIX[fmt]}"
    manifest = out.with_name(out.name + ".manifest.json")
    if earlier:
        export(db, Options(fmt, out))
    before = (snapshot(out), snapshot(manifest))
    command = [sys.executable, "-m", "crawler", "export", "--format", fmt, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*command, "--db", str(big_db)], stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    seen = b""
    while f"exporting: {at}/".encode() not in seen:
        chunk = proc.stderr.read(1)
        assert chunk, f"export ended early: {seen.decode()}"
        seen += chunk
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.stderr.close()
    assert (snapshot(out), snapshot(manifest)) == before  # never a truncated export
    assert [p.name for p in export_module.stale_leftovers(out)] == [
        f".{out.name}.partial-{proc.pid}"
    ]  # the killed export's junk, which the next export clears

    done = subprocess.run([*command, "--db", str(db)], capture_output=True, env=env)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, manifest.name])
    reference = export(db, Options(fmt, tmp_path / "reference" / out.name))
    assert snapshot(out) == snapshot(reference.out)  # complete: the same bytes


def test_a_folder_export_killed_between_its_renames_is_put_back(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "corpus"
    export(db, Options("txt", out))
    before = snapshot(out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    out.rename(out.with_name(f".corpus.old-{int(dead.stdout)}"))  # where the kill left it

    def failing(options: Options, path: Path) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "_writer", failing)
    with pytest.raises(OSError, match="disk full"):
        export(db, Options("txt", out, dedup="exact"))
    assert snapshot(out) == before
    assert leftovers(out.parent) == ["corpus", "corpus.manifest.json"]


# command line ---------------------------------------------------------------------------
def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_exports_with_filters(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.parquet"
    code, stdout, stderr = run(
        "export", "--db", str(db), "--format", "parquet", "--out", str(out),
        "--doc-type", "工作计划", "--doc-type", "工作要点", "--since", "2024-01-01",
    )  # fmt: skip
    assert code == 0, stderr
    assert "2 records" in stdout and "exporting: 2/2 documents" in stderr
    assert pq.read_table(out).column("doc_type").to_pylist() == ["工作计划", "工作要点"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--doc-type", "通知"], "通知 (one of 工作总结"),
        (["--since", "2024/01/01"], "--since"),
        (["--format", "jsonl", "--single-file"], "--single-file applies to the txt format"),
    ],
)
def test_cli_errors_are_one_line(db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    base = ["export", "--db", str(db), "--out", str(tmp_path / "x")]
    if "--format" not in args:
        base += ["--format", "txt"]
    code, _, stderr = run(*base, *args)
    assert code != 0 and message in stderr and "Traceback" not in stderr


def test_cli_will_not_replace_a_folder_it_did_not_write(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, _, stderr = run("export", "--db", str(db), "--format", "txt", "--out", str(folder))
    assert code == 1 and "not an earlier export" in stderr
    assert (folder / "notes.txt").read_text() == "keep me"
    code, _, stderr = run("export", "--db", str(tmp_path / "none.db"), "--format", "txt",
                          "--out", str(folder))  # fmt: skip
    assert code == 1 and "no archive here" in stderr
