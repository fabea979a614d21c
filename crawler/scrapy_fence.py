"""The bets this project places on Scrapy's private names, all here, checked at import.

- `HttpCompressionMiddleware._handle_encoding` and `_DecompressionMaxSizeExceeded`: the
  inflate limit per response (crawler/inflate.py) overrides the one and catches the other.
- `RedirectMiddleware._redirect`: where a redirect loop is told apart (crawler/redirect_loop.py).
- `ExecutionEngine._slot` (its `inprogress` and `nextcall`): when a fleet worker has finished
  a request and when to poll the shared queue (crawler/fleet/leased_scheduler.py).

Importing this module checks them all and raises IncompatibleVersion, one line, when a
Scrapy release moved one; `tests/test_fences.py` checks the check.
"""

from __future__ import annotations

import inspect
from typing import Any

import scrapy
from scrapy.core.engine import ExecutionEngine
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware

from crawler.text.errors import fence_failure

__all__ = ["TESTED", "DecompressionMaxSizeExceeded", "check", "engine_slot"]

TESTED = "Scrapy 2.19 (pyproject allows >=2.14,<3)"


def missing() -> list[str]:
    """The private names this project uses that the installed Scrapy lacks."""
    gone = []
    try:
        from scrapy.utils import _compression
    except ImportError:
        _compression = None  # type: ignore[assignment]
    if not hasattr(_compression, "_DecompressionMaxSizeExceeded"):
        gone.append("scrapy.utils._compression._DecompressionMaxSizeExceeded")
    if "max_size" not in _parameters(HttpCompressionMiddleware, "_handle_encoding"):
        gone.append("HttpCompressionMiddleware._handle_encoding(body, content_encoding, max_size)")
    if "redirected" not in _parameters(RedirectMiddleware, "_redirect"):
        gone.append("RedirectMiddleware._redirect(redirected, request, reason)")
    if "self._slot" not in inspect.getsource(ExecutionEngine):
        gone.append("ExecutionEngine._slot")
    return gone


def _parameters(cls: type, name: str) -> list[str]:
    method = getattr(cls, name, None)
    return list(inspect.signature(method).parameters) if callable(method) else []


def check() -> None:
    """Raise IncompatibleVersion when the installed Scrapy moved a name this project uses."""
    if gone := missing():
        raise fence_failure("scrapy", scrapy.__version__, gone, TESTED)


check()

from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # noqa: E402

DecompressionMaxSizeExceeded = _DecompressionMaxSizeExceeded


def engine_slot(engine: Any) -> Any:
    """The engine's slot: `inprogress` (requests not completely processed: items through the
    pipelines, links scheduled) and `nextcall` (poll the scheduler now), which Scrapy has
    no public hook for."""
    slot = getattr(engine, "_slot", None)
    if slot is None or not hasattr(slot, "inprogress"):
        raise fence_failure("scrapy", scrapy.__version__, ["ExecutionEngine._slot"], TESTED)
    return slot
