"""Imported first in the page pool's server process (multiprocessing's forkserver), never
elsewhere: that process ends when the crawl that started it ends, even by SIGKILL (Linux),
so neither it nor the pool processes it forks outlive a killed crawl; and it loads the
text layer once, for every pool process forked from it."""

from __future__ import annotations

import gc
import os
import signal
import sys

PARENT = "CRAWLER_POOL_PARENT"  # the crawl's process id, set by crawler/page_pool.py


def _orphaned() -> bool:
    """The crawl that started this process is gone (it was reparented)."""
    parent = os.environ.get(PARENT)
    return parent is not None and os.getppid() != int(parent)


if sys.platform == "linux":
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if _orphaned():  # killed before the line above: no signal will come
    os._exit(0)

import crawler.archiving  # noqa: E402, F401  (the text layer, loaded before any fork)

# what is loaded stays out of the garbage collector's passes, which would write to (and so
# copy) every page of it in each process forked from here
gc.freeze()
