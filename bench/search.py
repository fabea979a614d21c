"""Search latency in Datasette on a large archive: p50 and p95 per term, ours and stock.

    python bench/search.py [--docs 100000] [--db data/bench-search.db] [--runs 10]

Builds (once, then reuses) an archive of synthetic work documents through the real schema
and its triggers, starts Datasette on it as `crawler serve` does, and times what a person
waits for: the whole `documents.json?_search=TERM` response (rows, count and the seven
default facets). "cold" is a term's first search since the server started; "warm" repeats
it. The peer is Datasette's stock table search over the same index (`?_fts_table=`:
`id IN (SELECT rowid ... MATCH ...)`, run again by every statement of the page), measured
in the same run. Also prints the server's peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.serve import datasette_args  # noqa: E402
from archive.store import Archive  # noqa: E402
from crawler.text.chinese_script import to_simplified  # noqa: E402

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
REGIONS = {
    "四川省": ["成华区", "青羊区", "江油市"],
    "福建省": ["鲤城区", "鼓楼区"],
    "北京市": ["海淀区", "朝阳区"],
    "上海市": ["浦东新区"],
    None: ["枫林区", "清源县"],
}
SITES = ["wjw.example.gov.cn", "www.fanwen.example.com", "wenku.example.com", "docin.example.com"]
PERIODS = ["年度", "年度", "年度", "上半年", "下半年", "季度"]
DOC_TYPES = ["工作总结", "工作总结", "工作计划", "工作要点", "工作报告"]
# terms of 1, 2, 4 and more characters, typed in either script; the last three are rare
# (place names, in titles only)
TERMS = ["疾", "衛", "药", "卫生", "医保", "衛生", "疫苗", "醫保", "疾病预防", "醫療保障",
         "健康教育", "妇幼保健", "院前急救", "基本公共卫生服务", "家庭醫生簽約",
         "江油", "浦東新區", "鲤城区卫生健康局"]  # fmt: skip


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
    province = rng.choice(list(REGIONS))
    region = rng.choice(REGIONS[province])
    doc_type = rng.choice(DOC_TYPES)
    title = f"{region}卫生健康局{year}年{doc_type}"
    script = "simplified"
    if n % 10 == 0:  # stored in traditional: its simplified copy is what is searched
        text = text.replace("卫生", "衛生").replace("医疗", "醫療").replace("医保", "醫保")
        title = title.replace("卫生", "衛生")
        script = "traditional"
    published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    sha = hashlib.sha256(text.encode()).hexdigest()
    simplified = to_simplified(text) if script == "traditional" else text
    sources = json.dumps(sorted(rng.sample(SITES, rng.randint(1, 3))))
    period = rng.choice(PERIODS)
    return (title, text, simplified, sha, region, province, year, period, doc_type, published,
            script, len(text), sources)  # fmt: skip


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
                " province, year, period, doc_type, published, script, chars, sources)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        done = start + len(rows)
        rate = (done - have) / (time.perf_counter() - started)
        print(f"\r  built {done:,}/{docs:,} documents ({rate:,.0f}/s)", end="", file=sys.stderr)
    if docs > have:
        print(file=sys.stderr)
        conn.execute("ANALYZE")
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """Datasette on the archive, started as `crawler serve` starts it."""

    def __init__(self, db: Path, tmp: Path) -> None:
        port = free_port()
        self.proc = subprocess.Popen(
            datasette_args(db, tmp, port=port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}/{db.stem}/documents.json"
        for _ in range(300):
            try:
                self.get("_size=0&_nofacet=1")
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("Datasette did not start")

    def get(self, query: str) -> tuple[float, dict]:
        started = time.perf_counter()
        with urllib.request.urlopen(f"{self.base}?{query}", timeout=120) as response:
            body = response.read()
        return (time.perf_counter() - started) * 1000, json.loads(body)

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def search(term: str, stock: bool = False) -> str:
    query = {"_search": term, "_size": "50"}
    if stock:  # Datasette's own filter over the same index (the plugin steps aside)
        query |= {"_fts_table": "documents_search", "_fts_pk": "id"}
    return urllib.parse.urlencode(query)


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "bench-search.db")
    parser.add_argument("--runs", type=int, default=10, help="warm runs of each term")
    parser.add_argument("--stock-runs", type=int, default=2, help="runs of the stock search")
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    build(args.db, args.docs)
    total = sqlite3.connect(args.db).execute("SELECT count(*) FROM documents").fetchone()[0]
    size = args.db.stat().st_size / 2**20
    print(f"{total:,} documents, {size:,.0f} MiB; whole documents.json responses, 7 facets")
    print(f"{'term':<10} {'found':>7} {'cold ms':>8} {'warm p50':>9} {'warm p95':>9}"
          f" {'stock p50':>10} {'stock/ours':>10}")  # fmt: skip
    cold, warm, stock = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        served = Served(args.db, Path(tmp))
        try:
            served.get("_size=50")  # the unfiltered page, as a person first sees it
            for term in TERMS:
                first, data = served.get(search(term))
                found = data["filtered_table_rows_count"]
                assert len(data["facet_results"]) == 7, f"a facet timed out on {term}"
                times = [served.get(search(term))[0] for _ in range(args.runs)]
                peer = []
                for _ in range(args.stock_runs):
                    ms, theirs = served.get(search(term, stock=True))
                    assert theirs["filtered_table_rows_count"] == found, term
                    peer.append(ms)
                cold.append(first)
                warm.extend(times)
                stock.extend(peer)
                p50 = statistics.median(times)
                ratio = statistics.median(peer) / p50
                print(f"{term:<10} {found:>7,} {first:>8.0f} {p50:>9.0f}"
                      f" {percentile(times, 95):>9.0f} {statistics.median(peer):>10.0f}"
                      f" {ratio:>9.1f}x")  # fmt: skip
            after_write = []
            for _ in range(3):  # a crawl commits: the next search reloads what it holds
                with sqlite3.connect(args.db) as conn:
                    conn.execute("UPDATE documents SET title = title WHERE id = 1")
                after_write.append(served.get(search(TERMS[0]))[0])
            rss = served.peak_rss_mib()
        finally:
            served.close()
    print(f"ours, cold: p50 {statistics.median(cold):.0f} ms, p95 {percentile(cold, 95):.0f} ms")
    print(f"ours, warm: p50 {statistics.median(warm):.0f} ms, p95 {percentile(warm, 95):.0f} ms")
    print(f"stock:      p50 {statistics.median(stock):.0f} ms, p95 {percentile(stock, 95):.0f} ms"
          f" ({percentile(stock, 95) / percentile(cold + warm, 95):.1f}x ours)")  # fmt: skip
    print(f"first search after a write to the archive ({TERMS[0]}): "
          f"{statistics.median(after_write):.0f} ms (median of 3)")  # fmt: skip
    print(f"Datasette peak RSS {rss:.0f} MiB; goal: p95 < 200 ms on 100,000 documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
