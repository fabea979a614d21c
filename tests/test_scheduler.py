"""The scheduler: one job per profile with stable ids, kept across restarts, no overlaps."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

import scheduler
from crawler.supervise import _status, crawl_command
from spiders.profiles import PROFILES_DIR, load_profiles

PROFILE = """name = "{name}"
start_urls = ["http://127.0.0.1:9/index.html"]
articles = ['/a/\\d+\\.html$']
schedule = "{schedule}"
"""


def write_profile(folder: Path, name: str, schedule: str) -> None:
    (folder / f"{name}.toml").write_text(PROFILE.format(name=name, schedule=schedule), "utf-8")


def stored_jobs(db: Path) -> dict[str, float | None]:
    conn = sqlite3.connect(scheduler.jobstore_path(db))
    try:
        return dict(conn.execute("SELECT id, next_run_time FROM apscheduler_jobs"))
    finally:
        conn.close()


def start_and_sync(folder: Path, db: Path) -> dict[str, list[str]]:
    """What the scheduler does on start, then a shutdown (no crawl runs: it stays paused)."""
    profiles = load_profiles(folder)
    sched = scheduler.build_scheduler(profiles, db)
    sched.start(paused=True)
    try:
        return scheduler.sync_jobs(sched, profiles, db)
    finally:
        sched.shutdown(wait=False)


def test_one_job_per_profile_with_stable_ids() -> None:
    profiles = load_profiles(PROFILES_DIR)
    sched = scheduler.build_scheduler(profiles, "x.db", persistent=False)
    sched.start(paused=True)
    try:
        scheduler.sync_jobs(sched, profiles, "x.db")
        jobs = {job.id: job for job in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    assert set(jobs) == {f"crawl:{name}" for name in profiles}
    for name, profile in profiles.items():
        job = jobs[f"crawl:{name}"]
        assert job.max_instances == 1 and job.coalesce
        assert job.misfire_grace_time == scheduler.MISFIRE_GRACE
        expected = CronTrigger if profile.schedule.cron else IntervalTrigger
        assert isinstance(job.trigger, expected)
        assert job.kwargs == {"source": name, "db": "x.db", "schedule": profile.schedule.text}


def test_restarts_keep_one_job_per_source_and_pick_up_changes(tmp_path: Path) -> None:
    profiles, db = tmp_path / "profiles", tmp_path / "data" / "archive.db"
    profiles.mkdir()
    write_profile(profiles, "a", "1h")
    write_profile(profiles, "b", "0 3 * * *")
    first = start_and_sync(profiles, db)
    assert sorted(first["added"]) == ["a", "b"]
    before = stored_jobs(db)
    assert set(before) == {"crawl:a", "crawl:b"}

    again = start_and_sync(profiles, db)  # a plain restart changes nothing
    assert sorted(again["kept"]) == ["a", "b"] and not again["added"]
    assert stored_jobs(db) == before  # same jobs, same next run times

    write_profile(profiles, "b", "2h")  # changed schedule
    (profiles / "a.toml").unlink()  # removed
    write_profile(profiles, "c", "30m")  # added
    done = start_and_sync(profiles, db)
    assert (done["changed"], done["removed"], done["added"]) == (["b"], ["a"], ["c"])
    after = stored_jobs(db)
    assert set(after) == {"crawl:b", "crawl:c"}
    assert after["crawl:b"] != before["crawl:b"]
    runs = scheduler.next_runs(db)
    assert set(runs) == {"b", "c"}
    assert all(isinstance(t, datetime) and t.tzinfo == UTC for t in runs.values())


def test_crawl_command_names_source_archive_and_run() -> None:
    cmd = crawl_command("wsjkw-sh", "a.db", 7)
    assert cmd[1:3] == ["-m", "crawler"]
    assert cmd[cmd.index("crawl") + 1] == "wsjkw-sh"
    assert cmd[cmd.index("--db") + 1] == "a.db"
    assert cmd[-2:] == ["--run-id", "7"]


def test_run_status_from_how_the_process_ended() -> None:
    assert _status(0, "finished", False, False) == "finished"
    assert _status(-9, "running", False, False) == "failed"
    assert _status(1, "shutdown", False, True) == "interrupted"
    assert _status(0, "finished", False, True) == "finished"  # done before the stop came
    assert _status(-15, "running", True, False) == "timeout"


def test_no_profiles_is_an_error(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path))
    assert scheduler.main(["--once", "--db", str(tmp_path / "a.db")]) == 2
    assert "no profiles" in capsys.readouterr().err
