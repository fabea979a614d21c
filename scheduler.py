"""Run each site profile's crawl on its schedule, one subprocess per crawl.

`python scheduler.py` (or `crawler schedule`) runs until SIGTERM or SIGINT; `--once` crawls
every source once and exits. Honours `CRAWLER_PROFILES` and `CRAWLER_DB`.

Jobs live in a persistent APScheduler job store beside the archive (`<db>.jobs.sqlite`,
APScheduler's SQLAlchemyJobStore), one job per profile with the stable id `crawl:<name>`:
a restart keeps each job's next run time, adds jobs for new profiles (first run at once),
replaces the jobs of profiles whose schedule changed and removes those of deleted profiles.
Crawls are run by `crawler.supervise.Supervisor` (subprocess, time limit, run record, log).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.errors import CrawlerError
from crawler.supervise import CRAWL_TIMEOUT, STOP_GRACE, Supervisor, try_lock
from spiders.profiles import Profile, load_profiles

logger = logging.getLogger("scheduler")

DEFAULT_DB = "data/archive.db"
JOB_PREFIX = "crawl:"
JOB_FUNC = "scheduler:run_job"  # a textual reference, so stored jobs survive `__main__`
MISFIRE_GRACE = 3600  # a run missed while the scheduler was down still runs within an hour
WORKERS = 4  # crawls of different sources that may run at once

_supervisor: Supervisor | None = None
_redis_url: str | None = None  # `--redis`: seed each crawl to the fleet instead


def job_id(source: str) -> str:
    """The stable id of a source's job."""
    return f"{JOB_PREFIX}{source}"


def jobstore_path(db: str | Path) -> Path:
    """The job store of an archive: `data/archive.db` → `data/archive.jobs.sqlite`."""
    db = Path(db)
    return db.with_name(f"{db.stem}.jobs.sqlite")


def trigger_for(profile: Profile) -> CronTrigger | IntervalTrigger:
    """The APScheduler trigger of a profile's schedule (cron expressions are in UTC)."""
    if profile.schedule.cron:
        return CronTrigger.from_crontab(profile.schedule.cron, timezone=UTC)
    return IntervalTrigger(seconds=profile.schedule.interval_seconds or 86400, timezone=UTC)


def run_job(source: str, db: str, schedule: str) -> None:
    """What a stored job calls: crawl one source (`schedule` marks which schedule made it)."""
    if _redis_url:
        seed_source(source, _redis_url)
        return
    supervisor = _supervisor or Supervisor(db)
    supervisor.run(source)


def seed_source(source: str, redis_url: str) -> bool:
    """Queue a distributed crawl of `source` for the fleet (`crawler seed`); False on error."""
    from crawler.fleet.connect import connect
    from crawler.fleet.seed import profile_spec, seed

    try:
        profile = load_profiles()[source]
        done = seed(connect(redis_url), profile_spec(profile))
    except (CrawlerError, KeyError) as exc:
        logger.error("%s: cannot seed the fleet: %s", source, exc)
        return False
    logger.info("%s: seeded crawl %s (%d start requests)", source, done.crawl, done.requests)
    return True


def build_scheduler(
    profiles: dict[str, Profile], db: str | Path, *, persistent: bool = True
) -> BackgroundScheduler:
    """A scheduler whose job store is the archive's (or in memory); jobs are added by
    `sync_jobs` once it has started, so that the stored ones can be compared."""
    jobstores: dict[str, Any] = {}
    if persistent:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        path = jobstore_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        jobstores["default"] = SQLAlchemyJobStore(url=f"sqlite:///{path.resolve()}")
    scheduler = BackgroundScheduler(
        jobstores=jobstores,
        executors={"default": ThreadPoolExecutor(max(1, min(WORKERS, len(profiles))))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        timezone=UTC,
    )
    scheduler.add_listener(_on_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    return scheduler


def sync_jobs(
    scheduler: BackgroundScheduler, profiles: dict[str, Profile], db: str | Path
) -> dict[str, list[str]]:
    """Make the stored jobs match the profiles: one per profile, stable ids.

    A job whose profile and schedule are unchanged keeps its next run time; a new profile's
    first crawl is due at once; a changed schedule replaces the job; a job whose profile is
    gone is removed. Returns the source names by what happened to them.
    """
    done: dict[str, list[str]] = {"added": [], "changed": [], "kept": [], "removed": []}
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id[len(JOB_PREFIX) :] not in profiles:
            scheduler.remove_job(job.id)
            done["removed"].append(job.id[len(JOB_PREFIX) :])
    for name, profile in profiles.items():
        kwargs = {"source": name, "db": str(db), "schedule": profile.schedule.text}
        job = scheduler.get_job(job_id(name))
        options: dict[str, Any] = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE,
        }
        if job is not None and job.kwargs == kwargs:
            scheduler.modify_job(job.id, **options)
            done["kept"].append(name)
            continue
        if job is None:
            options["next_run_time"] = datetime.now(UTC)
        scheduler.add_job(
            JOB_FUNC,
            trigger_for(profile),
            kwargs=kwargs,
            id=job_id(name),
            name=f"crawl {name}",
            replace_existing=True,
            **options,
        )
        done["added" if job is None else "changed"].append(name)
    return done


def next_runs(db: str | Path) -> dict[str, datetime | None]:
    """Each stored job's next run time by source, read from the job store without starting a
    scheduler (APScheduler's own store, opened read-only); empty when the scheduler never
    ran for this archive."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from sqlalchemy.exc import SQLAlchemyError

    path = jobstore_path(db)
    if not path.exists():
        return {}
    store = SQLAlchemyJobStore(url=f"sqlite:///file:{path.resolve()}?mode=ro&uri=true")
    try:
        jobs = store.get_all_jobs()
    except (SQLAlchemyError, LookupError, ImportError):
        return {}
    finally:
        store.engine.dispose()
    return {
        job.id[len(JOB_PREFIX) :]: job.next_run_time.astimezone(UTC) if job.next_run_time else None
        for job in jobs
        if job.id.startswith(JOB_PREFIX)
    }


def lock_path(db: str | Path) -> Path:
    """The lock a running scheduler holds: `data/archive.db` → `data/locks/scheduler.lock`."""
    return Path(db).resolve().parent / "locks" / "scheduler.lock"


def hold_lock(db: str | Path) -> IO[str] | None:
    """Lock the archive's scheduler lock (held while the file stays open); None when another
    scheduler holds it."""
    handle = try_lock(lock_path(db))
    if handle is None:
        return None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def scheduler_running(db: str | Path) -> bool:
    """Whether a scheduler (`crawler schedule`, not `--once`) is running on this archive."""
    if not lock_path(db).exists():
        return False
    held = hold_lock(db)
    if held is None:
        return True
    held.close()
    return False


def _on_skipped(event: JobExecutionEvent) -> None:
    source = event.job_id[len(JOB_PREFIX) :]
    if event.code == EVENT_JOB_MAX_INSTANCES:
        logger.warning("%s: previous crawl still running, this run skipped", source)
    else:
        logger.warning("%s: run due at %s missed, skipped", source, event.scheduled_run_time)


def serve(
    profiles: dict[str, Profile], db: str, supervisor: Supervisor, stop: threading.Event
) -> None:
    """Run the scheduler until `stop` is set, then stop the running crawls and wait for them."""
    scheduler = build_scheduler(profiles, db)
    scheduler.start(paused=True)
    done = sync_jobs(scheduler, profiles, db)
    for what, names in done.items():
        if names:
            logger.info("jobs %s: %s", what, ", ".join(names))
    for job in scheduler.get_jobs():
        logger.info("%s: %s, next run %s", job.name, job.trigger, job.next_run_time)
    scheduler.resume()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        logger.info("shutting down: stopping running crawls")
        supervisor.stop_all()
        scheduler.shutdown(wait=True)
    logger.info("scheduler stopped")


def run_once(profiles: dict[str, Profile], supervisor: Supervisor, stop: threading.Event) -> int:
    """Crawl every source once, one after the other; 0 when every crawl finished with exit
    status 0 (a crawl that could fetch nothing exits 1)."""
    outcomes = []

    def crawl_all() -> None:
        for name in profiles:
            outcome = supervisor.run(name)
            outcomes.append(outcome)
            if outcome is None or stop.is_set():
                return

    worker = threading.Thread(target=crawl_all, name="once")
    worker.start()
    while worker.is_alive():
        if stop.wait(0.5):
            supervisor.stop_all()
            worker.join()
    ok = len(outcomes) == len(profiles) and all(
        o and o.status == "finished" and o.exit_code == 0 for o in outcomes
    )
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scheduler.py", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="crawl every source once and exit")
    parser.add_argument(
        "--db", default=os.environ.get("CRAWLER_DB") or DEFAULT_DB, help="archive file"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=CRAWL_TIMEOUT,
        help=f"seconds a crawl may take before it is stopped (default {CRAWL_TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="seed each due crawl to the fleet on this Redis (workers crawl, ingester archives)",
    )
    parser.add_argument(
        "--stop-grace",
        type=float,
        default=STOP_GRACE,
        help=f"seconds a stopped crawl gets to close cleanly (default {STOP_GRACE:.0f})",
    )
    args = parser.parse_args(argv)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    with _progress_on_stderr():
        return _main(args)


@contextlib.contextmanager
def _progress_on_stderr() -> Iterator[None]:
    """The scheduler's own lines (jobs, crawls started and ended) on stderr at any verbosity:
    they are what a person running it watches."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("scheduler", "crawler.supervise")]
    saved = [(log.level, log.propagate) for log in loggers]
    for log in loggers:
        log.setLevel(logging.INFO)
        log.addHandler(handler)
        log.propagate = False
    try:
        yield
    finally:
        for log, (level, propagate) in zip(loggers, saved, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)
            log.propagate = propagate


def _main(args: argparse.Namespace) -> int:
    global _supervisor, _redis_url
    try:
        profiles = load_profiles()
    except CrawlerError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2
    if not profiles:
        print("scheduler: no profiles to schedule", file=sys.stderr)
        return 2
    try:
        from archive.store import Archive

        Archive(args.db).close()  # created and migrated here, so errors show at once
    except CrawlerError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    _supervisor = Supervisor(args.db, timeout=args.timeout, stop_grace=args.stop_grace)
    _redis_url = args.redis
    try:
        if args.once and args.redis:
            return 0 if all(seed_source(name, args.redis) for name in profiles) else 1
        if args.once:
            return run_once(profiles, _supervisor, stop)
        lock = hold_lock(args.db)
        if lock is None:
            print(f"scheduler: another scheduler is running on {args.db}", file=sys.stderr)
            return 2
        with lock:
            serve(profiles, args.db, _supervisor, stop)
        return 0
    finally:
        _supervisor = None
        _redis_url = None
        for s, handler in previous.items():
            signal.signal(s, handler)


if __name__ == "__main__":
    import scheduler  # the importable module, so stored jobs find `scheduler:run_job` here

    sys.exit(scheduler.main())
