"""The scheduler: one job per profile, stable ids, no overlapping runs."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

import scheduler
from spiders.profiles import PROFILES_DIR, load_profiles


def test_one_job_per_profile_with_stable_ids() -> None:
    profiles = load_profiles(PROFILES_DIR)
    sched = scheduler.build_scheduler(profiles, "x.db")
    jobs = {job.id: job for job in sched.get_jobs()}
    assert set(jobs) == {f"crawl:{name}" for name in profiles}
    for name, profile in profiles.items():
        job = jobs[f"crawl:{name}"]
        assert job.max_instances == 1 and job.coalesce
        assert job.misfire_grace_time == scheduler.MISFIRE_GRACE
        expected = CronTrigger if profile.schedule.cron else IntervalTrigger
        assert isinstance(job.trigger, expected)


def test_crawl_command_names_source_and_archive() -> None:
    profile = next(iter(load_profiles(PROFILES_DIR).values()))
    cmd = scheduler.crawl_command(profile, "a.db")
    assert cmd[1:5] == ["-m", "crawler", "crawl", profile.name]
    assert cmd[-2:] == ["--db", "a.db"]


def test_no_profiles_is_an_error(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path))
    assert scheduler.main(["--once"]) == 2
    assert "no profiles" in capsys.readouterr().err
