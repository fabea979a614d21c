"""Log output for people: WARNING by default, network errors on one line each.

A site that is down, a name that does not resolve or a robots.txt that cannot be fetched
is an everyday event of a crawl, recorded in the archive's `failures`; Scrapy logs each
with a traceback of 30-70 lines. `OneLineNetworkErrors` keeps the message (which names
the URL and the error) and drops the traceback, below DEBUG.
"""

from __future__ import annotations

import logging

# recorded in the archive and counted in the summary: shown from -v on
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")
# where the exceptions of an unreachable or misbehaving server come from
NETWORK_MODULES = ("twisted.internet.error", "twisted.web._newclient", "twisted.names.error")
SCRAPY_NETWORK_ERRORS = (
    "DownloadConnectionRefusedError",
    "CannotResolveHostError",
    "DownloadTimeoutError",
    "DownloadCancelledError",
    "DownloadFailedError",
    "ResponseDataLossError",
)


def is_network_error(exc: BaseException) -> bool:
    """Whether `exc` says a server could not be reached or answered badly."""
    kind = type(exc)
    if kind.__module__ in NETWORK_MODULES:
        return True
    return kind.__module__ == "scrapy.exceptions" and kind.__name__ in SCRAPY_NETWORK_ERRORS


class OneLineNetworkErrors(logging.Filter):
    """Drops the traceback of a record about a network error (its message says enough)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_network_error(exc):
            record.exc_info = None
            record.exc_text = None
        return True


def configure(verbosity: int) -> str:
    """Log to stderr at WARNING (0), INFO (1) or DEBUG (2 or more); the level's name."""
    level = ["WARNING", "INFO", "DEBUG"][min(verbosity, 2)]
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbosity < 2:
        handler.addFilter(OneLineNetworkErrors())
    if verbosity == 0:
        handler.addFilter(lambda record: not record.name.startswith(QUIET_LOGGERS))
    logging.basicConfig(level=level, handlers=[handler])
    return level
