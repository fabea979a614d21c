"""Processes that prepare pages (decode → extract → clean → describe → judge, and a work
document's text index) beside a crawl, so that the crawl's own process only fetches.

A pool process that dies (killed, out of memory, a crash in a parser) takes the pages it
held with it: each is tried once more in a new pool, and a page that kills its process
twice is recorded as a failure of stage `process`, never lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.archiving import Item, Prepared, prepare

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """A pool process per core but one (the crawl's own process has a core's work), at
    least 1, at most 4."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def pool_context() -> multiprocessing.context.BaseContext:
    """Forked from a clean server process that has the text layer loaded (Linux): cheap to
    start, and safe from the crawl's threads; spawned elsewhere."""
    if sys.platform != "linux":
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.pool_server"])
    os.environ["CRAWLER_POOL_PARENT"] = str(os.getpid())  # for the server (pool_server.py)
    return context


# what a pool or writer process logs while working, logged again in the crawl's process
Records = list[tuple[int, str, str]]  # (level, logger name, message with its traceback)


class _Capture(logging.Handler):
    """Keeps the records of the work at hand (INFO and above), to be sent back."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: Records = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.name, self.format(record)))

    def take(self) -> Records:
        records, self.records = self.records, []
        return records


_CAPTURE = _Capture()


def capture_logs() -> _Capture:
    """In a pool or writer process: keep what it logs (see `relog`)."""
    root = logging.getLogger()
    if _CAPTURE not in root.handlers:
        root.addHandler(_CAPTURE)
        root.setLevel(logging.INFO)
    return _CAPTURE


def logged() -> Records:
    """What this process logged since last asked (`capture_logs` first)."""
    return _CAPTURE.take()


def relog(records: Records) -> None:
    """In the crawl's process: log what a pool or writer process logged, as it did."""
    for level, name, message in records:
        logging.getLogger(name).log(level, message)


def _prepare_logged(item: Item) -> tuple[Prepared, Records]:
    """`prepare` in a pool process, with what it logged."""
    capture_logs()
    logged()
    prepared = prepare(item, index=True)
    return prepared, logged()


def die_with_parent() -> None:
    """In a pool process: end when the process that started it ends, even by SIGKILL
    (Linux), and leave Ctrl-C to the crawl (a terminal sends it to the whole group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


class PagePool:
    """`submit(item)` prepares an item in another process; the future gives its Prepared."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self._closed = False

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers, mp_context=pool_context(), initializer=die_with_parent
        )

    def submit(self, item: Item) -> Future[Prepared]:
        """Prepare `item` in a pool process (with its text index)."""
        done: Future[Prepared] = Future()
        self._submit(item, done, tries=2)
        return done

    def _submit(self, item: Item, done: Future[Prepared], tries: int) -> None:
        with self._lock:
            pool = self._pool
            try:
                running = pool.submit(_prepare_logged, item)
            except (BrokenProcessPool, RuntimeError) as exc:  # broken, or shut down
                if self._closed:
                    done.set_exception(exc)
                    return
                running = None
        if running is None:
            self._replace(pool)
            self._submit(item, done, tries)
            return
        running.add_done_callback(lambda f: self._settle(item, done, f, pool, tries))

    def _settle(
        self,
        item: Item,
        done: Future[Prepared],
        running: Future[Prepared],
        pool: ProcessPoolExecutor,
        tries: int,
    ) -> None:
        if running.cancelled():
            done.cancel()
            return
        exc = running.exception()
        if exc is None:
            prepared, records = running.result()
            relog(records)
            done.set_result(prepared)
        elif isinstance(exc, BrokenProcessPool) and not self._closed:
            self._replace(pool)
            if tries > 1:
                self._submit(item, done, tries - 1)
            else:
                url = getattr(item, "url", "?")
                logger.error("the process preparing %s died twice: recorded as a failure", url)
                reason = "the cleaning process died on this page (twice)"
                done.set_result(Prepared(item, error=("process", reason)))
        else:
            done.set_exception(exc)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new pool in place of a broken one (once, however many pages it broke)."""
        with self._lock:
            if self._pool is broken and not self._closed:
                logger.warning("a page-preparing process died; starting new ones")
                self._pool = self._new_pool()
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self, *, wait: bool = True) -> None:
        """Stop the processes: after the pages submitted (`wait`), or at once."""
        with self._lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=wait, cancel_futures=not wait)
