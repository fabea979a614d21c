"""Fleet scaling: pages/s for 1, 2 and 4 workers, the ingester's documents/s, a peer, and
8 polite workers with the ingester running alongside.

Against a generated 1,000-page site on 127.0.0.1 (no delay) and a real redis-server (needs
`redis-server` on PATH). For each fleet size: seed, run the workers to an idle queue (the
ingester does not run, so the workers' rate is measured alone), then drain the filled item
list with the ingester alone: its items/s while busy (cleaning in a process per core), and
its single writer's ceiling (items per second of time spent in archive transactions). The
peer is a bare Scrapy spider crawling the same site in one process (as bench/crawl.py).
Last, 8 workers crawl 8 sites (127.0.0.2-9, one site profile each, per-site delay
`--polite-delay`) while the ingester archives: the items waiting in Redis show whether the
one writer keeps up.

    python bench/scale.py [--articles 1000] [--workers 1,2,4] [--polite-delay 0.1]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from redis_server import RedisServer
from sites.generated import GeneratedSite

BARE = textwrap.dedent(
    """
    import scrapy
    class Bare(scrapy.Spider):
        name = "bare"
        custom_settings = {"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                           "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING",
                           "PRIVATE_NETWORK_ALLOWED": True}  # the project guard: 127.0.0.1
        def __init__(self, url="", **kw):
            super().__init__(**kw)
            self.start_urls = [url]
        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                if "/gzzj/" in href:
                    yield response.follow(href, callback=self.parse)
    """
)
IDLE = 2.0


def crawler(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def fleet_round(site: GeneratedSite, tmp: Path, workers: int, env: dict[str, str]) -> dict:
    redis = RedisServer(tmp / f"redis{workers}").start()
    try:
        subprocess.run(
            [sys.executable, "-m", "crawler", "seed", "--redis", redis.url, "generated"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        since = len(site.log)
        procs = [
            crawler("worker", "--redis", redis.url, "--until-idle", str(IDLE),
                    "--no-progress", env=env)
            for _ in range(workers)
        ]  # fmt: skip
        for p in procs:
            p.wait()
        times = [t for t, path, _ in site.log[since:] if path != "/robots.txt"]
        crawl_s = max(times) - min(times)
        out = subprocess.run(
            [sys.executable, "-m", "crawler", "ingest", "--redis", redis.url, "--db",
             str(tmp / f"a{workers}.db"), "--until-idle", "0.5", "--no-progress"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        found = re.search(
            r"ingested (\d+) items .*?\(([\d.]+) items/s while busy, the writer alone (\d+)/s",
            out,
        )
        assert found, out
        return {
            "pages": len(times),
            "crawl_s": crawl_s,
            "items": int(found.group(1)),
            "ingest_rate": float(found.group(2)),
            "write_ceiling": float(found.group(3)),
        }
    finally:
        redis.stop()


def polite_round(tmp: Path, delay: float, articles: int) -> dict:
    """8 workers on 8 sites with the ingester alongside: backlog of items and lag."""
    sites = [GeneratedSite(articles, host=f"127.0.0.{n}").start() for n in range(2, 10)]
    redis = RedisServer(tmp / "redis-polite").start()
    folder = tmp / "polite"
    folder.mkdir()
    try:
        for n, site in enumerate(sites):
            (folder / f"gen{n}.toml").write_text(
                site.profile(f"gen{n}", delay=delay, concurrency=1), "utf-8"
            )
        env = {**os.environ, "CRAWLER_PROFILES": str(folder)}
        names = [f"gen{n}" for n in range(len(sites))]
        subprocess.run(
            [sys.executable, "-m", "crawler", "seed", "--redis", redis.url, *names],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        workers = [
            crawler("worker", "--redis", redis.url, "--until-idle", str(IDLE),
                    "--no-progress", env=env)
            for _ in range(8)
        ]  # fmt: skip
        ingester = crawler(
            "ingest", "--redis", redis.url, "--db", str(tmp / "polite.db"),
            "--until-idle", str(IDLE), "--no-progress", env=env,
        )  # fmt: skip
        client = redis.client()
        backlog = []
        while ingester.poll() is None:
            backlog.append(client.llen("fleet:items") + client.llen("fleet:items:processing"))
            time.sleep(0.25)
        ingest_end = time.monotonic()
        for w in workers:
            w.wait()
        times = [t for site in sites for t, path, _ in site.log if path != "/robots.txt"]
        return {
            "pages": len(times),
            "crawl_s": max(times) - min(times),
            "backlog_max": max(backlog),
            "backlog_mean": sum(backlog) / len(backlog),
            "lag": ingest_end - max(times) - IDLE,
            "sites": len(sites),
        }
    finally:
        redis.stop()
        for site in sites:
            site.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--polite-delay", type=float, default=0.1)
    parser.add_argument("--polite-articles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name, GeneratedSite(args.articles) as site:
        tmp = Path(name)
        (tmp / "profiles").mkdir()
        (tmp / "profiles" / "generated.toml").write_text(site.profile(concurrency=16), "utf-8")
        env = {**os.environ, "CRAWLER_PROFILES": str(tmp / "profiles")}
        rows = [(n, fleet_round(site, tmp, n, env)) for n in map(int, args.workers.split(","))]
        (tmp / "bare.py").write_text(BARE, "utf-8")
        since = len(site.log)
        subprocess.run(
            [sys.executable, "-m", "scrapy", "runspider", str(tmp / "bare.py"), "-a",
             f"url={site.url}/gzzj/index.html"], env=env, check=True, capture_output=True,
        )  # fmt: skip
        times = [t for t, path, _ in site.log[since:] if path != "/robots.txt"]
        bare_rate = len(times) / (max(times) - min(times))
        polite = polite_round(tmp, args.polite_delay, args.polite_articles)
    print(f"{'setup':<22}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'÷bare':>7}"
          f"{'ingest items/s':>15}{'writer alone':>13}")  # fmt: skip
    for n, r in rows:
        rate = r["pages"] / r["crawl_s"]
        print(
            f"{f'fleet, {n} worker(s)':<22}{r['pages']:>7}{r['crawl_s']:>9.2f}{rate:>9.1f}"
            f"{rate / bare_rate:>7.2f}{r['ingest_rate']:>15.1f}{r['write_ceiling']:>13.0f}"
        )
    print(f"{'bare Scrapy spider':<22}{len(times):>7}{'':>9}{bare_rate:>9.1f}{1.0:>7.2f}")
    one = next((r["pages"] / r["crawl_s"] for n, r in rows if n == 1), None)
    ingest = min(r["ingest_rate"] for _, r in rows)
    writer = min(r["write_ceiling"] for _, r in rows)
    print(
        f"\nthe ingester archives {ingest:.0f} items/s with cleaning in {os.cpu_count()}"
        f" processes; its one writer alone stores {writer:.0f} items/s"
        + (
            f", what {writer / one:.1f} unthrottled workers fetch from one local site at"
            f" {one:.0f} pages/s each"
            if one
            else ""
        )
    )
    p = polite
    demand = p["sites"] / args.polite_delay
    print(
        f"8 workers, {p['sites']} sites at {args.polite_delay}s per site (fleet-wide limit"
        f" {demand:.0f} pages/s), ingester alongside: {p['pages']} pages in"
        f" {p['crawl_s']:.1f}s ({p['pages'] / p['crawl_s']:.1f} pages/s); items waiting in"
        f" Redis: max {p['backlog_max']}, mean {p['backlog_mean']:.1f}; archive done"
        f" {p['lag']:.1f}s after the last fetch"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
