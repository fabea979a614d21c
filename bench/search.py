"""Search latency on a large synthetic archive: p50 and p95 per term, ours and the peers'.

    python bench/search.py [--docs 100000] [--db data/bench-search.db] [--runs 30]

Builds (once, then reuses) an archive of synthetic work documents through the real schema
and its triggers, then times what Datasette runs for `?_search=` on `documents`: the first
page of rows (sorted by published) and the count. Ours is `documents_search` (one token
per character, the query rewritten by `archive.search.fts_query`); the peer is the default:
the trigram FTS table `documents_fts` for terms of three or more characters, and LIKE on
the text for shorter ones, which the trigram index cannot serve.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.search import fts_query  # noqa: E402
from archive.store import Archive  # noqa: E402
from crawler.script import to_simplified  # noqa: E402

PHRASES = [
    "卫生健康",
    "工作总结",
    "医疗保障",
    "医保基金",
    "疾病预防控制",
    "基本公共卫生服务",
    "家庭医生签约",
    "公立医院改革",
    "妇幼保健",
    "爱国卫生运动",
    "健康教育",
    "中医药",
    "传染病防控",
    "疫苗接种",
    "卫生监督",
    "分级诊疗",
    "医联体",
    "基层医疗卫生机构",
    "人才队伍建设",
    "信息化建设",
    "全民健康",
    "慢性病管理",
    "老年健康",
    "食品安全",
    "职业病防治",
    "精神卫生",
    "院前急救",
    "血液管理",
    "药品供应",
    "健康档案",
    "下一步工作计划",
    "存在的问题",
    "主要成效",
]
FILLER = "的一是在了和有为上年区县市全面推进加强完善落实开展提升服务能力水平建设管理体系机制"
REGIONS = ["枫林区", "清源县", "江州市", "澄溪区", "成华区", "鲤城区", "海淀区", "浦东新区"]
TERMS = {
    "short": ["疾", "卫生", "医保", "衛生"],
    "long": ["疾病预防", "醫療保障", "基本公共卫生服务"],
}
SORTED_PAGE = "SELECT id, title FROM documents WHERE {where} ORDER BY published DESC LIMIT 51"
COUNT = "SELECT count(*) FROM documents WHERE {where}"


def synthetic(rng: random.Random, n: int) -> tuple:
    """One synthetic document row: about 300 to 900 characters, a tenth in traditional."""
    words = []
    for _ in range(rng.randint(20, 60)):
        words.append(rng.choice(PHRASES))
        words.append("".join(rng.choices(FILLER, k=rng.randint(3, 12))))
        if rng.random() < 0.1:
            words.append("。\n")
    text = "".join(words)
    year = rng.randint(2015, 2025)
    region = rng.choice(REGIONS)
    title = f"{region}卫生健康局{year}年工作总结"
    script = "simplified"
    if n % 10 == 0:  # stored in traditional: its simplified copy is what is searched
        text = text.replace("卫生", "衛生").replace("医疗", "醫療").replace("医保", "醫保")
        script = "traditional"
    published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    sha = hashlib.sha256(text.encode()).hexdigest()
    simplified = to_simplified(text) if script == "traditional" else text
    return (title, text, simplified, sha, region, year, "工作总结", published, script, len(text))


def build(db: Path, docs: int) -> None:
    """Create the archive (schema and triggers from the migrations) and fill it."""
    Archive(db).close()
    conn = sqlite3.connect(db)
    have = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    rng = random.Random(7 + have)
    started = time.perf_counter()
    batch = 2000
    for start in range(have, docs, batch):
        rows = [synthetic(rng, n) for n in range(start, min(docs, start + batch))]
        with conn:
            conn.executemany(
                "INSERT OR IGNORE INTO documents (title, text, text_simplified, sha256, region,"
                " year, doc_type, published, script, chars) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        done = start + len(rows)
        rate = (done - have) / (time.perf_counter() - started)
        print(f"\r  built {done:,}/{docs:,} documents ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    conn.execute("ANALYZE")
    conn.close()


def peer_where(term: str) -> tuple[str, tuple]:
    """The default approach: trigram FTS for three characters or more, LIKE below."""
    if len(term) >= 3:
        return (
            "rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)",
            ('"' + term + '"',),
        )
    return "(title LIKE ? OR text LIKE ?)", (f"%{term}%", f"%{term}%")


def ours_where(term: str) -> tuple[str, tuple]:
    return (
        "id IN (SELECT rowid FROM documents_search WHERE documents_search MATCH ?)",
        (fts_query(term),),
    )


def timed(conn: sqlite3.Connection, where: str, params: tuple, runs: int) -> tuple[list, int]:
    """Milliseconds of (first page + count) for each run, and the count."""
    times, count = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(SORTED_PAGE.format(where=where), params).fetchall()
        count = conn.execute(COUNT.format(where=where), params).fetchone()[0]
        times.append((time.perf_counter() - started) * 1000)
    return times, count


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "bench-search.db")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    build(args.db, args.docs)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    print(f"{total:,} documents, {args.db.stat().st_size / 2**20:,.0f} MiB; {args.runs} runs")
    print(f"{'term':<10} {'kind':<6} {'approach':<14} {'found':>8} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for kind, terms in TERMS.items():
        for term in terms:
            for name, where_of in (("ours", ours_where), ("trigram/LIKE", peer_where)):
                where, params = where_of(term)
                runs = args.runs if name == "ours" else max(3, args.runs // 5)
                times, count = timed(conn, where, params, runs)
                p50, p95 = statistics.median(times), percentile(times, 95)
                if name == "ours":
                    worst = max(worst, p95)
                print(f"{term:<10} {kind:<6} {name:<14} {count:>8,} {p50:>8.1f} {p95:>8.1f}")
    print(f"worst p95 of ours: {worst:.1f} ms (goal < 200 ms)")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
