"""Near-duplicate clustering at scale, against brute force, and the figures behind its parameters.

    python bench/dedup.py [--docs 100000] [--sample 1000] [--db PATH]
    python bench/dedup.py --labeled

The default run writes a real archive (schema, migrations, triggers) and sends synthetic
work reports of 3,000 to 10,000 characters through the index one at a time, as a crawl
does: each is sketched, stored, looked up, verified, clustered and committed before the
next arrives (`NearDuplicates.add_sketch`; the documents rows carry the metadata but no
text, which the index never reads back). About 30% are copies of an earlier report
(previews cut at 20-60%, figures changed, chrome lines added, paragraphs swapped), 5% are
the next year's report of a bureau re-using 40% of its sentences with new figures, 5%
fill one of 100 范文 templates in for another county; every report opens with one of a
few formulaic sentences and draws 10% of its sentences from a pool of genre boilerplate.
It prints the time and the per-document cost at 10k, 30k and 100k documents, the peak
memory, pairwise precision and recall against the generator's truth, and a brute-force
baseline: every pair of the first `--sample` documents verified with the same rule,
compared with what the LSH index found for them, and its time extrapolated.

--labeled prints the measurements the thresholds were chosen from (tests/pages/dedup):
Jaccard, containment and shared figures of copies and of different reports for several
n-gram sizes, and precision and recall with the metadata given, derived by describe(), or
withheld.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive import minhash  # noqa: E402
from archive.dedup import linked  # noqa: E402
from archive.store import Archive  # noqa: E402

MILESTONES = (10_000, 30_000, 100_000)
WINDOW = 1000  # documents over which the per-document cost is averaged
TRANSACTIONS = 200  # documents before each milestone committed one by one, as a crawl does

# --- synthetic reports -------------------------------------------------------------------

_FIRST = "枫青清澄江石桃柳白龙凤云金玉长安平和新丰宁泰华兴永东西南北明光德福顺昌盛鹤松梅"
_SECOND = "林禾源溪州门园塘鹭山阳城水河湖川江岭峰台桥沙田坪湾港口浦洲滨谷原"
_SUFFIX = "区县市"
_UNITS = [
    "区人民医院", "县中医医院", "社区卫生服务中心", "疾病预防控制中心", "妇幼保健院", "乡镇卫生院",
    "家庭医生团队", "医共体牵头医院", "卫生监督所", "急救中心", "精神卫生中心", "村卫生室",
    "中心血站", "健康教育所", "老年病医院", "儿童医院",
]  # fmt: skip
_ACTIONS = [
    "完成{}个业务用房改造项目", "新增床位{}张", "开展新技术新项目{}项", "培训基层医务人员{}人次",
    "接诊患者{}万人次", "建成标准化示范点{}个", "下沉专家{}名", "签约服务重点人群{}万人",
    "投入资金{}万元", "监督检查单位{}家次", "完成健康体检{}人", "组建专科联盟{}个",
    "引进高层次人才{}名", "开展义诊活动{}场次", "规范管理率达到{}%", "建档率达到{}%",
    "接种疫苗{}剂次", "出动监督员{}人次", "办结群众诉求{}件", "配备设备{}台",
]  # fmt: skip
_OPENINGS = [  # the formulaic first sentences every bureau writes
    "{y}年，{p}卫生健康局在区委、区政府的坚强领导下，坚持以人民健康为中心，",
    "今年以来，{p}卫生健康局紧紧围绕年初确定的目标任务，坚持稳中求进，",
    "{y}年，{p}卫生健康委员会认真贯彻落实党的二十大精神，统筹推进各项工作，",
    "{y}年是实施“十四五”规划的关键一年，{p}卫健委聚焦群众看病就医急难愁盼问题，",
]
_BOILERPLATE = [
    "坚持以人民健康为中心，深化医药卫生体制改革",
    "全面贯彻党的二十大精神，认真落实新时代党的卫生与健康工作方针",
    "推动优质医疗资源扩容下沉和区域均衡布局",
    "持续做实基本公共卫生服务和家庭医生签约服务",
    "加快疾病预防控制体系现代化建设，提升重大疫情监测预警和应急处置能力",
    "扩大普惠托育服务供给，完善生育支持政策体系",
    "深入开展医药领域腐败问题集中整治，加强医疗卫生行业综合监管",
    "加强卫生健康人才队伍建设，为建设健康城市提供坚实保障",
    "推进紧密型县域医共体建设，提升基层医疗卫生服务能力",
    "实施中医药传承创新工程，推动中医药事业高质量发展",
]
_CHROME = [
    "本文由青藤范文网会员上传，仅供学习参考。",
    "此文档由用户上传，如有侵权请联系删除。",
    "更多工作总结范文，请关注本站工作总结栏目。",
    "下载文档到电脑，查找使用更方便。",
]
_HEADINGS = "一二三四五六七八"
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def place(rng: random.Random) -> str:
    return rng.choice(_FIRST) + rng.choice(_SECOND) + rng.choice(_SUFFIX)


def sentence(rng: random.Random) -> str:
    """A sentence of a report: a unit, what it did, a figure (one in ten is boilerplate)."""
    if rng.random() < 0.1:
        return rng.choice(_BOILERPLATE) + "。"
    figure = rng.randint(2, 9999) if rng.random() < 0.7 else round(rng.uniform(1, 99), 1)
    lead = rng.choice(("全年", "上半年", "截至目前", "其中", "同时", "", "", ""))
    return f"{lead}{rng.choice(_UNITS)}{rng.choice(_ACTIONS).format(figure)}。"


_POOL: list[str] = []


def pool() -> list[str]:
    """200,000 sentences made once; reports draw from them (fast, and some repeat)."""
    if not _POOL:
        rng = random.Random(0)
        _POOL.extend(sentence(rng) for _ in range(200_000))
    return _POOL


def report(seed: int, *, template: bool = False) -> tuple[str, str, int]:
    """A synthetic work report: (text, region, year), the same for the same seed."""
    rng = random.Random(seed)
    region, year = place(rng), rng.randint(2019, 2024)
    target = rng.randint(3000, 10000)
    paras = [rng.choice(_OPENINGS).format(y=year, p=region) + rng.choice(_BOILERPLATE) + "。"]
    size, section = len(paras[0]), 0
    while size < target:
        if rng.random() < 0.15 and section < len(_HEADINGS):
            topic = rng.choice(("工作", "建设"))
            paras.append(f"{_HEADINGS[section]}、{rng.choice(_UNITS)}{topic}")
            section += 1
        para = "".join(rng.choices(pool(), k=rng.randint(3, 8)))
        paras.append(para)
        size += len(para)
    text = "\n".join(paras)
    if template:
        text = _FIGURE.sub("xx", text)
    return text, region, year


def variant(text: str, rng: random.Random) -> tuple[str, bool]:
    """A copy as the reposting sites make them: (text, truncated)."""
    paras = text.split("\n")
    kind = rng.random()
    if kind < 0.3:  # a preview
        cut = int(len(text) * rng.uniform(0.2, 0.6))
        return text[:cut], True
    if kind < 0.55:  # figures changed
        spots = list(_FIGURE.finditer(text))
        changed = rng.sample(spots, min(len(spots), rng.randint(2, 6)))
        for m in sorted(changed, key=lambda m: -m.start()):
            text = text[: m.start()] + str(rng.randint(2, 9999)) + text[m.end() :]
        return text, False
    if kind < 0.8:  # chrome lines
        paras.insert(0, rng.choice(_CHROME))
        paras.insert(rng.randrange(1, len(paras)), rng.choice(_CHROME))
        paras.append(rng.choice(_CHROME))
        return "\n".join(paras), False
    i = rng.randrange(1, max(2, len(paras) - 1))  # two paragraphs swapped
    paras[i : i + 2] = paras[i : i + 2][::-1]
    return "\n".join(paras), False


def next_year(seed: int, rng: random.Random) -> tuple[str, str, int]:
    """The same bureau's next report: 40% of its sentences again, every figure new."""
    text, region, year = report(seed)
    sentences = [s for s in re.split(r"(?<=。)", text) if s]
    kept = [
        _FIGURE.sub(lambda _: str(rng.randint(2, 9999)), s) for s in sentences if rng.random() < 0.4
    ]
    fresh = [sentence(rng) for _ in range(len(sentences) - len(kept))]
    mixed = kept + fresh
    rng.shuffle(mixed)
    return "".join(mixed), region, year + 1


def _kind(index: int) -> float:
    return 1.0 if index == 0 else random.Random(index * 7919 + 1).random()


def _original_before(index: int, rng: random.Random) -> int:
    """A random earlier document that is an original report (document 0 always is)."""
    j = rng.randrange(index)
    while _kind(j) < 0.40:
        j -= 1
    return j


def document(index: int) -> dict[str, Any]:
    """Document `index` of the synthetic archive and its true cluster, from `index` alone."""
    rng, roll = random.Random(index), _kind(index)
    truncated = False
    if roll < 0.30:  # a copy of an earlier report
        family = _original_before(index, rng)
        base, region, year = report(family)
        text, truncated = variant(base, rng)
    elif roll < 0.35:  # an earlier report's bureau, the next year
        text, region, year = next_year(_original_before(index, rng), rng)
        family = -index - 1
    elif roll < 0.40:  # one of 100 范文 templates, filled in by some county
        blank, _, year = report(10**9 + rng.randrange(100), template=True)
        text = re.sub("xx", lambda _: str(rng.randint(2, 999)), blank)
        region, family = place(rng), -index - 1
    else:
        text, region, year = report(index)
        family = index
    return {
        "text": text,
        "region": region,
        "year": year,
        "is_template": 0,
        "truncated": int(truncated),
        "family": family,
        "official": rng.random() < 0.3,
    }


def prepared(index: int) -> tuple[dict[str, Any], minhash.Sketch, float, float]:
    """Worker: document `index` and its sketch; (fields, sketch, CPU seconds to make each)."""
    t0 = time.process_time()
    doc = document(index)
    t1 = time.process_time()
    sk = minhash.sketch(doc["text"])
    t2 = time.process_time()
    doc["chars"] = len(doc.pop("text"))
    return doc, sk, t1 - t0, t2 - t1


# --- the run -----------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def pairwise(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall from cluster labels, by counting, not by pairs."""

    def pairs(*labels: np.ndarray) -> int:
        _, counts = np.unique(np.stack(labels), axis=1, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    both, predicted, actual = pairs(pred, true), pairs(pred), pairs(true)
    return both / predicted if predicted else 1.0, both / actual if actual else 1.0


def _stream(workers: Any, docs: int, batch: int = 1024) -> Any:
    """The prepared documents in order, at most two batches ahead of the consumer."""
    pending = workers.map_async(prepared, range(min(batch, docs)), chunksize=32)
    for start in range(0, docs, batch):
        ready = pending.get()
        if start + batch < docs:
            stop = min(start + 2 * batch, docs)
            pending = workers.map_async(prepared, range(start + batch, stop), chunksize=32)
        yield from ready


def run(
    docs: int,
    sample: int,
    path: Path,
    commit_every: int = 1000,
    workers: int = 2,
    cache_mb: int = 0,
) -> None:
    pool()
    archive = Archive(path)
    near, conn = archive.near, archive.conn
    truth = np.zeros(docs, dtype=np.int64)
    kept: list[tuple[Any, ...]] = []  # the first `sample` documents, for the baseline
    started = time.perf_counter()
    indexing = indexing_cpu = making = sketching = 0.0
    last = started
    batched: list[float] = []  # wall time per document over the last WINDOW documents
    cpu: list[float] = []  # CPU time of indexing them, in this process
    alone: list[float] = []  # index time of the documents committed one by one
    print(f"load average {os.getloadavg()[0]:.2f} (other processes slow every figure down)")
    print(
        f"archive {path}; {docs} synthetic documents; texts made and sketched by {workers}"
        " worker processes, indexed and clustered in this one"
    )
    print(
        f"{'documents':>10} {'elapsed s':>10} {'ms/doc':>7} {'index ms/doc':>13}"
        f" {'index CPU ms/doc':>17} {'own transaction':>16} {'peak MB':>8}",
        flush=True,
    )
    if cache_mb:
        conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
    with multiprocessing.Pool(workers, initializer=pool) as workers_pool:
        window_index: list[float] = []
        for index, (doc, sk, made, sketched) in enumerate(_stream(workers_pool, docs)):
            done = index + 1
            milestone = min(m for m in (*MILESTONES, docs) if m >= done)
            own = milestone - done < TRANSACTIONS
            making += made
            sketching += sketched
            truth[index] = doc["family"]
            host = "wsjkj.example.gov.cn" if doc["official"] else "www.fanwen-example.com"
            t0 = time.perf_counter()
            document_id = index + 1  # as the store inserts it: its own cluster, canonical
            conn.execute(
                "INSERT INTO documents (id, cluster_id, canonical, text, sha256, region, year,"
                " is_template, truncated, chars, first_seen, last_seen)"
                " VALUES (?1, ?1, 1, '', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document_id,
                    f"{index:064x}",
                    doc["region"],
                    doc["year"],
                    doc["is_template"],
                    doc["truncated"],
                    doc["chars"],
                    f"{index:09d}",
                    f"{index:09d}",
                ),
            )
            conn.execute(
                "INSERT INTO sightings (document_id, url, source, fetched_at) VALUES (?, ?, ?, ?)",
                (document_id, f"https://{host}/{index}.html", "bench", f"{index:09d}"),
            )
            if own:
                conn.commit()  # the rows; the clustering commits on its own, as a crawl's would
            t1, c1 = time.perf_counter(), time.process_time()
            meta = (doc["region"], doc["year"], int(doc["is_template"] or sk.template))
            near.add_sketch(document_id, f"{index:064x}", sk, meta)
            if own or done % commit_every == 0 or done == docs:
                conn.commit()
            t2, c2 = time.perf_counter(), time.process_time()
            indexing += t2 - t1
            indexing_cpu += c2 - c1
            if own:
                alone.append(t2 - t1)
            else:
                batched = [*batched[-(WINDOW - 1) :], t2 - last]
                window_index = [*window_index[-(WINDOW - 1) :], t2 - t1]
                cpu = [*cpu[-(WINDOW - 1) :], c2 - c1]
            last = t2
            if index < sample:
                kept.append((document_id, sk.sample, sk.sample_bits, sk.numbers, meta))
            if done == milestone:
                print(
                    f"{done:>10} {t2 - started:>10.1f} {1000 * np.mean(batched):>7.2f}"
                    f" {1000 * np.mean(window_index):>13.2f} {1000 * np.mean(cpu):>17.2f}"
                    f" {1000 * np.mean(alone):>16.2f}"
                    f" {peak_mb():>8.0f}",
                    flush=True,
                )
                alone = []
    total = time.perf_counter() - started
    rows = dict(conn.execute("SELECT id, cluster_id FROM documents"))
    pred = np.array([rows[i + 1] for i in range(docs)], dtype=np.int64)
    precision, recall = pairwise(pred, truth)
    bands = conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0]
    links = conn.execute("SELECT count(*) FROM near_duplicates").fetchone()[0]
    sizes = Counter(Counter(pred.tolist()).values())
    print(
        f"total {total:.1f}s for {docs} documents ({1000 * total / docs:.2f} ms each):"
        f" sketching {sketching:.1f}s CPU ({1000 * sketching / docs:.2f} ms/doc) and making"
        f" the texts {making:.1f}s CPU in the workers; indexing and clustering"
        f" {indexing:.1f}s ({1000 * indexing / docs:.2f} ms/doc; CPU {indexing_cpu:.1f}s)"
        f" here; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"peak memory {peak_mb():.0f} MB here, {children_mb():.0f} MB the largest worker;"
        f" archive {path.stat().st_size / 1e6:.0f} MB, {bands} band keys"
        f" ({bands / docs:.1f} per document), {links} links"
    )
    print(
        f"clusters: {sum(n for s, n in sizes.items() if s > 1)} of 2 or more documents,"
        f" the largest {max(sizes)}; pairwise precision {precision:.4f} recall {recall:.4f}"
    )
    t0 = time.perf_counter()
    archive.close()
    with Archive(path) as reopened:
        reopened.conn.execute("SELECT count(*) FROM lsh_bands").fetchone()
    print(
        f"reopening the archive: {time.perf_counter() - t0:.2f}s (the index is SQL, nothing"
        " is loaded)"
    )
    baseline(kept, path)


def baseline(kept: list[tuple[Any, ...]], path: Path) -> None:
    """Every pair of the sample verified with the same rule, against what the index found."""
    from archive.dedup import _compatible

    n = len(kept)
    t0 = time.perf_counter()
    found = set()
    for a, b in itertools.combinations(kept, 2):
        sim = minhash.similarity(a[1:4], b[1:4])
        if linked(sim) and _compatible([a[4], b[4]]):
            found.add((a[0], b[0]))
    brute = time.perf_counter() - t0
    ids = [k[0] for k in kept]
    with Archive(path) as archive:
        edges = {
            (min(x, y), max(x, y))
            for x, y in archive.conn.execute(
                "SELECT document_id, other_id FROM near_duplicates"
                " WHERE document_id <= ? AND other_id <= ?",
                (max(ids), max(ids)),
            )
        }
    both = len(found & edges)
    pairs = n * (n - 1) // 2
    per_pair = brute / pairs
    print(
        f"brute force on the first {n} documents: {pairs} pairs in {brute:.1f}s"
        f" ({1e6 * per_pair:.1f} µs a pair); {len(found)} linked pairs, of which the LSH"
        f" index found {both} ({both / len(found) if found else 1:.3f}) and {len(edges - found)}"
        " more"
    )
    print(
        f"brute force for 100,000 documents: {per_pair * 100_000**2 / 2 / 3600:.1f} hours"
        " (every new document against every earlier one)"
    )


# --- the labeled set -----------------------------------------------------------------------


def labeled_report() -> None:
    """The measurements the n-gram size and the thresholds come from."""
    import importlib.util

    from archive.store import Sighting
    from crawler.text.chinese_script import to_simplified
    from crawler.text.describe import describe

    spec = importlib.util.spec_from_file_location(
        "dedup_labeled", ROOT / "tests" / "pages" / "dedup" / "labeled.py"
    )
    assert spec and spec.loader
    labeled = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = labeled
    spec.loader.exec_module(labeled)
    copies = labeled.load()
    fills = ("shimen", "taoyuan", "bailu", "liutang", "template")
    print(f"{len(copies)} documents in {len({c.cluster for c in copies})} clusters")
    texts = [minhash.shingle_text(to_simplified(c.text)) for c in copies]
    cut = ("truncate", "prefix")
    print("Jaccard of the 5-gram sets (exact), by n-gram size:")
    print(
        f"{'n':>3} {'copies min':>11} {'p5':>6} {'other reports p99':>18} {'max':>6}"
        f" {'template fills max':>19}"
    )
    for n in (3, 4, 5, 6, 8):
        sets = [{t[i : i + n] for i in range(len(t) - n + 1)} for t in texts]
        copies_j, other_j, fill_j = [], [], []
        for a, b in itertools.combinations(range(len(copies)), 2):
            x, y = copies[a], copies[b]
            j = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
            if x.cluster == y.cluster:
                if not any(k in x.edits + y.edits for k in cut):
                    copies_j.append(j)
            elif x.cluster.startswith(fills) and y.cluster.startswith(fills):
                fill_j.append(j)
            else:
                other_j.append(j)
        copies_j.sort()
        other_j.sort()
        print(
            f"{n:>3} {copies_j[0]:>11.3f} {copies_j[len(copies_j) // 20]:>6.3f}"
            f" {other_j[int(len(other_j) * 0.99)]:>18.3f} {other_j[-1]:>6.3f}"
            f" {max(fill_j):>19.3f}"
        )
    sketches = [minhash.sketch(to_simplified(c.text)) for c in copies]
    previews, other_c, figures_copies, figures_fills = [], [], [], []
    for a, b in itertools.combinations(range(len(copies)), 2):
        x, y = copies[a], copies[b]
        sa, sb = sketches[a], sketches[b]
        sim = minhash.similarity(
            (sa.sample, sa.sample_bits, sa.numbers), (sb.sample, sb.sample_bits, sb.numbers)
        )
        if x.cluster == y.cluster:
            if sim.numbers is not None:
                figures_copies.append(sim.numbers)
            if (x.original or y.original) and any(k in x.edits + y.edits for k in cut):
                previews.append(sim.containment)
        else:
            both_fills = x.cluster.startswith(fills) and y.cluster.startswith(fills)
            one_filled = not (x.cluster.startswith("template") and y.cluster.startswith("template"))
            if sim.numbers is not None and both_fills and one_filled:
                figures_fills.append(sim.numbers)
            if sim.numbers is None or sim.numbers >= 0.3:
                other_c.append(sim.containment)
    print(
        f"containment of a preview in its report: min {min(previews):.3f};"
        f" different reports whose figures agree (or are too few): max {max(other_c):.3f}"
    )
    print(
        f"shared figures: copies min {min(figures_copies):.3f}; one template filled in twice,"
        f" or a template and a filled copy: max {max(figures_fills):.3f}"
    )
    for mode in ("given", "describe", "withheld"):
        with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "a.db") as archive:
            ids = {}
            for c in copies:
                fields = dict(c.fields)
                if mode == "withheld":
                    fields.update(region=None, year=None, is_template=None)
                elif mode == "describe":
                    d = describe(title=c.title, text=c.text, url=c.url)
                    fields.update(region=d.region, year=d.year, is_template=int(d.is_template))
                ids[c.id] = archive.add_document(
                    text=c.text,
                    fields=fields,
                    sighting=Sighting(url=c.url, source="labeled", fetched_at=c.fetched_at),
                    run_id=None,
                ).document_id
            rows = dict(archive.conn.execute("SELECT id, cluster_id FROM documents"))
        names = sorted({c.cluster for c in copies})
        true = np.array([names.index(c.cluster) for c in copies])
        pred = np.array([rows[ids[c.id]] for c in copies])
        precision, recall = pairwise(pred, true)
        print(f"metadata {mode:<9} pairwise precision {precision:.4f} recall {recall:.4f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000, help="documents for brute force")
    parser.add_argument("--db", type=Path, help="archive file (default: a temporary one)")
    parser.add_argument("--commit-every", type=int, default=1000, help="documents per commit")
    parser.add_argument("--workers", type=int, default=2, help="processes making and sketching")
    parser.add_argument("--cache-mb", type=int, default=0, help="SQLite page cache (0: default)")
    parser.add_argument("--labeled", action="store_true", help="the labeled set's measurements")
    args = parser.parse_args(argv)
    if args.labeled:
        labeled_report()
        return
    if args.db:
        run(args.docs, args.sample, args.db, args.commit_every, args.workers, args.cache_mb)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(
            args.docs,
            args.sample,
            Path(tmp) / "bench.db",
            args.commit_every,
            args.workers,
            args.cache_mb,
        )


if __name__ == "__main__":
    main()
