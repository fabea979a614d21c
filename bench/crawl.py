"""Crawl throughput, CPU and memory on a realistic site: this project's crawler, a bare Scrapy
spider and what a user would write instead (Scrapy + trafilatura + sqlite-utils).

The site is bench/realistic_site.py (real page templates from ../shared/corpus; the bench is
skipped when that folder is absent) on 127.0.0.1. Each crawler runs in its own process, in
rounds with the order rotating, with no delay, 8 requests at once to the site and robots.txt
obeyed. Per crawler: pages/s (requests the site answered / wall seconds, start-up included),
CPU seconds per page (user + system of every process it started), peak memory of those
processes (VmRSS and PSS summed, sampled every 0.1 s) and its largest process's maxrss;
medians over rounds, the ratios ours/bare and ours/peer, and what each archive kept.

    python bench/crawl.py [--rounds 3] [--articles 1200] [--timeout 900]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from realistic_site import CORPUS, RealisticSite  # noqa: E402

CONCURRENCY = 8
# the bare spider; with `-a db=PATH` it is the peer: trafilatura on each article page and a
# sqlite-utils row keyed by the sha256 of the extracted text
SPIDER = textwrap.dedent(
    f"""
    import hashlib
    import re
    from urllib.parse import urlsplit

    import scrapy

    ARTICLE = re.compile(r"/t\\d{{8}}_\\d+\\.html$")

    class Crawl(scrapy.Spider):
        name = "crawl"
        custom_settings = {{
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": {CONCURRENCY},
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "WARNING",
        }}

        def __init__(self, url="", db="", **kw):
            super().__init__(**kw)
            self.start_urls = [url]
            self.netloc = urlsplit(url).netloc
            self.db = None
            if db:
                import sqlite_utils
                import trafilatura

                self.db = sqlite_utils.Database(db)
                self.extract = trafilatura.extract

        def parse(self, response):
            if not hasattr(response, "text"):
                return
            if self.db is not None and ARTICLE.search(response.url):
                text = self.extract(response.text)
                if text:
                    self.db["docs"].insert(
                        {{
                            "sha256": hashlib.sha256(text.encode()).hexdigest(),
                            "url": response.url,
                            "title": response.css("title::text").get(),
                            "text": text,
                        }},
                        pk="sha256",
                        ignore=True,
                    )
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if urlsplit(url).netloc == self.netloc:
                    yield scrapy.Request(url, callback=self.parse)
    """
)
CRAWLERS = ("bare", "peer", "ours")


@dataclass
class Run:
    """One crawl: what the site answered, the time, CPU and memory it took."""

    crawler: str
    pages: int
    wall: float
    cpu: float  # user + system seconds of the process and all its children
    peak_tree: int  # bytes: the largest sum of VmRSS over the process tree
    peak_pss: int  # bytes: the same for PSS (pages shared by forked workers counted once)
    maxrss: int  # bytes: the largest single process (the kernel's ru_maxrss)
    exit_code: int
    statuses: Counter[int] = field(default_factory=Counter)
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu / self.pages if self.pages else 0.0


def _field(path: str, name: bytes) -> int:
    """A `Name: N kB` line of a /proc file, in bytes (0 when the process is gone)."""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


TICK = os.sysconf("SC_CLK_TCK")


def session_sample(session: int) -> tuple[int, int, dict[int, float]]:
    """VmRSS and PSS summed over the processes of a session (a crawl and every process it
    started, whoever their parent is now), in bytes, and each one's CPU seconds so far."""
    rss = pss = 0
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) != session or fields[0] == b"Z":
            continue
        pid = int(entry.name)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
        rss += _field(f"/proc/{pid}/status", b"VmRSS:")
        pss += _field(f"/proc/{pid}/smaps_rollup", b"Pss:")
    return rss, pss, cpu


def measure(
    crawler: str,
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    site: RealisticSite,
    timeout: float,
) -> Run:
    """Run `cmd` to its end (killed after `timeout` seconds) and measure it."""
    before = len(site.log)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0, 0]
    done = threading.Event()
    with open(cwd / f"{crawler}.log", "ab") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    cpu_seen: dict[int, float] = {}  # each process's CPU seconds, as last sampled

    def sample() -> None:
        while not done.wait(0.1):
            rss, pss, cpu = session_sample(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            for pid, seconds in cpu.items():
                cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), seconds)

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        wall = time.perf_counter() - started
        timer.cancel()
        done.set()
        sampler.join()
        kill()  # anything the crawl left running in its session
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    # processes the crawl started but never waited for (a pool's) are not in its rusage:
    # their CPU as sampled, the last 0.1 s of each lost at most
    cpu = max(cpu, sum(cpu_seen.values()))
    return Run(
        crawler,
        pages=len(site.log) - before,
        wall=wall,
        cpu=cpu,
        peak_tree=peak[0],
        peak_pss=peak[1],
        maxrss=usage.ru_maxrss * 1024,
        exit_code=proc.returncode,
        statuses=site.statuses(before),
        timed_out=wall >= timeout,
    )


def ours_command(env: dict[str, str]) -> tuple[list[str], str]:
    """`crawler crawl` without its target, with 8 requests per site when it can say so."""
    base = [sys.executable, "-m", "crawler", "crawl"]
    help_text = subprocess.run(
        [*base, "--help"], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    base += ["--no-progress", "--private-network", "--delay", "0"]
    if "--concurrency" in help_text:
        return [*base, "--concurrency", str(CONCURRENCY)], f"--concurrency {CONCURRENCY}"
    return base, "its default per-site concurrency (crawl has no --concurrency)"


def archive_summary(db: Path, site: RealisticSite) -> dict[str, int]:
    """What our archive kept, against what the site holds."""
    kind = {a.path: a.kind for a in site.articles}
    conn = sqlite3.connect(db)
    try:
        out = {
            "documents": conn.execute("SELECT count(*) FROM documents").fetchone()[0],
            "clusters": conn.execute(
                "SELECT count(DISTINCT coalesce(cluster_id, -id)) FROM documents"
            ).fetchone()[0],
            "skipped": conn.execute("SELECT count(*) FROM skipped").fetchone()[0],
            "failures": conn.execute("SELECT count(*) FROM failures").fetchone()[0],
        }
        kept = Counter(
            kind.get(_path(url), "other")
            for (url,) in conn.execute("SELECT DISTINCT url FROM sightings")
        )
        skipped = Counter(
            kind.get(_path(url), "other")
            for (url,) in conn.execute("SELECT DISTINCT url FROM skipped")
        )
    finally:
        conn.close()
    for k in ("work", "news", "exact", "near", "other"):
        out[f"kept_{k}"] = kept[k]
        out[f"skipped_{k}"] = skipped[k]
    return out


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("#", 1)[0]


def peer_rows(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def report(runs: dict[str, list[Run]], rounds: int) -> None:
    columns = (  # heading, attribute, format, scale
        ("pages", "pages", "{:.0f}", 1),
        ("wall s", "wall", "{:.1f}", 1),
        ("pages/s", "rate", "{:.1f}", 1),
        ("CPU s/page", "cpu_per_page", "{:.4f}", 1),
        ("RSS tree MiB", "peak_tree", "{:.0f}", 2**20),
        ("PSS tree MiB", "peak_pss", "{:.0f}", 2**20),
        ("maxrss MiB", "maxrss", "{:.0f}", 2**20),
    )
    labels = {
        "bare": "bare Scrapy spider",
        "peer": "Scrapy + trafilatura + sqlite-utils",
        "ours": "crawler crawl (ours)",
    }
    print("\n" + f"{'crawler':<36}" + "".join(f"{h:>13}" for h, *_ in columns))
    for name in CRAWLERS:
        cells = (fmt.format(median(runs[name], a) / k) for _, a, fmt, k in columns)
        print(f"{labels[name]:<36}" + "".join(f"{c:>13}" for c in cells))
    for other in ("bare", "peer"):
        cells = (
            ""
            if a in ("pages", "wall")
            else f"{median(runs['ours'], a) / median(runs[other], a):.2f}x"
            for _, a, _, _ in columns
        )
        print(f"{'ours / ' + other:<36}" + "".join(f"{c:>13}" for c in cells))
    print(
        f"(medians of {rounds} round(s); pages: requests the site answered, robots.txt and "
        "404s included; wall time includes start-up; peak RSS/PSS of the process tree, "
        "maxrss of its largest process)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=1200)
    parser.add_argument("--timeout", type=float, default=900, help="Seconds per crawl.")
    parser.add_argument("--keep", type=Path, help="Keep the archives and logs in this folder.")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print("skipped: ../shared/corpus not found")
        return 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "CRAWLER_DB"))}
    ours_env = {
        **env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }
    runs: dict[str, list[Run]] = {name: [] for name in CRAWLERS}
    failed = False
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = args.keep
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-crawl-")))
        site = stack.enter_context(RealisticSite(args.articles))
        html = [b for p, (b, _) in site.pages.items() if p.endswith(".html") and p != "/"]
        kinds = site.kinds()
        print(
            f"site: {len(html)} pages, {sum(map(len, html)) / len(html) / 1024:.0f} KiB mean; "
            f"{len(site.articles)} articles: {kinds['work']} work documents, {kinds['news']} "
            f"news, {kinds['exact']} exact and {kinds['near']} near-duplicate reposts; "
            f"{len(site.templates)} templates",
            flush=True,
        )
        spider = tmp / "spider.py"
        spider.write_text(SPIDER, "utf-8")
        ours, how = ours_command(ours_env)
        print(f"ours runs with {how}", flush=True)
        summaries: list[dict[str, int]] = []
        rows: list[int] = []
        for i in range(args.rounds):
            order = CRAWLERS[i % 3 :] + CRAWLERS[: i % 3]
            for name in order:
                work = tmp / f"{name}-{i}"
                work.mkdir(exist_ok=True)
                db = work / f"{name}.db"
                if name == "ours":
                    cmd = [*ours, "--db", str(db), site.home]
                    run_env = ours_env
                else:
                    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider)]
                    cmd += ["-a", f"url={site.home}"]
                    if name == "peer":
                        cmd += ["-a", f"db={db}"]
                    run_env = env
                run = measure(name, cmd, run_env, work, site, args.timeout)
                runs[name].append(run)
                note = ""
                if name == "ours" and db.exists():
                    summaries.append(archive_summary(db, site))
                    note = f", {summaries[-1]['documents']} documents"
                elif name == "peer":
                    rows.append(peer_rows(db))
                    note = f", {rows[-1]} rows"
                if run.timed_out:
                    note += "  TIMED OUT"
                if run.exit_code != 0 or run.timed_out:
                    failed = True
                    note += f"  exit {run.exit_code}, log: {work / (name + '.log')}"
                print(
                    f"round {i + 1} {name:<5}{run.pages:>6} pages {run.wall:>7.1f} s "
                    f"{run.rate:>7.1f} pages/s {run.cpu_per_page:.4f} CPU s/page "
                    f"RSS {run.peak_tree / 2**20:.0f} MiB PSS {run.peak_pss / 2**20:.0f} MiB{note}",
                    flush=True,
                )
    report(runs, args.rounds)
    if summaries:
        s = summaries[-1]
        print(
            f"ours archived {s['documents']} documents ({s['clusters']} after folding "
            f"near-duplicates) from {s['kept_work']} of {kinds['work']} work-document pages, "
            f"{s['kept_exact']} of {kinds['exact']} exact and {s['kept_near']} of {kinds['near']} "
            f"near reposts and {s['kept_news']} of {kinds['news']} news pages; skipped "
            f"{s['skipped']} pages ({s['skipped_news']} news, {s['skipped_work']} work "
            f"documents, {s['skipped_other']} other); {s['failures']} failures"
        )
        if len({tuple(sorted(x.items())) for x in summaries}) > 1:
            each = "; ".join(
                f"{x['documents']} documents, {x['skipped']} skipped" for x in summaries
            )
            print(f"  (the rounds' archives differ: {each})")
    if rows:
        print(
            f"peer kept {rows[-1]} rows (every article page trafilatura extracted, news "
            f"included; {kinds['work'] + kinds['near'] + kinds['news']} distinct texts served)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
