"""The ingester: items from Redis into the archive, one writer, nothing lost or doubled.

Reliable-queue pattern: items are moved (BLMOVE) from `fleet:items` to
`fleet:items:processing` a batch at a time, archived by the same code as a local crawl
(`crawler.archiving.Archiver`) in one SQLite transaction per batch (each item in a
savepoint, so a bad one is rolled back alone), and removed from the processing list (LREM)
only after that commit. At start the processing list is handled first (what a killed
ingester had taken). Archiving is idempotent: an item whose URL already has an outcome in
its crawl's run (a sighting, a skipped page, a failure) is acknowledged without writing,
so a re-delivered item, or a page fetched again after a worker died, is archived once.
An item that cannot be read is recorded in `failures` (stage `ingest`, once per distinct
item: its reason names the item's digest) and acknowledged.

Each crawl becomes one `crawl_runs` row (command `fleet: crawl <crawl id>`), found again by
a later ingester; runs are closed when the ingester stops after `--until-idle`.
A lock (`fleet:ingester`, refreshed while running, expiring `--lease-timeout` after the
ingester died) keeps a second ingester away: it waits that long, then gives up.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import redis

from archive.store import Archive
from crawler.archiving import Archiver, Prepared, prepare
from crawler.fleet import item_codec
from crawler.fleet.connect import FleetError
from crawler.fleet.keys import Keys
from crawler.fleet.queue import fleet_idle, reap
from crawler.page_pool import die_with_parent

logger = logging.getLogger(__name__)

RUN_COMMAND = "fleet: crawl "
LOCK_TIMEOUT = 30.0
POLL = 1  # seconds a BLMOVE waits for an item
BATCH = 32  # items taken at once, processed in parallel, then stored one by one


@dataclass
class Batch:
    """Items taken together: their wire bytes, decoded items, and their processing."""

    data: list[bytes]
    decoded: list[tuple[str, item_codec.Item] | None]
    prepared: Iterator[Prepared]


@dataclass
class IngestResult:
    """What one ingester session did."""

    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    busy: float = 0.0  # from the first item taken to the last one acknowledged
    writing: float = 0.0  # in the single writer's archive transactions

    @property
    def rate(self) -> float:
        """Items per second while there were items."""
        return self.items / self.busy if self.busy > 0 else 0.0

    @property
    def write_ceiling(self) -> float:
        """Items per second the single writer could store if cleaning kept up (`--jobs`)."""
        return self.items / self.writing if self.writing > 0 else 0.0

    @property
    def items(self) -> int:
        return self.counts["items"]


class Ingester:
    """Archives the fleet's items into one archive."""

    def __init__(
        self,
        client: redis.Redis,
        archive: Archive,
        *,
        keys: Keys | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
        jobs: int = 1,
    ) -> None:
        self.client = client
        self.jobs = jobs
        self.archive = archive
        self.keys = keys or Keys()
        self.lock_timeout = lock_timeout
        self.id = f"ingester-{uuid.uuid4().hex[:8]}"
        self.counts: Counter[str] = Counter()
        self.archiver = Archiver(archive, lambda key: self.counts.update([key]))
        self.runs: dict[str, int] = {}  # crawl id → run id
        self.fetched: Counter[int] = Counter()  # items per run
        self.first_taken: float | None = None
        self.last_done: float | None = None
        self.writing = 0.0

    # the lock -----------------------------------------------------------------------
    def lock(self) -> None:
        """Become the fleet's one ingester. The lock of a killed one expires after
        `lock_timeout`, so wait that long; fail, naming it, if it is still being refreshed."""
        ttl = max(1, round(self.lock_timeout))
        deadline = time.monotonic() + self.lock_timeout + 1
        waiting = False
        while not self.client.set(self.keys.ingester, self.id, nx=True, ex=ttl):
            other = self.client.get(self.keys.ingester)
            name = other.decode() if other else "?"
            if time.monotonic() > deadline:
                raise FleetError(f"another ingester ({name}) is running on this Redis")
            if not waiting:
                logger.warning("waiting for the lock of ingester %s (alive, or killed)", name)
                waiting = True
            time.sleep(0.2)

    def refresh(self) -> None:
        ttl = max(1, round(self.lock_timeout))
        if self.client.get(self.keys.ingester) != self.id.encode():
            raise FleetError("lost the ingester lock (the ingester was stalled too long)")
        self.client.expire(self.keys.ingester, ttl)

    def unlock(self) -> None:
        if self.client.get(self.keys.ingester) == self.id.encode():
            self.client.delete(self.keys.ingester)

    # items --------------------------------------------------------------------------
    def recover(self) -> int:
        """Archive what a previous ingester took and did not acknowledge; the count."""
        pending = self.client.lrange(self.keys.processing, 0, -1)
        for data in pending:
            self.refresh()  # one by one, they may take longer than the lock lives
            self.handle(data)  # archived (or found archived), then removed
        if pending:
            logger.warning("recovered %d items a stopped ingester had taken", len(pending))
        return len(pending)

    def take(self, timeout: float = POLL, batch: int = BATCH) -> list[bytes]:
        """Up to `batch` items, moved to the processing list; [] after `timeout` seconds
        (at once when `timeout` is 0)."""
        if timeout > 0:
            first = self.client.blmove(
                self.keys.items, self.keys.processing, timeout, "LEFT", "RIGHT"
            )
        else:
            first = self.client.lmove(self.keys.items, self.keys.processing, "LEFT", "RIGHT")
        if first is None:
            return []
        pipe = self.client.pipeline(transaction=False)
        for _ in range(batch - 1):
            pipe.lmove(self.keys.items, self.keys.processing, "LEFT", "RIGHT")
        return [first, *(data for data in pipe.execute() if data is not None)]

    def ack(self, batch: list[bytes]) -> None:
        """Remove archived items from the processing list (one round trip)."""
        pipe = self.client.pipeline(transaction=False)
        for data in batch:
            pipe.lrem(self.keys.processing, 1, data)
        pipe.execute()

    def handle(self, data: bytes) -> None:
        """Archive one item from the wire, or record why not."""
        self.finish(self.begin([data]))

    def begin(self, batch: list[bytes], mapper: Callable = map) -> Batch:
        """Decode a batch and start processing it (`mapper`: a process pool's map, which
        works on it while the items before are stored, or the built-in one)."""
        self.first_taken = self.first_taken or time.monotonic()
        decoded = [self.decode(data) for data in batch]
        items = [d[1] for d in decoded if d is not None]
        # the text index (simplified text, sketch) is made there too: less for the writer
        work = partial(prepare, index=True)
        return Batch(batch, decoded, iter(mapper(work, items)) if items else iter(()))

    def finish(self, batch: Batch) -> None:
        """Store the items in order in one transaction (each item in a savepoint of its
        own), and acknowledge them after its commit."""
        with self.archive.batch():
            for got in batch.decoded:
                if got is not None:
                    self.store(*got, next(batch.prepared))
            committing = time.perf_counter()
        self.writing += time.perf_counter() - committing
        self.ack(batch.data)
        self.last_done = time.monotonic()

    def decode(self, data: bytes) -> tuple[str, item_codec.Item] | None:
        """The crawl and item of wire bytes; None (and a failure row) when unreadable."""
        self.counts["items"] += 1
        try:
            return item_codec.decode(data)
        except item_codec.BadItem as exc:
            reason = f"{exc} (item sha1 {hashlib.sha1(data).hexdigest()[:16]})"
            if self.archive.has_failure("ingest", reason):
                self.counts["redelivered"] += 1  # recorded before a kill, not acknowledged
                return None
            crawl, url, source = item_codec.salvage(data)
            run_id = self.run_for(crawl, source) if crawl else None
            self.archive.add_failure(
                run_id=run_id, source=source, url=url, stage="ingest", reason=reason
            )
            self.counts["failures"] += 1
            logger.warning("unreadable item (%s): recorded as a failure", exc)
            return None

    def store(self, crawl: str, item: item_codec.Item, prepared: Prepared) -> None:
        """Store one prepared item under its crawl's run, unless it was stored before."""
        started = time.perf_counter()
        try:
            self._store(crawl, item, prepared)
        finally:
            self.writing += time.perf_counter() - started

    def _store(self, crawl: str, item: item_codec.Item, prepared: Prepared) -> None:
        run_id = self.run_for(crawl, item.source)
        self.fetched[run_id] += 1
        if self.archived(item.url, run_id):
            self.counts["redelivered"] += 1
            return
        # a bad value in a well-formed item is recorded as a failure; SQLite's own errors
        # (locked, full) are raised: stop, the item stays queued
        self.archiver.store_or_record(prepared, run_id, stage="ingest")

    def archived(self, url: str, run_id: int) -> bool:
        """Whether `url` already has an outcome in this run (the item was delivered before)."""
        return self.archive.has_outcome(url, run_id)

    def run_for(self, crawl: str, source: str) -> int:
        """The `crawl_runs` row of a crawl: found again, or opened now."""
        if crawl not in self.runs:
            command = RUN_COMMAND + crawl
            found = self.archive.run_of_command(command)
            self.runs[crawl] = (
                found if found is not None else self.archive.start_run(source, command)
            )
        return self.runs[crawl]

    def finish_runs(self) -> None:
        """Close the runs of the crawls seen: the fleet was idle, so they are done."""
        for run_id in self.runs.values():
            self.archive.finish_run(run_id, "finished", pages_fetched=self.fetched[run_id])

    # the loop ---------------------------------------------------------------------------
    def run(
        self,
        *,
        until_idle: float = 0,
        progress: Callable[[str], None] | None = None,
        progress_every: float = 5.0,
    ) -> IngestResult:
        """Archive items until stopped, or until the fleet was idle `until_idle` seconds."""
        started = time.monotonic()
        self.lock()
        try:
            with self._pool() as pool:
                self._loop(pool, until_idle, progress, progress_every)
            self.finish_runs()
        finally:
            self.unlock()
        busy = (self.last_done or 0.0) - (self.first_taken or 0.0)
        return IngestResult(time.monotonic() - started, self.counts, busy, self.writing)

    @contextmanager
    def _pool(self) -> Iterator[Executor | None]:
        """Processes for the CPU-bound cleaning (`jobs` > 1); the writes stay here."""
        if self.jobs <= 1:
            yield None
            return
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        with ProcessPoolExecutor(
            self.jobs, mp_context=context, initializer=die_with_parent
        ) as pool:
            yield pool

    def _loop(
        self,
        pool: Executor | None,
        until_idle: float,
        progress: Callable[[str], None] | None,
        progress_every: float,
    ) -> None:
        mapper: Callable = map
        if pool is not None:
            mapper = lambda f, items: pool.map(f, items, chunksize=4)  # noqa: E731
        self.recover()
        idle_since: float | None = None
        last_tick = last_report = time.monotonic()
        pending: Batch | None = None  # processing in the pool while the one before is stored
        while True:
            wait = 0 if pending else POLL if until_idle == 0 else min(POLL, until_idle)
            batch = self.take(wait)
            started = self.begin(batch, mapper) if batch else None
            if pending is not None:
                self.finish(pending)
            pending = started
            if batch:
                idle_since = None
            now = time.monotonic()
            if now - last_tick >= 1.0 or not batch:
                last_tick = now
                self.refresh()
                reap(self.client, self.keys)
            if progress and now - last_report >= progress_every:
                last_report = now
                progress(self.progress_line())
            if not batch and until_idle:
                if fleet_idle(self.client, self.keys, items=True):
                    idle_since = idle_since or now
                    if now - idle_since >= until_idle:
                        return
                else:
                    idle_since = None

    def progress_line(self) -> str:
        c = self.counts
        queued = self.client.llen(self.keys.items)
        return (
            f"items {c['items']} · documents {c['documents_new']} · duplicates "
            f"{c['duplicates']} · skipped {c['skipped']} · failures {c['failures']} · "
            f"waiting {queued}"
        )


def stderr_progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
