"""The archive pipeline: each raw page is prepared in a pool process and stored by the
archive's writer process, while the reactor goes on fetching.

`process_item` returns once the item is committed. Scrapy counts a page's bytes as in
progress until then and stops downloading past
`SCRAPER_SLOT_MAX_ACTIVE_SIZE`, so pages waiting to be cleaned or written are bounded.
`ARCHIVE_WORKERS` sets the pool (default: a process per core but one, 1 to 4); 0 prepares pages
in the writer process instead.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import CancelledError, Future
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, reactor

from archive.store import Archive
from crawler.archive_writer import PROGRESS_EVERY, ArchiveWriter, finish_run
from crawler.archiving import Prepared
from crawler.crawl_stop import crawl_cut_short
from crawler.items import FailureItem, PageItem, UnchangedItem
from crawler.page_pool import PagePool

logger = logging.getLogger(__name__)

STATUS = {None: "finished", "finished": "finished", "shutdown": "interrupted"}


class _Shared:
    """The writer and the pool of one archive, shared by the crawls of a process (each
    crawled site has its own pipeline): one connection writes, one pool prepares."""

    def __init__(self, db_path: str, workers: int | None) -> None:
        self.writer = ArchiveWriter(db_path).start()
        self.pool = PagePool(workers) if workers != 0 else None
        self.users = 0


_SHARED: dict[str, _Shared] = {}


def _acquire(db_path: str, workers: int | None) -> _Shared:
    shared = _SHARED.get(db_path)
    if shared is None:
        shared = _SHARED[db_path] = _Shared(db_path, workers)
    shared.users += 1
    return shared


def _release(db_path: str, *, wait: bool) -> None:
    shared = _SHARED.get(db_path)
    if shared is None:
        return
    shared.users -= 1
    if shared.users <= 0:
        del _SHARED[db_path]
        if shared.pool is not None:
            shared.pool.close(wait=wait)
        shared.writer.close()


class ArchivePipeline:
    """Runs decode → extract → clean → describe → judge on each page and archives it
    (`crawler.archiving`, which the fleet's ingester uses too)."""

    def __init__(
        self,
        db_path: str,
        crawler: Crawler,
        command: str | None = None,
        run_id: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.command = command
        self.workers = workers
        self.writer: ArchiveWriter | None = None
        self.pool: PagePool | None = None
        self.run_id: int | None = run_id  # given: the scheduler opened the run and closes it
        self.unchanged = 0
        self._progress_due = 0.0  # when the run's running counts are next written

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured
        run_id = settings.getint("ARCHIVE_RUN_ID") or None
        workers = settings.get("ARCHIVE_WORKERS")
        pipeline = cls(
            settings["ARCHIVE_DB"],
            crawler,
            settings.get("ARCHIVE_COMMAND"),
            run_id,
            None if workers is None else int(workers),
        )
        # the run is closed on spider_closed, the first moment the finish reason is known
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.cut_short, signal=crawl_cut_short)
        return pipeline

    @property
    def source(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider else "unknown"

    def open_spider(self) -> None:
        shared = _acquire(self.db_path, self.workers)
        self.writer, self.pool = shared.writer, shared.pool
        if self.run_id is None:
            self.run_id = self.writer.call(Archive.start_run, self.source, self.command)
        if self.crawler.stats:
            self.crawler.stats.set_value("archive/run_id", self.run_id)
        logger.info("archiving into %s (run %s)", self.db_path, self.run_id)

    def cut_short(self) -> None:
        """The crawl is being stopped where it is (a second Ctrl-C): close the run now,
        leaving the pages still being prepared (the next run fetches them again)."""
        self.spider_closed("shutdown", wait=False)

    def spider_closed(self, reason: str | None = None, *, wait: bool = True) -> None:
        """Close the run: 'finished', 'interrupted' (SIGINT or SIGTERM: Scrapy's 'shutdown'),
        or Scrapy's reason for stopping early."""
        writer = self.writer
        if writer is None or self.run_id is None:
            return
        self.writer = self.pool = None
        stats = self.crawler.stats
        status = STATUS.get(reason, str(reason))
        fetched = stats.get_value("response_received_count", 0) if stats else 0
        try:
            counts = writer.call(finish_run, self.run_id, status, fetched, self.unchanged)
        finally:
            _release(self.db_path, wait=wait)
        for key, value in counts.items():
            if stats:
                stats.set_value(f"archive/{key}", value)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FailureItem | PageItem | UnchangedItem):
            return item
        if self.writer is None:  # the run is closed (a crawl cut short): the next run has it
            logger.info("not archived, the crawl is stopping: %s", item.url)
            return item
        stored: defer.Deferred = defer.Deferred()
        writer, run_id = self.writer, self.run_id

        def done(error: BaseException | None, counted: list[str]) -> None:
            reactor.callFromThread(self._stored, item, stored, error, counted)

        def to_writer(prepared: Future[Prepared]) -> None:
            try:
                ready = prepared.result()
            except CancelledError:  # a crawl cut short: the next run fetches it again
                cut = DropItem("the crawl was cut short before this page was archived")
                reactor.callFromThread(self._stored, item, stored, cut, [])
                return
            except BaseException as exc:
                reactor.callFromThread(self._stored, item, stored, exc, [])
                return
            writer.store(ready, run_id, done)

        if isinstance(item, PageItem) and self.pool is not None:
            self.pool.submit(item).add_done_callback(to_writer)
        elif isinstance(item, PageItem):  # no pool: prepared in the writer
            writer.store(item, run_id, done)
        else:
            writer.store(Prepared(item), run_id, done)
        return await maybe_deferred_to_future(stored)

    def _stored(
        self,
        item: Any,
        stored: defer.Deferred,
        error: BaseException | None,
        counted: list[str],
    ) -> None:
        """In the reactor: count the committed item, and let Scrapy go on with it."""
        stats = self.crawler.stats
        for key in counted:
            if stats:
                stats.inc_value(f"archive/{key}")
        if isinstance(item, UnchangedItem) and error is None:
            self.unchanged += 1
        now = time.monotonic()
        if self.writer is not None and self.run_id is not None and now >= self._progress_due:
            self._progress_due = now + PROGRESS_EVERY
            fetched = stats.get_value("response_received_count", 0) if stats else 0
            self.writer.note_progress(self.run_id, fetched, self.unchanged)
        if error is None:
            stored.callback(item)
        else:
            stored.errback(error)
