"""The archive pipeline: processes each raw page and stores it, or records why not."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.store import Archive, Sighting
from crawler.errors import StageError
from crawler.extract import Selectors
from crawler.items import FailureItem, PageItem
from crawler.process import process

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Runs decode → extract → clean → describe → judge on each page and archives it."""

    def __init__(self, db_path: str, crawler: Crawler, command: str | None = None) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.command = command
        self.archive: Archive | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured
        return cls(settings["ARCHIVE_DB"], crawler, settings.get("ARCHIVE_COMMAND"))

    @property
    def source(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider else "unknown"

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        self.run_id = self.archive.start_run(self.source, self.command)
        logger.info("archiving into %s (run %s)", self.db_path, self.run_id)

    def close_spider(self) -> None:
        if self.archive is None or self.run_id is None:
            return
        stats = self.crawler.stats
        reason = stats.get_value("finish_reason") if stats else None
        status = "finished" if reason in ("finished", None) else str(reason)
        fetched = stats.get_value("response_received_count", 0) if stats else None
        counts = self.archive.finish_run(self.run_id, status, pages_fetched=fetched)
        for key, value in counts.items():
            if stats:
                stats.set_value(f"archive/{key}", value)
        self.archive.close()

    def process_item(self, item: Any) -> Any:
        assert self.archive is not None
        if isinstance(item, FailureItem):
            self._fail(item, item.stage, item.reason)
        elif isinstance(item, PageItem):
            self._archive_page(item)
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
        added = self.archive.add_document(
            text=page.text,
            fields=page.fields(),
            sighting=sighting,
            run_id=self.run_id,
            body=item.body,
        )
        self._inc("archive/documents_new" if added.new else "archive/duplicates")
        logger.info(
            "%s %s: %s", "archived" if added.new else "duplicate", item.url, page.title or "?"
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
        self._inc("archive/failures")

    def _inc(self, key: str) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key)
