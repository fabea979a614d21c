"""Imported first in the page pool's server process (multiprocessing's forkserver), never
elsewhere: that process ends when the crawl that started it ends, even by SIGKILL (Linux),
so neither it nor the pool processes it forks outlive a killed crawl; and it loads the
text layer once, for every pool process forked from it."""

from __future__ import annotations

import signal
import sys

if sys.platform == "linux":
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

import gc

import crawler.archiving  # noqa: F401  (the text layer, loaded before any fork)

# what is loaded stays out of the garbage collector's passes, which would write to (and so
# copy) every page of it in each process forked from here
gc.freeze()
