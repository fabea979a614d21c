"""Crash safety: `crawler crawl` of the sample sites killed with SIGKILL at moments spread
over the crawl leaves a consistent archive, and the next run completes it into exactly
what one uninterrupted crawl archives.

Each trial crawls into a fresh archive and is killed either a seeded random time after
start (start-up: schema creation, opening the archive) or a seeded random few
milliseconds after the sample server has answered its k-th request, k spread evenly over
the crawl. `CRASH_TRIALS` sets the number of trials (default 20), `CRASH_SEED` the seed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability import (
    content,
    crawl,
    crawl_command,
    crawl_env,
    differences,
    problems,
    write_profiles,
)

from crawler.sample_site.server import SampleSites

TRIALS = int(os.environ.get("CRASH_TRIALS", "20"))
SEED = int(os.environ.get("CRASH_SEED", "20261123"))
AT_START = 2  # trials killed before the first request


@dataclass(frozen=True)
class Reference:
    """One uninterrupted crawl: its content and the requests it made."""

    content: dict
    requests: int
    profiles: Path


@dataclass(frozen=True)
class Moment:
    """When to kill: `delay` seconds after start (`after` = 0) or after the `after`-th request."""

    after: int
    delay: float


def moments(trials: int, requests: int, seed: int) -> list[Moment]:
    """Kill moments spread over a crawl of `requests` requests, reproducible from `seed`."""
    rng = random.Random(seed)
    found = [Moment(0, rng.uniform(0.05, 1.2)) for _ in range(min(AT_START, trials))]
    rest = trials - len(found)
    for i in range(rest):
        after = 1 + (i * (requests - 2)) // max(rest - 1, 1)
        found.append(Moment(after, rng.uniform(0.0, 0.03)))
    return found


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleSites]:
    with SampleSites() as served:
        yield served


@pytest.fixture(scope="module")
def reference(sites: SampleSites, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    tmp = tmp_path_factory.mktemp("reference")
    profiles = write_profiles(tmp / "profiles", sites)
    start = len(sites.requests)
    done = crawl(tmp / "archive.db", profiles)
    assert done.returncode == 0, done.stderr[-3000:]
    assert problems(tmp / "archive.db") == []
    return Reference(content(tmp / "archive.db"), len(sites.requests) - start, profiles)


def crawl_killed(db: Path, profiles: Path, sites: SampleSites, moment: Moment) -> int:
    """Start a crawl, SIGKILL it at `moment`, return its exit status."""
    served = 0
    lock = threading.Lock()
    timers: list[threading.Timer] = []
    proc = subprocess.Popen(
        crawl_command(db),
        cwd=db.parent,
        env=crawl_env(profiles),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kill_later() -> None:
        timer = threading.Timer(moment.delay, proc.send_signal, (signal.SIGKILL,))
        timers.append(timer)
        timer.start()

    def count(site: str, path: str) -> None:
        nonlocal served
        with lock:
            served += 1
            if served == moment.after:
                kill_later()

    if moment.after == 0:
        kill_later()
    else:
        sites.hooks.append(count)
    try:
        return proc.wait(timeout=300)
    finally:
        if count in sites.hooks:
            sites.hooks.remove(count)
        for timer in timers:
            timer.cancel()


def trial_moments() -> list[Moment]:
    # the crawl of the sample sites makes about 50 requests (checked against the reference)
    return moments(TRIALS, 51, SEED)


def trial_id(moment: Moment) -> str:
    return f"after{moment.after}req+{moment.delay * 1000:.0f}ms"


@pytest.mark.parametrize("moment", trial_moments(), ids=trial_id)
def test_killed_crawl_leaves_a_consistent_archive_the_next_run_completes(
    moment: Moment, sites: SampleSites, reference: Reference, tmp_path: Path
) -> None:
    assert moment.after < reference.requests  # the kill falls inside the crawl
    db = tmp_path / "archive.db"
    status = crawl_killed(db, reference.profiles, sites, moment)
    assert status == -signal.SIGKILL, "the crawl ended before it was killed"
    if db.exists():  # killed before the archive was created: nothing to check
        assert problems(db) == []

    done = crawl(db, reference.profiles)
    assert done.returncode == 0, done.stderr[-3000:]
    assert problems(db) == []
    assert differences(content(db), reference.content) == {}
