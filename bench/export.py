"""Export speed and peak memory on a large synthetic archive, ours and naive peers'.

    python bench/export.py [--docs 100000] [--db data/bench-export.db] [--out data/bench-export]

Builds (once, then reuses) an archive of synthetic work documents of 3,000-5,000
characters through the real schema (rows inserted in bulk with the search-index triggers
dropped: the export never reads the search tables), one sighting or two per document and a
near-duplicate cluster every tenth document. Then runs each export in a fresh process and
reports wall time and peak RSS: `crawler export` in jsonl, parquet, txt (single file) and
txt (folder), and in the same run the peers: a naive `sqlite3` loop with `json.dumps` (no
filters, no URLs, no dedup), and `fetchall` of the main columns into one pyarrow table
written with `pq.write_table` (all rows in memory), with ours÷peer ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHRASES = [
    *("卫生健康", "工作总结", "医疗保障", "疾病预防控制", "基本公共卫生服务", "家庭医生签约"),
    *("公立医院改革", "妇幼保健", "爱国卫生运动", "健康教育", "中医药", "传染病防控"),
    *("疫苗接种", "卫生监督", "分级诊疗", "医联体", "基层医疗卫生机构", "人才队伍建设"),
    *("信息化建设", "全民健康", "慢性病管理", "老年健康", "職業病防治"),
]
REGIONS = ("成华区", "鲤城区", "湖州市", "海淀区", "浦东新区", "余杭区", "江北区", "武侯区")
PROVINCES = ("四川省", "福建省", "浙江省", "北京市", "上海市", "重庆市")
DOC_TYPES = ("工作总结", "工作报告", "工作计划", "工作要点", "讲话")
PERIODS = ("年度", "上半年", "下半年", None)


def paragraphs(rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        words = [rng.choice(PHRASES) for _ in range(rng.randint(20, 40))]
        out.append("".join(w + rng.choice("，，，。；") for w in words) + "。")
    return out


def build(db: Path, docs: int) -> None:
    """The synthetic archive, inserted in bulk (a few seconds per 10,000 documents)."""
    from archive.store import Archive

    rng = random.Random(8)
    pool = paragraphs(rng, 400)
    db.unlink(missing_ok=True)
    with Archive(db) as a:
        conn = a.conn
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        a.finish_run(a.start_run("bench"), "finished")
        with conn:
            for start in range(1, docs + 1, 5000):
                rows, seen = [], []
                for i in range(start, min(start + 5000, docs + 1)):
                    lines, size = [f"第{i}号 卫生健康工作总结"], 0
                    target = rng.randint(3000, 5000)
                    while size < target:
                        lines.append(rng.choice(pool))
                        size += len(lines[-1])
                    text = "\n".join(lines)
                    cluster = i - 1 if i % 10 == 0 else i  # every tenth joins the one before
                    year = rng.choice((2019, 2020, 2021, 2022, 2023, 2024))
                    rows.append(
                        (i, f"{rng.choice(REGIONS)}{year}年{rng.choice(DOC_TYPES)}", text,
                         f"{i:064x}", cluster, int(cluster == i), rng.choice(REGIONS),
                         rng.choice(PROVINCES), year, rng.choice(PERIODS), rng.choice(DOC_TYPES),
                         f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", len(text),
                         text)
                    )  # fmt: skip
                    for k in range(1 + (i % 3 == 0)):
                        seen.append((i, f"http://site{k}.example/{i}.html", f"site{k}"))
                conn.executemany(
                    "INSERT INTO documents (id, title, text, sha256, cluster_id, canonical,"
                    " region, province, year, period, doc_type, published, chars,"
                    " text_simplified, script, relevant, is_template, truncated, garbled, spun,"
                    " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " 'simplified', 1, 0, 0, 0.0, 0, '2024-01-01', '2024-01-01')",
                    rows,
                )
                conn.executemany(
                    "INSERT INTO sightings (document_id, url, source, fetched_at)"
                    " VALUES (?, ?, ?, '2024-01-01T00:00:00+00:00')",
                    seen,
                )
    print(f"built {db} ({docs} documents, {db.stat().st_size / 1e9:.2f} GB)", file=sys.stderr)


NAIVE_JSONL = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for row in conn.execute("SELECT * FROM documents WHERE relevant = 1 ORDER BY id"):
        record = {k: row[k] for k in row.keys() if k != "text_simplified"}
        f.write(json.dumps(record, ensure_ascii=False) + "\\n")
"""
ARROW_PARQUET = """
import sqlite3, sys
import pyarrow as pa, pyarrow.parquet as pq
conn = sqlite3.connect(sys.argv[1])
cur = conn.execute("SELECT id, title, text, sha256, cluster_id, region, province, year,"
                   " period, doc_type, published, chars FROM documents WHERE relevant = 1"
                   " ORDER BY id")
names = [d[0] for d in cur.description]
table = pa.Table.from_pylist([dict(zip(names, row)) for row in cur.fetchall()])
pq.write_table(table, sys.argv[2], compression="zstd")
"""


def measure(args: list[str], out: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS (MiB) and output size of one command in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else out.stat().st_size
    return seconds, usage.ru_maxrss / 1024, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "bench-export.db")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench-export")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-folder", action="store_true", help="No txt folder run.")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        build(args.db, args.docs)
        return 0
    if args.rebuild or not args.db.exists():
        # in its own process: Linux keeps a process's peak RSS across exec, so a big parent
        # would raise every measured child's figure
        build_args = ["--build-only", "--docs", str(args.docs), "--db", str(args.db)]
        subprocess.run([sys.executable, __file__, *build_args], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    crawler = [sys.executable, "-m", "crawler", "export", "--db", str(args.db), "--no-progress"]
    runs: list[tuple[str, list[str], Path]] = [
        ("ours jsonl", [*crawler, "--format", "jsonl"], args.out / "c.jsonl"),
        ("ours parquet", [*crawler, "--format", "parquet"], args.out / "c.parquet"),
        ("ours txt single file", [*crawler, "--format", "txt", "--single-file"],
         args.out / "c.txt"),
        ("ours txt folder", [*crawler, "--format", "txt"], args.out / "txt"),
        ("peer sqlite3+json.dumps", [sys.executable, "-c", NAIVE_JSONL, str(args.db)],
         args.out / "naive.jsonl"),
        ("peer fetchall+pyarrow table", [sys.executable, "-c", ARROW_PARQUET, str(args.db)],
         args.out / "arrow.parquet"),
    ]  # fmt: skip
    if args.skip_folder:
        runs = [r for r in runs if r[0] != "ours txt folder"]
    results = {}
    print(f"{'run':<34}{'seconds':>9}{'docs/s':>9}{'peak MiB':>10}{'output MB':>11}")
    for name, command, out in runs:
        command = [*command, "--out", str(out)] if name.startswith("ours") else [*command, str(out)]
        seconds, peak, size = measure(command, out)
        results[name] = (seconds, peak)
        rate = args.docs / seconds
        print(f"{name:<34}{seconds:>9.1f}{rate:>9.0f}{peak:>10.0f}{size / 1e6:>11.0f}")
    for ours, peer in (
        ("ours jsonl", "peer sqlite3+json.dumps"),
        ("ours parquet", "peer fetchall+pyarrow table"),
    ):
        (s1, m1), (s2, m2) = results[ours], results[peer]
        print(f"{ours} / {peer}: time {s1 / s2:.2f}, peak memory {m1 / m2:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
