"""Crawl throughput: this project's crawl of the sample sites against a bare Scrapy spider.

Both run in their own process over HTTP against the same sample sites on 127.0.0.1 with no
delay; the bare spider follows the same links and does nothing with the pages. Prints pages
per second for both, their ratio, and the archive's size per document.

    python bench/crawl.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from crawler.demo import DEMO_PROFILES
from crawler.sample_site.server import SampleSites

BARE_SPIDER = textwrap.dedent(
    """
    import scrapy
    from urllib.parse import urlsplit

    class Bare(scrapy.Spider):
        name = "bare"
        custom_settings = {"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                           "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING"}

        def __init__(self, urls="", **kw):
            super().__init__(**kw)
            self.start_urls = urls.split(",")
            self.netlocs = {urlsplit(u).netloc for u in self.start_urls}

        def parse(self, response):
            if not hasattr(response, "text"):
                return
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if urlsplit(url).netloc in self.netlocs:
                    yield scrapy.Request(url, callback=self.parse)
    """
)


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp_name, SampleSites() as sites:
        tmp = Path(tmp_name)
        profiles = tmp / "profiles"
        profiles.mkdir()
        for path in DEMO_PROFILES.glob("*.toml"):
            base = sites.urls[path.stem].rstrip("/")
            (profiles / path.name).write_text(path.read_text("utf-8").replace("{base}", base))
        spider = tmp / "bare.py"
        spider.write_text(BARE_SPIDER, "utf-8")
        starts = ",".join(u + "index.html" for u in sites.urls.values())
        ours, bare = [], []
        for i in range(args.rounds):
            db = tmp / f"a{i}.db"
            before = len(sites.requests)
            ours.append(
                (
                    timed(
                        [
                            sys.executable,
                            "-m",
                            "crawler",
                            "crawl",
                            "--db",
                            str(db),
                            "--no-progress",
                        ],
                        {**env, "CRAWLER_PROFILES": str(profiles)},
                        tmp,
                    ),
                    len(sites.requests) - before,
                )
            )
            before = len(sites.requests)
            bare.append(
                (
                    timed(
                        [
                            sys.executable,
                            "-m",
                            "scrapy",
                            "runspider",
                            str(spider),
                            "-a",
                            f"urls={starts}",
                        ],
                        env,
                        tmp,
                    ),
                    len(sites.requests) - before,
                )
            )
        conn = sqlite3.connect(tmp / "a0.db")
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        conn.close()
        size = (tmp / "a0.db").stat().st_size
    best_ours = min(ours)
    best_bare = min(bare)
    rate_ours = best_ours[1] / best_ours[0]
    rate_bare = best_bare[1] / best_bare[0]
    print(f"{'crawler':<22}{'requests':>9}{'seconds':>9}{'req/s':>8}")
    print(f"{'healthdocs (archive)':<22}{best_ours[1]:>9}{best_ours[0]:>9.2f}{rate_ours:>8.1f}")
    print(f"{'bare Scrapy spider':<22}{best_bare[1]:>9}{best_bare[0]:>9.2f}{rate_bare:>8.1f}")
    print(
        f"ratio (ours / bare): {rate_ours / rate_bare:.2f}  (best of {args.rounds}, "
        "whole process including start-up)"
    )
    print(f"archive: {docs} documents, {size / 1024:.0f} KiB, {size / 1024 / docs:.1f} KiB/doc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
