"""The archive pipeline: processes each raw page and stores it, or records why not."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import Archive
from crawler.archiving import Archiver
from crawler.crawl_stop import crawl_cut_short
from crawler.items import FailureItem, PageItem, UnchangedItem

logger = logging.getLogger(__name__)

STATUS = {None: "finished", "finished": "finished", "shutdown": "interrupted"}


class ArchivePipeline:
    """Runs decode → extract → clean → describe → judge on each page and archives it
    (`crawler.archiving.Archiver`, which the fleet's ingester uses too)."""

    def __init__(
        self,
        db_path: str,
        crawler: Crawler,
        command: str | None = None,
        run_id: int | None = None,
    ) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.command = command
        self.archive: Archive | None = None
        self.archiver: Archiver | None = None
        self.run_id: int | None = run_id  # given: the scheduler opened the run and closes it
        self.unchanged = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured
        run_id = settings.getint("ARCHIVE_RUN_ID") or None
        pipeline = cls(settings["ARCHIVE_DB"], crawler, settings.get("ARCHIVE_COMMAND"), run_id)
        # the run is closed on spider_closed, the first moment the finish reason is known
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.cut_short, signal=crawl_cut_short)
        return pipeline

    @property
    def source(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider else "unknown"

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        self.archiver = Archiver(self.archive, self._count)
        if self.run_id is None:
            self.run_id = self.archive.start_run(self.source, self.command)
        if self.crawler.stats:
            self.crawler.stats.set_value("archive/run_id", self.run_id)
        logger.info("archiving into %s (run %s)", self.db_path, self.run_id)

    def cut_short(self) -> None:
        """The crawl is being stopped where it is (a second Ctrl-C): close the run now."""
        self.spider_closed("shutdown")

    def spider_closed(self, reason: str | None = None) -> None:
        """Close the run: 'finished', 'interrupted' (SIGINT or SIGTERM: Scrapy's 'shutdown'),
        or Scrapy's reason for stopping early."""
        if self.archive is None or self.run_id is None:
            return
        stats = self.crawler.stats
        status = STATUS.get(reason, str(reason))
        fetched = stats.get_value("response_received_count", 0) if stats else 0
        counts = self.archive.finish_run(
            self.run_id, status, pages_fetched=fetched, pages_unchanged=self.unchanged
        )
        self.archive.note_progress(self.run_id, fetched, self.unchanged)
        counts.update(self.archive.incremental_counts(self.run_id))
        for key, value in counts.items():
            if stats:
                stats.set_value(f"archive/{key}", value)
        self.archive.close()
        self.archive = None

    def process_item(self, item: Any) -> Any:
        assert self.archive is not None and self.archiver is not None
        if isinstance(item, FailureItem | PageItem | UnchangedItem):
            self.archiver.archive_item(item, self.run_id)
        if isinstance(item, UnchangedItem):
            self.unchanged += 1
        if self.run_id is not None:
            stats = self.crawler.stats
            fetched = stats.get_value("response_received_count", 0) if stats else 0
            self.archive.note_progress(self.run_id, fetched, self.unchanged)
        return item

    def _count(self, key: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(f"archive/{key}")
