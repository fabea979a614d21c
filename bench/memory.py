"""Memory over a long crawl with faults on: RSS against pages fetched, ours and a bare spider.

    python bench/memory.py [--articles 10000] [--fault-copies 40]

One profile crawls a generated bureau site (tests/sites/generated.py, `--articles`
reports plus their list pages) and the fault site (tests/sites/faults.py) with each
fault served `--fault-copies` times: errors, resets, timeouts, truncated bodies, gzip bombs,
oversize bodies, redirect loops and traps all along the crawl. The crawl process's RSS is
sampled twice a second against the requests the servers have answered. The peer is a
bare Scrapy spider following the same links (but not into the two traps, which it has no
defence against) and keeping nothing, with our size limit, sampled the same way in the
same run. Memory is flat when RSS stops growing once the crawl is under way: the figure
is the growth from a quarter of the crawl to its end, per 1,000 pages. The archive's
SQLite page cache fills as the archive grows, up to `--cache-mib` (`CRAWLER_CACHE_MIB`).
The peak is the kernel's high-water mark (VmHWM), which also catches spikes between
samples, such as a decompression bomb being inflated (crawler/inflate.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the sites tests and benchmarks serve

from sites.faults import FaultSite  # noqa: E402
from sites.generated import GeneratedSite  # noqa: E402

PROFILE = """
name = "memory"
start_urls = ["{generated}/gzzj/index.html", "{faults}/index.html"]
follow = ['/gzzj/index(_\\d+)?\\.html$', '/(list|calendar)/']
articles = ['/gzzj/\\d{{6}}/t\\d{{8}}_\\d+\\.html$', '/reports/', '/loop/',
            '/(flaky|busy|broken|gone|reset|hang|slow|truncated|chunked-cut|bomb|huge)\\.html$']
schedule = "1d"

[settings]
delay = 0.0
concurrency = 16
timeout = 2
private_network = true
"""
BARE_SPIDER = textwrap.dedent(
    """
    import scrapy

    class Bare(scrapy.Spider):
        name = "bare"
        custom_settings = {"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                           "DOWNLOAD_TIMEOUT": 2, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "ERROR",
                           "DOWNLOAD_MAXSIZE": 32 * 2**20}  # our limit

        def __init__(self, urls="", **kw):
            super().__init__(**kw)
            self.start_urls = urls.split(",")

        def parse(self, response):
            if not hasattr(response, "text"):
                return
            for href in response.css("a::attr(href)").getall():
                if "/list/" not in href and "/calendar/" not in href:  # endless: no defence
                    yield scrapy.Request(response.urljoin(href), callback=self.parse)
    """
)


def memory_mib(pid: int) -> tuple[float, float] | None:
    """(RSS, peak RSS so far) of a process in MiB: VmRSS and VmHWM, which sampling can miss."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = {
        name: int(value.split()[0])
        for name, _, value in (line.partition(":") for line in status.splitlines())
        if name in ("VmRSS", "VmHWM")
    }
    if len(kib) < 2:
        return None
    return kib["VmRSS"] / 1024, kib["VmHWM"] / 1024


def sampled(
    cmd: list[str], cwd: Path, served: callable
) -> tuple[list[tuple[int, float]], float, float]:
    """Run `cmd`, sampling (requests served, RSS MiB) twice a second; its peak and seconds."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples, peak = [], 0.0
    while proc.poll() is None:
        memory = memory_mib(proc.pid)
        if memory is not None:
            samples.append((served(), memory[0]))
            peak = max(peak, memory[1])
        time.sleep(0.5)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} exited {proc.returncode}")
    return samples, peak, time.perf_counter() - started


def summary(name: str, samples: list[tuple[int, float]], peak: float, seconds: float) -> float:
    """Print one line of the table; returns the peak."""
    total = samples[-1][0]
    at = {q: next(rss for n, rss in samples if n >= total * q) for q in (0.25, 0.5, 0.75)}
    end = samples[-1][1]
    peak = max(peak, *(rss for _, rss in samples))
    growth = (end - at[0.25]) / (total * 0.75 / 1000)
    print(f"{name:<10} {total:>8,} {seconds:>7.0f} {at[0.25]:>8.0f} {at[0.5]:>8.0f}"
          f" {at[0.75]:>8.0f} {end:>8.0f} {peak:>8.0f} {growth:>13.2f}")  # fmt: skip
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--fault-copies", type=int, default=40)
    parser.add_argument(
        "--cache-mib", type=int, default=128, help="the archive's SQLite page cache (MiB)"
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        GeneratedSite(args.articles) as generated,
        FaultSite(copies=args.fault_copies) as faults,
    ):
        tmp = Path(tmp_name)
        (tmp / "profiles").mkdir()
        profile = PROFILE.format(generated=generated.url, faults=faults.url("").rstrip("/"))
        (tmp / "profiles" / "memory.toml").write_text(profile, "utf-8")
        (tmp / "bare.py").write_text(BARE_SPIDER, "utf-8")

        def served() -> int:
            return len(generated.log) + len(faults.requests)

        print(f"{len(generated.pages):,} generated pages, {args.fault_copies} copies of each"
              f" fault; archive page cache {args.cache_mib} MiB;"
              " RSS in MiB at a share of the requests")  # fmt: skip
        print(f"{'crawler':<10} {'requests':>8} {'seconds':>7} {'25%':>8} {'50%':>8} {'75%':>8}"
              f" {'end':>8} {'peak':>8} {'MiB/1k pages':>13}")  # fmt: skip
        first = served()
        cmd = [sys.executable, "-m", "crawler", "crawl", "memory", "--db", str(tmp / "a.db"),
               "--no-progress"]  # fmt: skip
        env_cmd = ["env", f"CRAWLER_PROFILES={tmp / 'profiles'}",
                   f"CRAWLER_CACHE_MIB={args.cache_mib}", *cmd]  # fmt: skip
        ours, peak, seconds = sampled(env_cmd, tmp, lambda: served() - first)
        peak = summary("ours", ours, peak, seconds)
        faults.seen.clear()  # the transient faults misbehave again for the peer
        first = served()
        urls = f"{generated.url}/gzzj/index.html,{faults.url()}"
        bare_cmd = [sys.executable, "-m", "scrapy", "runspider", str(tmp / "bare.py"),
                    "-a", f"urls={urls}"]  # fmt: skip
        bare, peer, seconds = sampled(bare_cmd, tmp, lambda: served() - first)
        peer = summary("bare Scrapy", bare, peer, seconds)
    print(f"peak RSS: ours {peak:.0f} MiB, bare spider {peer:.0f} MiB ({peak / peer:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
