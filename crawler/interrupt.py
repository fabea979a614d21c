"""SIGINT and SIGTERM for people: acknowledged at once, work stopped cleanly, a second one
stops at once; the exit status is 128 + the signal's number (130 for SIGINT, 143 for
SIGTERM).

Every command runs inside `interruptible()`: the first signal raises `Interrupted` in the
main thread, so open transactions roll back and temporary files are removed as the stack
unwinds. Crawls replace it with `crawler.crawl_stop.CrawlStopper` while the reactor runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The user stopped a command with SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return exit_code(self.signum)


def exit_code(signum: int) -> int:
    """The shell's status for a process stopped by `signum` (130 for SIGINT)."""
    return 128 + signum


def say(text: str) -> None:
    """One line on stderr, safe inside a signal handler (no buffered stream involved)."""
    line = f"\r\033[K{text}\n" if sys.stderr.isatty() else f"{text}\n"  # over a progress line
    with contextlib.suppress(OSError, ValueError):
        os.write(sys.stderr.fileno(), line.encode())


def acknowledge(signum: int) -> None:
    again = "Ctrl-C" if signum == signal.SIGINT else "signal"
    say(f"{signal.Signals(signum).name}: stopping… ({again} again to stop at once)")


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within: the first SIGINT or SIGTERM raises `Interrupted`; a second exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if first:
            say("stopped")
            os._exit(exit_code(first[0]))
        first.append(signum)
        acknowledge(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def serve_until_interrupted() -> None:
    """Block until SIGINT (or, inside `interruptible()`, SIGTERM) raises in the main thread.

    Short sleeps: a signal the kernel hands to another thread (a server's) sets Python's
    flag but does not cut a long sleep of the main thread short.
    """
    while True:
        time.sleep(0.2)
