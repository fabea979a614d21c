"""Re-derive the archive from the raw bytes it keeps, after the rules or the code improved.

Every kept capture goes through `process` again: documents get their new text and
metadata (ids stay where the text allows), skipped pages that now read as work documents
are archived, and failed pages that can now be read are archived or skipped. Nothing is
lost: a page that now fails keeps its old document, and every change is one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.records import Refiled, Sighting
from archive.store import Archive
from crawler.errors import ProfileError, StageError
from crawler.text.extract import Selectors
from crawler.text.process import Page, process

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class Reprocessed:
    """What a reprocessing pass changed."""

    sightings: int = 0
    documents_before: int = 0
    documents_after: int = 0
    texts_changed: int = 0
    now_irrelevant: int = 0
    skipped_archived: int = 0
    failures_archived: int = 0
    failures_skipped: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def _selectors_by_source() -> dict[str, Selectors]:
    """Profile selectors by source name; none when the profiles cannot be read."""
    from spiders.profiles import load_profiles

    try:
        return {name: p.selectors for name, p in load_profiles().items()}
    except ProfileError as exc:
        logger.warning("profiles not loaded, reprocessing without selectors: %s", exc)
        return {}


class _Pages:
    """`process` over kept captures, each (capture, url) processed once."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.selectors = _selectors_by_source()
        self.cache: dict[tuple[str, str], Page | StageError] = {}

    def page(self, row: dict[str, Any]) -> Page | StageError:
        key = (row["capture_sha256"], row["url"])
        if key not in self.cache:
            body = self.archive.read_capture(row["capture_sha256"])
            try:
                self.cache[key] = process(
                    body,
                    url=row["url"],
                    content_type=row["content_type"],
                    selectors=self.selectors.get(row["source"]),
                    # an attachment keeps the title and date the page linking it gave
                    link_text=row.get("link_text"),
                    published_hint=row.get("published"),
                )
            except StageError as exc:
                self.cache[key] = exc
        return self.cache[key]


def reprocess(archive: Archive, progress: Progress | None = None) -> Reprocessed:
    """Re-derive documents, skipped pages and failures from their kept raw bytes."""
    result = Reprocessed(documents_before=_count(archive, "documents"))
    pages = _Pages(archive)
    _documents(archive, pages, result, progress)
    _skipped(archive, pages, result, progress)
    _failures(archive, pages, result, progress)
    result.documents_after = _count(archive, "documents")
    return result


def _count(archive: Archive, table: str) -> int:
    return archive.count(table)


def _documents(
    archive: Archive, pages: _Pages, result: Reprocessed, progress: Progress | None
) -> None:
    """Refile every captured sighting, one document's sightings per transaction."""
    rows = archive.captured_sightings()
    by_document: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_document.setdefault(row["document_id"], []).append(row)
    done = 0
    for document_id, sightings in by_document.items():
        old_text = archive.document_text(document_id)
        moves = []
        for index, row in enumerate(sightings):
            page = pages.page(row)
            if isinstance(page, StageError):
                result.errors.append((row["url"], str(page)))
                continue
            if old_text is not None and page.text != old_text:
                result.texts_changed += 1
            if not page.relevance.relevant:
                result.now_irrelevant += 1
            moves.append(_refiled(row, page, keeps_id=index == 0))
        archive.refile(moves)
        result.sightings += len(moves)
        done += len(sightings)
        if progress:
            progress("documents", done, len(rows))


def _refiled(row: dict[str, Any], page: Page, keeps_id: bool) -> Refiled:
    return Refiled(
        sighting_id=row["id"],
        document_id=row["document_id"],
        keeps_id=keeps_id,
        text=page.text,
        fields=page.fields(),
        fetched_at=row["fetched_at"],
        encoding=page.encoding,
        encoding_source=page.encoding_source,
        page_title=page.title,
        published=page.description.published,
    )


def _sighting(row: dict[str, Any], page: Page) -> Sighting:
    return Sighting(
        url=row["url"],
        source=row["source"],
        fetched_at=row["at"],
        content_type=row["content_type"],
        encoding=page.encoding,
        encoding_source=page.encoding_source,
        page_title=page.title,
        published=page.description.published,
    )


def _archive(archive: Archive, table: str, row: dict[str, Any], page: Page) -> None:
    """Move a skipped or failed page into the documents, in one transaction."""
    archive.promote(
        table,
        row["id"],
        text=page.text,
        fields=page.fields(),
        sighting=_sighting(row, page),
        run_id=row["run_id"],
        capture=row["capture_sha256"],
    )


def _skipped(
    archive: Archive, pages: _Pages, result: Reprocessed, progress: Progress | None
) -> None:
    """Archive skipped pages that now read as work documents; refresh the others' verdicts."""
    rows = archive.captured_rows("skipped")
    for done, row in enumerate(rows, 1):
        page = pages.page(row)
        if isinstance(page, StageError):
            result.errors.append((row["url"], str(page)))
        elif page.relevance.relevant:
            _archive(archive, "skipped", row, page)
            result.skipped_archived += 1
        else:
            reason = "; ".join(page.relevance.reasons) or "not a work document"
            archive.update_skipped(row["id"], page.title, reason, page.relevance.score)
        if progress:
            progress("skipped", done, len(rows))


def _failures(
    archive: Archive, pages: _Pages, result: Reprocessed, progress: Progress | None
) -> None:
    """Archive (or skip) failed pages that can now be read; the others stay as they are."""
    rows = archive.captured_rows("failures")
    for done, row in enumerate(rows, 1):
        page = pages.page(row)
        if isinstance(page, StageError):
            pass  # still failing: the failure row already says why
        elif page.relevance.relevant:
            _archive(archive, "failures", row, page)
            result.failures_archived += 1
        else:
            reason = "; ".join(page.relevance.reasons) or "not a work document"
            archive.failure_to_skipped(row["id"], page.title, reason, page.relevance.score)
            result.failures_skipped += 1
        if progress:
            progress("failures", done, len(rows))
