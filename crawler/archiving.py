"""Archive one crawled item: the same path for a local crawl and for the fleet's ingester.

Two steps: `prepare(item)` runs decode → extract → clean → describe → judge on a
`PageItem` (pure, so any process can run it), and `Archiver.store(prepared, run_id)`
writes the document, the skipped page or the failure (`FailureItem` and `UnchangedItem`
are recorded as they are). `Archiver.archive_item` does both: `ArchivePipeline` calls it
in-process; `crawler.fleet.ingest` prepares batches of items from Redis in a process pool
and stores them in order, as the one writer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

from archive.records import Sighting, TextIndex, text_index
from archive.store import Archive
from crawler.errors import StageError
from crawler.items import FailureItem, PageItem, UnchangedItem
from crawler.text.extract import Selectors
from crawler.text.process import Page, process

logger = logging.getLogger(__name__)

Item = PageItem | FailureItem | UnchangedItem
# called with the name of a counter: documents_new, duplicates, revised, skipped, failures,
# unchanged
Count = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    """An item with its processed page, or the stage and reason processing failed."""

    item: Item
    page: Page | None = None
    error: tuple[str, str] | None = None
    index: TextIndex | None = None  # a work document's text index, when asked for


def prepare(item: Item, *, index: bool = False) -> Prepared:
    """Process a page item (other items need no processing); never raises for bad pages.

    `index`: also make a work document's `text_index` (its simplified text and sketch),
    which the writer would otherwise make if the text is new: worth it where preparing
    runs beside the writer, in other processes (the fleet ingester).
    """
    if not isinstance(item, PageItem):
        return Prepared(item)
    try:
        page = process(
            item.body,
            url=item.url,
            content_type=item.content_type,
            selectors=Selectors(**item.selectors) if item.selectors else None,
            link_text=item.link_text,
            published_hint=item.published_hint,
        )
    except StageError as exc:
        return Prepared(item, error=(exc.stage, str(exc)))
    except Exception as exc:  # a bug in a stage must not lose the page or stop the crawl
        logger.exception("processing %s failed", item.url)
        return Prepared(item, error=("process", f"{type(exc).__name__}: {exc}"))
    if index and page.relevance.relevant:
        return Prepared(item, page=page, index=text_index(page.text))
    return Prepared(item, page=page)


class Archiver:
    """Processes items and writes them to an open `Archive`."""

    def __init__(self, archive: Archive, count: Count | None = None) -> None:
        self.archive = archive
        self.count = count or (lambda key: None)

    def archive_item(self, item: Item, run_id: int | None) -> None:
        """Process and store one item (one transaction)."""
        self.store(prepare(item), run_id)

    def store_or_record(
        self, prepared: Prepared, run_id: int | None, stage: str = "archive"
    ) -> None:
        """`store`, and when storing fails on a bad value (a bug, not the archive), record
        the page as a failure of `stage` instead: nothing is dropped unrecorded.
        SQLite's own errors (full, read-only, locked) are raised: the archive is unusable."""
        item = prepared.item
        try:
            with self.archive.atomic():
                self.store(prepared, run_id)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:
            logger.exception("archiving %s failed", item.url)
            self.fail(item, stage, f"{type(exc).__name__}: {exc}", run_id)

    def store(self, prepared: Prepared, run_id: int | None) -> None:
        """Archive, skip or record the failure of one prepared item (one transaction)."""
        item = prepared.item
        if isinstance(item, FailureItem):
            self.fail(item, item.stage, item.reason, run_id)
        elif isinstance(item, PageItem):
            if prepared.error is not None:
                self.fail(item, *prepared.error, run_id)
            elif prepared.page is not None:
                self._archive_page(item, prepared.page, run_id, prepared.index)
        elif isinstance(item, UnchangedItem):
            self.archive.mark_unchanged(item.url, run_id, item.fetched_at)
            self.count("unchanged")
            logger.info("unchanged %s", item.url)

    def _archive_page(
        self, item: PageItem, page: Page, run_id: int | None, index: TextIndex | None
    ) -> None:
        if not page.relevance.relevant:
            with self.archive.atomic():  # the page and its validators, or neither
                self.archive.add_skipped(
                    run_id=run_id,
                    source=item.source,
                    url=item.url,
                    title=page.title,
                    reason="; ".join(page.relevance.reasons) or "not a work document",
                    score=page.relevance.score,
                    body=item.body,
                    content_type=item.content_type,
                )
                self.archive.remember_validators(fetch_of(item), run_id, item.link_text)
            self.count("skipped")
            return
        sighting = replace(
            fetch_of(item),
            content_type=item.content_type,
            encoding=page.encoding,
            encoding_source=page.encoding_source,
            page_title=page.title,
            published=page.description.published,
        )
        added, previous = self.archive.add_page(
            text=page.text,
            fields=page.fields(),
            sighting=sighting,
            run_id=run_id,
            body=item.body,
            link_text=item.link_text,
            index=index,
        )
        self.count("documents_new" if added.new else "duplicates")
        if previous is not None:
            self.count("revised")
        logger.info(
            "%s %s: %s",
            "revised" if previous else "archived" if added.new else "duplicate",
            item.url,
            page.title or "?",
        )

    def fail(self, item: Item, stage: str, reason: str, run_id: int | None) -> None:
        """Record a page that could not be fetched or processed, with its bytes if any."""
        with self.archive.atomic():  # the failure and forgetting the validators, or neither
            self.archive.add_failure(
                run_id=run_id,
                source=item.source,
                url=item.url,
                stage=stage,
                reason=reason,
                status=getattr(item, "status", None),
                body=item.body if isinstance(item, PageItem) else None,
                content_type=item.content_type if isinstance(item, PageItem) else None,
            )
            if isinstance(item, PageItem):  # download it whole next time, to try again
                self.archive.forget_validators(item.url)
        self.count("failures")


def fetch_of(item: PageItem) -> Sighting:
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
