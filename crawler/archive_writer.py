"""The one process that writes a crawl's archive, in batched transactions.

Prepared items queue up while a batch is being written; the writer takes all that are
waiting (up to `BATCH`) into the next transaction, each item in a savepoint of its own, and
reports each item's outcome only after the commit. Calls (`call`) run in the same process,
in order with the items, so the archive has one connection and one writer. It is a process
of its own so that its work never holds up the crawl's reactor (Python runs one thread at a
time). The running counts of the crawls (`note_progress`) are written once per batch at
most, the latest only.

If the writer process dies, every item not yet reported fails with `ArchiveUnwritable`,
which stops the crawl; what was committed before is complete.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from archive.errors import ArchiveError, ArchiveUnwritable
from archive.records import unwritable
from archive.store import Archive
from crawler.archiving import Archiver, Item, Prepared, prepare
from crawler.page_pool import Records, capture_logs, die_with_parent, logged, pool_context, relog

logger = logging.getLogger(__name__)

BATCH = 64  # items at most in one transaction
PROGRESS_EVERY = 2.0  # seconds between writes of the running counts, at most
GATHER = 0.005  # seconds a batch waits for the next item before it is written

T = TypeVar("T")
# called, in a thread of the crawl's process, once the item's transaction is over: the
# error that stopped it (None when stored) and the counters it moved (documents_new, …)
Done = Callable[[BaseException | None, list[str]], None]


class ArchiveWriter:
    """The crawl's handle on its writer process; `store` and `call` from any thread."""

    def __init__(self, db_path: str, *, progress_every: float = PROGRESS_EVERY) -> None:
        self.db_path = db_path
        self.progress_every = progress_every
        self._ids = itertools.count()
        self._lock = threading.Lock()  # one message at a time on the pipe
        self._waiting: dict[int, Done | Future] = {}
        self._process: Any = None
        self._reader: threading.Thread | None = None
        # messages go through a thread of their own: the pipe blocks when the writer is
        # busy, the crawl must not (what waits is bounded by Scrapy's scraper limit)
        self._queue: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._feeder: threading.Thread | None = None
        self._inbox: Connection | None = None  # what the writer sends back
        self._outbox: Connection | None = None  # what it is sent

    def start(self) -> ArchiveWriter:
        """Start the writer process, which opens the archive; raise what opening raised."""
        context = pool_context()
        their_in, self._outbox = context.Pipe(duplex=False)
        self._inbox, their_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_serve,
            args=(self.db_path, their_in, their_out, self.progress_every),
            name="archive-writer",
            daemon=True,
        )
        self._process.start()
        their_in.close()
        their_out.close()
        try:
            _, error = self._inbox.recv()
        except EOFError:
            error = ArchiveError(f"{self.db_path}: the archive writer did not start")
        if error is not None:
            self._process.join(5)
            raise error
        self._reader = threading.Thread(target=self._read, name="archive-writer-replies")
        self._reader.daemon = True
        self._reader.start()
        self._feeder = threading.Thread(target=self._feed, name="archive-writer-feeder")
        self._feeder.daemon = True
        self._feeder.start()
        return self

    # the crawl's side ------------------------------------------------------------------
    def store(self, prepared: Prepared | Item, run_id: int | None, done: Done) -> None:
        """Store a prepared item (or an item, prepared in the writer) in a coming batch;
        `done` is told when its batch is committed."""
        self._send("store", done, prepared, run_id)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(archive, *args)` in the writer, after what was queued before; its result.
        `fn` is a function of a module (it is sent to the writer by name)."""
        result: Future[T] = Future()
        self._send("call", result, fn, args)
        return result.result()

    def note_progress(self, run_id: int, fetched: int, unchanged: int) -> None:
        """A crawl's running counts, written with the next batch."""
        self._send("progress", None, run_id, fetched, unchanged)

    def close(self) -> None:
        """Write what is queued and stop the writer process."""
        if self._process is None:
            return
        if self._process.is_alive():
            self._send("stop", None)
            self._process.join()
        self._queue.put(None)
        for thread in (self._feeder, self._reader):
            if thread is not None:
                thread.join()
        self._process = None

    def _send(self, kind: str, waiting: Done | Future | None, *payload: Any) -> None:
        with self._lock:
            if self._outbox is None or self._process is None or not self._process.is_alive():
                error = self._stopped()
                if isinstance(waiting, Future):
                    waiting.set_exception(error)
                elif waiting is not None:
                    waiting(error, [])
                return
            job = next(self._ids)
            if waiting is not None:
                self._waiting[job] = waiting
        self._queue.put((kind, job, *payload))

    def _feed(self) -> None:
        """Messages to the writer, in order, until it stops taking them."""
        while (message := self._queue.get()) is not None:
            outbox = self._outbox
            if outbox is None:
                continue  # the writer is gone: the reader has told those waiting
            try:
                outbox.send(message)
            except (OSError, EOFError):
                continue

    def _read(self) -> None:
        """Replies from the writer, to the items and calls waiting for them."""
        assert self._inbox is not None
        while True:
            try:
                _, job, *reply = self._inbox.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                waiting = self._waiting.pop(job, None)
            *reply, records = reply
            relog(records)
            if isinstance(waiting, Future):
                ok, value = reply
                waiting.set_result(value) if ok else waiting.set_exception(value)
            elif waiting is not None:
                waiting(*reply)
        with self._lock:  # the writer is gone: nothing still waiting will be stored
            left, self._waiting = self._waiting, {}
            self._outbox = None
        error = self._stopped()
        for waiting in left.values():
            if isinstance(waiting, Future):
                waiting.set_exception(error)
            else:
                waiting(error, [])

    def _stopped(self) -> ArchiveUnwritable:
        code = self._process.exitcode if self._process is not None else None
        how = f" (exit code {code})" if code not in (None, 0) else ""
        return ArchiveUnwritable(
            f"{self.db_path}: the archive writer process has stopped{how}; what was archived"
            " before is complete, run again"
        )


def finish_run(
    archive: Archive, run_id: int, status: str, fetched: int, unchanged: int
) -> dict[str, int]:
    """Close a crawl's run with its counts; the counts, as `crawl_runs` holds them."""
    counts = archive.finish_run(run_id, status, pages_fetched=fetched, pages_unchanged=unchanged)
    archive.note_progress(run_id, fetched, unchanged)
    counts.update(archive.incremental_counts(run_id))
    return counts


# the writer's side --------------------------------------------------------------------


@dataclass
class _Store:
    job: int
    prepared: Prepared | Item
    run_id: int | None
    counted: list[str] = field(default_factory=list)
    records: Records = field(default_factory=list)


def _serve(db_path: str, inbox: Connection, outbox: Connection, progress_every: float) -> None:
    """The writer process: open the archive, then store and call until told to stop."""
    die_with_parent()
    capture_logs()
    try:
        archive = Archive(db_path)
    except BaseException as exc:
        outbox.send(("opened", _sendable(exc, db_path)))
        return
    outbox.send(("opened", None))
    writer = _Writer(archive, outbox, db_path)
    try:
        writer.serve(inbox, progress_every)
    finally:
        archive.close()


class _Writer:
    def __init__(self, archive: Archive, outbox: Connection, db_path: str) -> None:
        self.archive = archive
        self.outbox = outbox
        self.db_path = db_path
        self.current: _Store | None = None
        self.archiver = Archiver(archive, self._count)
        self.progress: dict[int, tuple[int, int]] = {}  # run id: (fetched, unchanged)

    def serve(self, inbox: Connection, progress_every: float) -> None:
        last_progress = time.monotonic()
        while True:
            messages = [inbox.recv()] if inbox.poll(progress_every) else []
            # what has come, and what keeps coming for a moment (large items cross the
            # pipe a few at a time)
            while messages and len(messages) < BATCH and messages[-1][0] != "stop":
                if not inbox.poll(GATHER):
                    break
                messages.append(inbox.recv())
            stop = bool(messages) and messages[-1][0] == "stop"
            self.handle([m for m in messages if m[0] != "stop"])
            now = time.monotonic()
            if self.progress and (stop or now - last_progress >= progress_every):
                last_progress = now
                self.write_progress()
            if stop:
                return

    def handle(self, messages: list[tuple]) -> None:
        """Runs of items in one transaction each; calls on their own, in order."""
        run: list[_Store] = []
        for kind, job, *payload in messages:
            if kind == "store":
                run.append(_Store(job, *payload))
            elif kind == "progress":
                run_id, fetched, unchanged = payload
                self.progress[run_id] = (fetched, unchanged)
            elif kind == "call":  # after what came before it: items, then counts
                self.commit(run)
                run = []
                self.write_progress()
                fn, args = payload
                try:
                    reply = (True, fn(self.archive, *args))
                except BaseException as exc:
                    reply = (False, _sendable(exc, self.db_path))
                self.outbox.send(("called", job, *reply, logged()))
        self.commit(run)

    def commit(self, jobs: list[_Store]) -> None:
        if not jobs:
            return
        try:
            with self.archive.batch():
                for job in jobs:
                    self.current = job
                    prepared = job.prepared
                    if not isinstance(prepared, Prepared):  # prepared here (no pool)
                        prepared = prepare(prepared, index=True)
                    self.archiver.store_or_record(prepared, job.run_id)
                    job.records = logged()
                self.current = None
        except Exception as exc:  # the archive refused the batch: none of it is stored
            self.current = None
            error = _sendable(exc, self.db_path)
            records = logged()
            for job in jobs:
                self.outbox.send(("stored", job.job, error, [], records))
                records = []
            return
        for job in jobs:
            self.outbox.send(("stored", job.job, None, job.counted, job.records))

    def write_progress(self) -> None:
        progress, self.progress = self.progress, {}
        for run_id, (fetched, unchanged) in progress.items():
            try:
                self.archive.note_progress(run_id, fetched, unchanged)
            except Exception as exc:  # counts are a courtesy: the next batch brings them
                logger.warning("could not write the running counts of run %s: %s", run_id, exc)

    def _count(self, key: str) -> None:
        if self.current is not None:
            self.current.counted.append(key)


def _sendable(exc: BaseException, db_path: str) -> BaseException:
    """An error that crosses to the crawl's process as it is meant: SQLite's refusals of
    any write become ArchiveUnwritable here (its error code does not travel)."""
    found = unwritable(exc, db_path)
    if found is not None:
        return found
    try:
        import pickle

        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return ArchiveError(f"{type(exc).__name__}: {exc}")
