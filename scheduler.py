"""Run each site profile's crawl on its schedule, one subprocess per crawl.

`python scheduler.py` (or `crawler schedule`) runs until interrupted; `--once` crawls every
source once and exits. Honours `CRAWLER_PROFILES` and `CRAWLER_DB`.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.errors import CrawlerError
from spiders.profiles import Profile, load_profiles

logger = logging.getLogger("scheduler")

CRAWL_TIMEOUT = 6 * 3600
MISFIRE_GRACE = 3600


def crawl_command(profile: Profile, db: str | None) -> list[str]:
    """The command line that crawls one profile."""
    cmd = [sys.executable, "-m", "crawler", "crawl", profile.name, "--no-progress"]
    return [*cmd, "--db", db] if db else cmd


def run_crawl(profile: Profile, db: str | None, timeout: float = CRAWL_TIMEOUT) -> int:
    """Crawl one source in a subprocess (Scrapy's reactor cannot restart); return its exit code."""
    logger.info("crawl of %s starting", profile.name)
    try:
        done = subprocess.run(crawl_command(profile, db), timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        logger.error("crawl of %s exceeded %ss and was stopped", profile.name, timeout)
        return -1
    logger.info("crawl of %s ended with exit code %s", profile.name, done.returncode)
    return done.returncode


def trigger_for(profile: Profile) -> CronTrigger | IntervalTrigger:
    """The APScheduler trigger of a profile's schedule."""
    if profile.schedule.cron:
        return CronTrigger.from_crontab(profile.schedule.cron)
    return IntervalTrigger(seconds=profile.schedule.interval_seconds or 86400)


def build_scheduler(profiles: dict[str, Profile], db: str | None) -> BlockingScheduler:
    """One job per profile, with a stable id; a slow crawl makes the next one wait, not overlap."""
    scheduler = BlockingScheduler()
    for name, profile in profiles.items():
        scheduler.add_job(
            run_crawl,
            trigger_for(profile),
            args=[profile, db],
            id=f"crawl:{name}",
            name=f"crawl {name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE,
        )
    return scheduler


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scheduler.py", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="crawl every source once and exit")
    parser.add_argument("--db", default=os.environ.get("CRAWLER_DB"), help="archive file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        profiles = load_profiles()
    except CrawlerError as exc:
        print(f"scheduler: {exc}", file=sys.stderr)
        return 2
    if not profiles:
        print("scheduler: no profiles to schedule", file=sys.stderr)
        return 2
    if args.once:
        codes = [run_crawl(p, args.db) for p in profiles.values()]
        return 0 if all(c == 0 for c in codes) else 1
    scheduler = build_scheduler(profiles, args.db)
    for job in scheduler.get_jobs():
        logger.info("scheduled %s (%s)", job.name, job.trigger)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
