"""Run one or more crawls in this process, with a live progress line for people."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from archive.records import unwritable
from crawler.crawl_stop import CrawlStopper
from crawler.errors import ArchiveUnwritable

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
    signum: int | None = None  # the signal that stopped the crawls, if one did

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
    progress_keys: tuple[tuple[str, str], ...] = PROGRESS_KEYS,
) -> CrawlResult:
    """Crawl every (spider class, spider kwargs) at once; block until all are done, or
    until SIGINT or SIGTERM stopped them (`CrawlResult.signum`)."""
    spiders = list(spiders)
    process = CrawlerProcess(settings)
    crawlers = [process.create_crawler(spidercls) for spidercls, _ in spiders]
    stopper = CrawlStopper(crawlers)
    stopper.install()  # before the crawls open their runs: a signal now still closes them
    try:
        for crawler, (_, kwargs) in zip(crawlers, spiders, strict=True):
            process.crawl(crawler, **kwargs)
        stopper.wake_reactor()
        reporter = _Progress(crawlers, keys=progress_keys) if progress else None
        guard = _ArchiveGuard(crawlers, settings.get("ARCHIVE_DB"))
        started = time.monotonic()
        if reporter:
            reporter.start()
        try:
            with guard:
                process.start(install_signal_handlers=False)
        finally:
            if reporter:
                reporter.stop()
    finally:
        stopper.uninstall()
    if guard.error is not None:  # one clear line from the CLI, and a non-zero exit
        raise guard.error
    return CrawlResult(
        seconds=time.monotonic() - started,
        stats=[dict(c.stats.get_stats()) if c.stats else {} for c in crawlers],
        signum=stopper.signum,
    )


class _ArchiveGuard(logging.Filter):
    """Stops the crawls at the first write the archive refuses for good (the disk is full,
    the file is read-only, I/O failed) and keeps that error for `run_crawls` to raise.

    Without it every later page fails the same way, each with a traceback in the log, and
    the crawl ends as if it had finished. Each page is archived in one transaction, so what
    was archived before the refusal is complete. Installed as a filter on the root
    handlers, it also drops the tracebacks of that error (Scrapy logs every failed item and
    every failed signal handler, such as the pipeline's closing of the run).
    """

    def __init__(self, crawlers: list[Crawler], db: str | None) -> None:
        super().__init__()
        self.crawlers = crawlers
        self.db = db or "archive"
        self.error: ArchiveUnwritable | None = None
        self.closing: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or (found := unwritable(exc, self.db)) is None:
            return True
        self.error = self.error or found
        return False

    def item_error(self, failure: Failure, spider: Spider, **_: Any) -> None:
        if (found := unwritable(failure.value, self.db)) is None:
            return
        self.error = self.error or found
        crawler = spider.crawler
        if id(crawler) not in self.closing and crawler.engine is not None:
            self.closing.add(id(crawler))
            closing = deferred_from_coro(crawler.engine.close_spider_async(reason="archive_error"))
            closing.addErrback(lambda _: None)  # already closing: nothing more to do

    def __enter__(self) -> _ArchiveGuard:
        for crawler in self.crawlers:
            crawler.signals.connect(self.item_error, signal=signals.item_error)
        for handler in logging.getLogger().handlers:
            handler.addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self)


class _Progress:
    """A line on stderr with the running counts: rewritten in place on a terminal."""

    def __init__(
        self,
        crawlers: list[Crawler],
        interval: float = 0.5,
        keys: tuple[tuple[str, str], ...] = PROGRESS_KEYS,
    ) -> None:
        self.crawlers = crawlers
        self.keys = keys
        self.tty = sys.stderr.isatty()
        self.interval = interval if self.tty else 5.0
        self.loop: Any = None
        self.last = self.line()  # nothing yet

    def line(self) -> str:
        totals = dict.fromkeys((label for _, label in self.keys), 0)
        for crawler in self.crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            for key, label in self.keys:
                totals[label] += int(stats.get(key) or 0)
        return " · ".join(f"{label} {n}" for label, n in totals.items())

    def tick(self) -> None:
        line = self.line()
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
        elif line != self.last:  # a log: a line when something happened
            sys.stderr.write(line + "\n")
        self.last = line
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
