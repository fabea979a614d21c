"""The archive pipeline: processes each raw page and stores it, or records why not."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import Archive, Sighting
from crawler.errors import StageError
from crawler.extract import Selectors
from crawler.items import FailureItem, PageItem, UnchangedItem
from crawler.process import process

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Runs decode → extract → clean → describe → judge on each page and archives it."""

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
        return pipeline

    @property
    def source(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider else "unknown"

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        if self.run_id is None:
            self.run_id = self.archive.start_run(self.source, self.command)
        logger.info("archiving into %s (run %s)", self.db_path, self.run_id)

    def spider_closed(self, reason: str | None = None) -> None:
        """Close the run: 'finished', or Scrapy's reason for stopping early ('shutdown', …)."""
        if self.archive is None or self.run_id is None:
            return
        stats = self.crawler.stats
        status = "finished" if reason in ("finished", None) else str(reason)
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
        assert self.archive is not None
        if isinstance(item, FailureItem):
            self._fail(item, item.stage, item.reason)
        elif isinstance(item, PageItem):
            self._archive_page(item)
        elif isinstance(item, UnchangedItem):
            self.archive.mark_unchanged(item.url, self.run_id, item.fetched_at)
            self.unchanged += 1
            self._inc("archive/unchanged")
            logger.info("unchanged %s", item.url)
        if self.run_id is not None:
            stats = self.crawler.stats
            fetched = stats.get_value("response_received_count", 0) if stats else 0
            self.archive.note_progress(self.run_id, fetched, self.unchanged)
        return item

    def _archive_page(self, item: PageItem) -> None:
        assert self.archive is not None
        try:
            page = process(
                item.body,
                url=item.url,
                content_type=item.content_type,
                selectors=Selectors(**item.selectors) if item.selectors else None,
                link_text=item.link_text,
            )
        except StageError as exc:
            self._fail(item, exc.stage, str(exc))
            return
        except Exception as exc:  # a bug in a stage must not lose the page or stop the crawl
            logger.exception("processing %s failed", item.url)
            self._fail(item, "process", f"{type(exc).__name__}: {exc}")
            return
        if not page.relevance.relevant:
            self.archive.add_skipped(
                run_id=self.run_id,
                source=item.source,
                url=item.url,
                title=page.title,
                reason="; ".join(page.relevance.reasons) or "not a work document",
                score=page.relevance.score,
                body=item.body,
                content_type=item.content_type,
            )
            self.archive.remember_validators(self._fetch(item), self.run_id, item.link_text)
            self._inc("archive/skipped")
            return
        sighting = Sighting(
            url=item.url,
            source=item.source,
            fetched_at=item.fetched_at,
            status=item.status,
            content_type=item.content_type,
            encoding=page.encoding,
            encoding_source=page.encoding_source,
            page_title=page.title,
            published=page.description.published,
            etag=item.etag,
            last_modified=item.last_modified,
            referer=item.referer,
        )
        added, previous = self.archive.add_page(
            text=page.text,
            fields=page.fields(),
            sighting=sighting,
            run_id=self.run_id,
            body=item.body,
            link_text=item.link_text,
        )
        self._inc("archive/documents_new" if added.new else "archive/duplicates")
        if previous is not None:
            self._inc("archive/revised")
        logger.info(
            "%s %s: %s",
            "revised" if previous else "archived" if added.new else "duplicate",
            item.url,
            page.title or "?",
        )

    @staticmethod
    def _fetch(item: PageItem) -> Sighting:
        """The fetch of a page, for its validators."""
        return Sighting(
            url=item.url,
            source=item.source,
            fetched_at=item.fetched_at,
            status=item.status,
            etag=item.etag,
            last_modified=item.last_modified,
            referer=item.referer,
        )

    def _fail(self, item: PageItem | FailureItem, stage: str, reason: str) -> None:
        assert self.archive is not None
        self.archive.add_failure(
            run_id=self.run_id,
            source=item.source,
            url=item.url,
            stage=stage,
            reason=reason,
            status=item.status,
            body=item.body if isinstance(item, PageItem) else None,
            content_type=item.content_type if isinstance(item, PageItem) else None,
        )
        if isinstance(item, PageItem):  # download it whole next time, to try again
            self.archive.forget_validators(item.url)
        self._inc("archive/failures")

    def _inc(self, key: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key)
