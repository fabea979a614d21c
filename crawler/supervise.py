"""Run one source's crawl in its own subprocess: a lock, a log file, a time limit, a run record.

Scrapy's reactor cannot be restarted, so every crawl is a fresh `crawler crawl SOURCE`
process. The supervisor opens the `crawl_runs` row before starting it (the crawl's pipeline
fills it in), and closes it after the process ended, however it ended: with the exit code
and a status of `finished`, `failed` (non-zero exit, or killed), `timeout` (stopped at the
time limit) or `interrupted` (stopped because the scheduler was shutting down). Counts are
taken from the archive's tables, so a crawl that was killed is still accounted for.

A lock file per source (`<data>/locks/<source>.lock`, held with `flock` by the supervisor
and inherited by the crawl) makes sure one source is never crawled twice at once from one
data folder, whichever scheduler or `--once` started it, and even if the scheduler died.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from archive.store import Archive

logger = logging.getLogger(__name__)

COMMAND_TAG = "scheduler:"  # how `crawl_runs.command` starts for runs opened here
CRAWL_TIMEOUT = 6 * 3600.0
STOP_GRACE = 30.0  # seconds a stopped crawl gets to close cleanly before it is killed


@dataclass(frozen=True)
class Outcome:
    """How one supervised crawl ended."""

    source: str
    run_id: int
    status: str
    exit_code: int | None
    log_path: Path


def crawl_command(source: str, db: str | Path, run_id: int | None = None) -> list[str]:
    """The command line that crawls one profile into `db` (INFO logs, for the run's log)."""
    cmd = [sys.executable, "-m", "crawler", "-v", "crawl", source, "--no-progress", "--db", str(db)]
    return [*cmd, "--run-id", str(run_id)] if run_id is not None else cmd


class Supervisor:
    """Starts crawls as subprocesses, one per source at a time, and stops them on request."""

    def __init__(
        self,
        db: str | Path,
        *,
        timeout: float = CRAWL_TIMEOUT,
        stop_grace: float = STOP_GRACE,
    ) -> None:
        self.db = Path(db)
        self.data_dir = self.db.resolve().parent
        self.timeout = timeout
        self.stop_grace = stop_grace
        self.stopping = threading.Event()
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def run(self, source: str) -> Outcome | None:
        """Crawl `source` once and record the run; None when it was not started (already
        being crawled, or shutting down)."""
        if self.stopping.is_set():
            return None
        lock = self._source_lock(source)
        if lock is None:
            logger.warning("%s is already being crawled: not starting another crawl", source)
            return None
        try:
            return self._run_locked(source, lock)
        finally:
            lock.close()

    def stop_all(self) -> None:
        """Stop every running crawl (SIGTERM, then SIGKILL after the grace period); start none."""
        with self._lock:  # a crawl registered after this sees `stopping` and stops itself
            self.stopping.set()
            procs = list(self.running.items())
        for source, proc in procs:
            logger.info("stopping the crawl of %s (pid %s)", source, proc.pid)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in procs:
            _terminate(proc, self.stop_grace, signalled=True)

    def _run_locked(self, source: str, lock: IO[str]) -> Outcome:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        with Archive(self.db) as archive:
            stale = archive.abandon_runs(source, COMMAND_TAG)
            if stale:
                logger.warning(
                    "%s: %d run(s) left 'running' by a dead crawl marked failed", source, stale
                )
            run_id = archive.start_run(source, f"{COMMAND_TAG} crawler crawl {source}")
            log_path = self.data_dir / "logs" / source / f"{stamp}-run{run_id}.log"
            archive.set_run_log(run_id, str(log_path))
        log_path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("crawl of %s starting (run %s, log %s)", source, run_id, log_path)
        timed_out = False
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                crawl_command(source, self.db, run_id),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C on the terminal reaches the scheduler only
                pass_fds=(lock.fileno(),),  # the crawl holds the source's lock too
            )
            with self._lock:
                self.running[source] = proc
                stop_now = self.stopping.is_set()
            if stop_now:
                _terminate(proc, self.stop_grace)
            try:
                code = proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                logger.error("crawl of %s exceeded %ss: stopping it", source, self.timeout)
                code = _terminate(proc, self.stop_grace)
            finally:
                with self._lock:
                    self.running.pop(source, None)
        with Archive(self.db) as archive:
            recorded = (archive.run(run_id) or {}).get("status")
            status = _status(code, recorded, timed_out, self.stopping.is_set())
            row = archive.close_run(run_id, status, exit_code=code)
        logger.info(
            "crawl of %s %s (exit code %s): %s pages, %s unchanged, %s new documents, %s failures",
            source, status, code, row.get("pages_fetched"), row.get("pages_unchanged"),
            row.get("documents_new"), row.get("failures"),
        )  # fmt: skip
        return Outcome(source, run_id, status, code, log_path)

    def _source_lock(self, source: str) -> IO[str] | None:
        """The source's lock file, locked; None when another process holds it."""
        handle = try_lock(self.data_dir / "locks" / f"{source}.lock")
        if handle is not None:
            os.set_inheritable(handle.fileno(), True)  # the crawl holds it too
        return handle


def try_lock(path: Path) -> IO[str] | None:
    """`path` opened and locked (`flock`, held while the file stays open); None when
    another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (held by the caller)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _status(code: int | None, recorded: str | None, timed_out: bool, stopping: bool) -> str:
    """The run's final status from how its process ended and what its pipeline recorded."""
    if timed_out:
        return "timeout"
    if recorded == "finished":  # the spider closed with all its work done
        return "finished"
    if stopping:
        return "interrupted"
    if code == 0:
        return recorded if recorded and recorded != "running" else "finished"
    return "failed"


def _terminate(proc: subprocess.Popen[bytes], grace: float, *, signalled: bool = False) -> int:
    """SIGTERM (Scrapy closes the spider cleanly; a second one would force it), then SIGKILL
    after `grace` seconds; return the exit code."""
    if proc.poll() is None:
        try:
            if not signalled:
                proc.send_signal(signal.SIGTERM)
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
