"""The one thread that writes a crawl's archive, in batched transactions.

Prepared items queue up while a batch is being written; the writer takes all that are
waiting (up to `BATCH`) into the next transaction, each item in a savepoint of its own, and
reports each item's outcome only after the commit. Calls (`call`) run in the same thread,
in order with the items, so the archive has one connection and one writer. The running
counts of the crawl (`Archive.note_progress`) are written every `PROGRESS_EVERY` seconds
rather than per item.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from archive.errors import ArchiveError
from archive.store import Archive
from crawler.archiving import Archiver, Prepared

logger = logging.getLogger(__name__)

BATCH = 64  # items at most in one transaction
PROGRESS_EVERY = 2.0  # seconds between writes of the running counts

T = TypeVar("T")
# called, in the writer thread, after the item's transaction: the error that stopped it
# (None when stored) and the counters it moved (documents_new, duplicates, skipped, …)
Done = Callable[[BaseException | None, list[str]], None]


@dataclass
class _Store:
    prepared: Prepared | Callable[[], Prepared]  # or the work that prepares it, done here
    run_id: int | None
    done: Done
    counted: list[str] = field(default_factory=list)


@dataclass
class _Call:
    fn: Callable[[Archive], Any]
    result: Future


_STOP = object()


class ArchiveWriter:
    """Owns the archive connection of a crawl; `store` and `call` from any thread."""

    def __init__(self, db_path: str, *, progress_every: float = PROGRESS_EVERY) -> None:
        self.db_path = db_path
        # called with the archive every `progress_every` seconds and at the end: the
        # running counts of the crawls writing here
        self.progress: list[Callable[[Archive], None]] = []
        self.progress_every = progress_every
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self._opened: Future[None] = Future()
        self._current: _Store | None = None
        self.archive: Archive | None = None

    def start(self) -> ArchiveWriter:
        """Open the archive in the writer thread; raise what opening it raised."""
        self._thread.start()
        self._opened.result()
        return self

    def store(
        self, prepared: Prepared | Callable[[], Prepared], run_id: int | None, done: Done
    ) -> None:
        """Store a prepared item (or prepare it here first) in a coming batch; `done` is
        told when it is committed."""
        self._queue.put(_Store(prepared, run_id, done))

    def call(self, fn: Callable[[Archive], T]) -> T:
        """Run `fn(archive)` in the writer thread after what was queued before; its result."""
        if not self._thread.is_alive():
            raise ArchiveError(f"{self.db_path}: the archive writer has stopped")
        result: Future[T] = Future()
        self._queue.put(_Call(fn, result))
        return result.result()

    def close(self) -> None:
        """Write what is queued, the counts last, and close the archive."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    # the thread -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.archive = Archive(self.db_path)
        except BaseException as exc:
            self._opened.set_exception(exc)
            return
        self._opened.set_result(None)
        archiver = Archiver(self.archive, self._count)
        last_progress = time.monotonic()
        try:
            while True:
                try:
                    first = self._queue.get(timeout=self.progress_every)
                except queue.Empty:
                    first = None
                jobs = [] if first is None else [first]
                while jobs and len(jobs) < BATCH and jobs[-1] is not _STOP:
                    try:
                        jobs.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = bool(jobs) and jobs[-1] is _STOP
                self._write(archiver, [j for j in jobs if j is not _STOP])
                now = time.monotonic()
                if stop or now - last_progress >= self.progress_every:
                    last_progress = now
                    self._note_progress()
                if stop:
                    return
        finally:
            self.archive.close()
            self._refuse_the_rest()

    def _refuse_the_rest(self) -> None:
        """After the thread ends: whatever is still queued is told it was not stored."""
        stopped = ArchiveError(f"{self.db_path}: the archive writer has stopped")
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _Call):
                job.result.set_exception(stopped)
            elif isinstance(job, _Store):
                job.done(stopped, [])

    def _write(self, archiver: Archiver, jobs: list[_Store | _Call]) -> None:
        """Runs of items in one transaction each; calls on their own, in queue order."""
        run: list[_Store] = []
        for job in jobs:
            if isinstance(job, _Store):
                run.append(job)
                continue
            self._commit(archiver, run)
            run = []
            try:
                job.result.set_result(job.fn(self.archive))
            except BaseException as exc:
                job.result.set_exception(exc)
        self._commit(archiver, run)

    def _commit(self, archiver: Archiver, jobs: list[_Store]) -> None:
        if not jobs:
            return
        assert self.archive is not None
        try:
            with self.archive.batch():
                for job in jobs:
                    self._current = job
                    prepared = job.prepared
                    if not isinstance(prepared, Prepared):
                        prepared = prepared()
                    archiver.store_or_record(prepared, job.run_id)
                self._current = None
        except Exception as exc:  # the archive refused the batch: none of it is stored
            self._current = None
            for job in jobs:
                job.done(exc, [])
            return
        for job in jobs:
            job.done(None, job.counted)

    def _count(self, key: str) -> None:
        if self._current is not None:
            self._current.counted.append(key)

    def _note_progress(self) -> None:
        assert self.archive is not None
        for note in list(self.progress):
            try:
                note(self.archive)
            except Exception as exc:  # counts are a courtesy: the next write brings them
                logger.warning("could not write a crawl's running counts: %s", exc)
