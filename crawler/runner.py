"""Run one or more crawls in this process, with a live progress line for people."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

PROGRESS_KEYS = (
    ("response_received_count", "pages"),
    ("archive/documents_new", "documents"),
    ("archive/duplicates", "duplicates"),
    ("archive/skipped", "skipped"),
    ("archive/failures", "failures"),
)


def project_settings(db: str | None = None, **overrides: Any) -> Settings:
    """The crawler's Scrapy settings, whatever the working directory."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if db is not None:
        settings.set("ARCHIVE_DB", str(db), priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class CrawlResult:
    """What the crawls of one `run_crawls` call did, summed over crawlers."""

    seconds: float
    stats: list[dict[str, Any]] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(int(s.get(key) or 0) for s in self.stats)

    @property
    def interrupted(self) -> bool:
        return any(s.get("finish_reason") not in (None, "finished") for s in self.stats)


def run_crawls(
    spiders: Iterable[tuple[type[Spider], dict[str, Any]]],
    settings: Settings,
    *,
    progress: bool = True,
) -> CrawlResult:
    """Crawl every (spider class, spider kwargs) at once; block until all are done."""
    process = CrawlerProcess(settings)
    crawlers: list[Crawler] = []
    for spidercls, kwargs in spiders:
        crawler = process.create_crawler(spidercls)
        crawlers.append(crawler)
        process.crawl(crawler, **kwargs)
    reporter = _Progress(crawlers) if progress else None
    started = time.monotonic()
    if reporter:
        reporter.start()
    try:
        process.start()
    finally:
        if reporter:
            reporter.stop()
    return CrawlResult(
        seconds=time.monotonic() - started,
        stats=[dict(c.stats.get_stats()) if c.stats else {} for c in crawlers],
    )


class _Progress:
    """A line on stderr with the running counts: rewritten in place on a terminal."""

    def __init__(self, crawlers: list[Crawler], interval: float = 0.5) -> None:
        self.crawlers = crawlers
        self.tty = sys.stderr.isatty()
        self.interval = interval if self.tty else 5.0
        self.loop: Any = None

    def line(self) -> str:
        totals = dict.fromkeys((label for _, label in PROGRESS_KEYS), 0)
        for crawler in self.crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            for key, label in PROGRESS_KEYS:
                totals[label] += int(stats.get(key) or 0)
        return " · ".join(f"{label} {n}" for label, n in totals.items())

    def tick(self) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K" + self.line())
        else:
            sys.stderr.write(self.line() + "\n")
        sys.stderr.flush()

    def start(self) -> None:
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
