"""The errors the text layer raises; the CLI turns each into one line on stderr."""

from __future__ import annotations


class CrawlerError(Exception):
    """Base class of every error this project raises on purpose."""


class RulesError(CrawlerError):
    """A chrome-rules or vocabulary file is unreadable or invalid."""


class DecodeError(CrawlerError):
    """Bytes could not be decoded into text."""


class ExtractError(CrawlerError):
    """No main text could be found in a page."""


class UnsupportedFormat(CrawlerError):
    """A file or response is of a kind the crawler cannot read."""


class IncompatibleVersion(CrawlerError):
    """An installed dependency no longer has a private name this project relies on."""


def fence_failure(
    package: str, version: str, missing: list[str], tested: str
) -> IncompatibleVersion:
    """The one-line error of a fence: which names moved, in which version, what is tested."""
    return IncompatibleVersion(
        f"{package} {version} is not supported: {', '.join(missing)} moved or went away "
        f"(tested with {tested}); install a tested version"
    )


class StageError(CrawlerError):
    """A processing stage failed on one page; `stage` names it for the failures table."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
