"""Stopping crawls on SIGINT or SIGTERM: at once, cleanly, with every run closed.

The first signal stops taking requests, drops the ones waiting for their site's delay, lets
the pages being fetched and the items being archived finish, and closes each run as
`interrupted`. After `GRACE` seconds, or at a second signal, the crawl is cut short where it
is (the runs are still closed) and the reactor stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import is_reactor_installed
from twisted.python.failure import Failure

from crawler.interrupt import SIGNALS, acknowledge, exit_code, say
from spiders.base import DroppedByPolicy

GRACE = 5.0  # seconds a stopping crawl has to finish its pages before it is cut short
HARD_EXIT = 3.0  # seconds a forced stop may take before the process exits regardless

# sent to each crawler when a crawl is cut short: whoever holds a run closes it now
# (crawler/archive_pipeline.py); sent from the reactor thread, so no item is half archived
crawl_cut_short = object()


class CrawlInterrupted(DroppedByPolicy):
    """A request dropped because the crawl is stopping (not a failure: the next run has it)."""


class CrawlStopper:
    """Stops the crawls of one `CrawlerProcess` on SIGINT or SIGTERM (see the module's doc).

    `install()` before the crawls start (Scrapy's own handlers are not installed), and
    `wake_reactor()` once they have installed the reactor; `signum` tells afterwards
    whether, and by which signal, the crawl was stopped.
    """

    def __init__(self, crawlers: list[Crawler], *, grace: float = GRACE) -> None:
        self.crawlers = crawlers
        self.grace = grace
        self.signum: int | None = None
        self.cut_short = False
        self._previous: dict[int, Any] = {}
        self._hard_exit: threading.Timer | None = None
        self._waker: _Waker | None = None

    def install(self) -> None:
        for crawler in self.crawlers:  # a crawl not yet started when the signal came
            crawler.signals.connect(self._engine_started, signal=signals.engine_started)
        self._previous = {s: signal.signal(s, self._on_signal) for s in SIGNALS}

    def wake_reactor(self) -> None:
        """Once the crawls installed their reactor: wake it at every signal."""
        if is_reactor_installed() and self._waker is None:
            self._waker = _Waker()

    def uninstall(self) -> None:
        for s, old in self._previous.items():
            signal.signal(s, old)
        self._previous = {}
        if self._waker is not None:
            self._waker.close()
            self._waker = None
        if self._hard_exit is not None:
            self._hard_exit.cancel()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        from twisted.internet import reactor

        if self.signum is None:
            self.signum = signum
            acknowledge(signum)
            reactor.callFromThread(self.stop)  # type: ignore[attr-defined]
            return
        say("stopping at once")
        self._arm_hard_exit()
        reactor.callFromThread(self.cut)  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop every crawl gracefully; cut them short after the grace period."""
        from twisted.internet import reactor

        for crawler in self.crawlers:
            self._stop_crawler(crawler)
        reactor.callLater(self.grace, self.cut)  # type: ignore[attr-defined]

    def _engine_started(self) -> None:
        if self.signum is not None:
            for crawler in self.crawlers:
                self._stop_crawler(crawler)

    def _stop_crawler(self, crawler: Crawler) -> None:
        engine = crawler.engine if crawler.crawling else None
        if engine is None or not engine.running:
            return
        drop_waiting_requests(crawler)
        stopping = deferred_from_coro(crawler.stop_async())
        stopping.addErrback(lambda _: None)  # already stopping

    def cut(self) -> None:
        """Stop now: every run closed as interrupted, then the reactor."""
        from twisted.internet import reactor

        if self.cut_short:
            return
        self.cut_short = True
        self._arm_hard_exit()
        for crawler in self.crawlers:
            crawler.signals.send_catch_log(crawl_cut_short)
        with contextlib.suppress(RuntimeError):  # already stopped
            reactor.stop()  # type: ignore[attr-defined]

    def _arm_hard_exit(self) -> None:
        """If stopping the reactor hangs (a thread stuck in a DNS lookup), exit anyway."""
        if self._hard_exit is None and self.signum is not None:
            self._hard_exit = threading.Timer(HARD_EXIT, os._exit, [exit_code(self.signum)])
            self._hard_exit.daemon = True
            self._hard_exit.start()


class _Waker:
    """Wakes the reactor when a signal arrives (`signal.set_wakeup_fd`): a signal the kernel
    hands to another thread (a DNS lookup's) would otherwise wait for the reactor's next
    timer. Twisted does this only when it installs its own handlers, which it does not here.
    """

    def __init__(self) -> None:
        from twisted.internet import reactor

        self.reading, writing = socket.socketpair()
        self.reading.setblocking(False)
        writing.setblocking(False)
        self.writing = writing
        self.previous = signal.set_wakeup_fd(writing.fileno(), warn_on_full_buffer=False)
        reactor.addReader(self)  # type: ignore[attr-defined]

    def fileno(self) -> int:
        return self.reading.fileno()

    def doRead(self) -> None:
        with contextlib.suppress(OSError):
            while self.reading.recv(64):
                pass

    def connectionLost(self, reason: Failure) -> None:
        pass

    def logPrefix(self) -> str:
        return "signal-waker"

    def close(self) -> None:
        from twisted.internet import reactor

        reactor.removeReader(self)  # type: ignore[attr-defined]
        signal.set_wakeup_fd(self.previous)
        self.reading.close()
        self.writing.close()


def drop_waiting_requests(crawler: Crawler) -> int:
    """Fail the requests queued in the downloader for their site's delay or concurrency slot
    (with a 1 s delay and 16 in flight, they would take 16 s more); the count dropped.

    Scrapy has no public call for this: the downloader's `slots` and each slot's `queue`
    (Scrapy 2.14-2.19) are used when present, and nothing is dropped otherwise.
    """
    downloader = getattr(crawler.engine, "downloader", None)
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        queue = getattr(slot, "queue", None)
        while queue:
            request, waiting = queue.popleft()
            waiting.errback(Failure(CrawlInterrupted(f"crawl stopping: {request.url} not fetched")))
            dropped += 1
    return dropped
