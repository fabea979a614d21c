"""No crawl opens a server that takes commands: Scrapy's telnet console and its
remote-control HTTP server (Scrapy 2.19: it runs Python code sent to it) stay off in local
crawls and in fleet workers. Checked on the settings and on live processes' sockets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer

from crawler.fleet.worker import worker_settings
from crawler.runner import project_settings
from crawler.sample_site.server import SampleSites

COMMAND_SERVERS = (
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
)


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (its socket inodes in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture(scope="module")
def slow_sites() -> Iterator[SampleSites]:
    with SampleSites(delay=20) as served:  # every page in flight for the whole check
        yield served


def watch(proc: subprocess.Popen[str], seconds: float = 4.0) -> set[int]:
    """Every port `proc` listened on over `seconds` (the crawl has started by then)."""
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended early"
        seen |= listening_ports(proc.pid)
        time.sleep(0.1)
    return seen


def test_settings_turn_both_off() -> None:
    for settings in (project_settings(), worker_settings("redis://127.0.0.1:1/0")):
        assert settings.getbool("TELNETCONSOLE_ENABLED") is False
        assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
        extensions = settings.getdict("EXTENSIONS")
        assert all(extensions.get(name, "absent") is None for name in COMMAND_SERVERS)


def test_a_local_crawl_listens_on_nothing(tmp_path: Path, slow_sites: SampleSites) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "-v", "crawl", slow_sites.url("bureau"),
         "--private-network", "--db", str(tmp_path / "a.db"), "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert watch(proc) == set()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Spider opened" in err  # the crawl did start (INFO logs)
    assert "Remote control" not in err and "Telnet console listening" not in err


def test_a_fleet_worker_listens_on_nothing(tmp_path: Path, slow_sites: SampleSites) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    env = {**os.environ, "CRAWLER_PROFILES": str(tmp_path)}
    try:
        seed = subprocess.run(
            [sys.executable, "-m", "crawler", "seed", slow_sites.url("bureau"),
             "--private-network", "--redis", redis.url],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert seed.returncode == 0, seed.stderr
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "-v", "worker", "--redis", redis.url,
             "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            assert watch(proc) == set()
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=30)
        assert "Spider opened" in err
        assert "Remote control" not in err and "Telnet console listening" not in err
    finally:
        redis.stop()
