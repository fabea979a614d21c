"""Scope and security: no requests to private addresses unless allowed (SSRF guard)."""

from __future__ import annotations

import asyncio
import ipaddress
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from sites.faults import FaultSite

from archive.serve import datasette_args
from crawler.network_guard import PrivateAddressRefused, PrivateNetworkGuard, is_public


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True), ("1.1.1.1", True), ("2606:4700:4700::1111", True),
        ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False),
        ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("0.0.0.0", False), ("224.0.0.1", False), ("::1", False), ("fe80::1", False),
        ("fc00::1", False), ("::ffff:127.0.0.1", False), ("::ffff:8.8.8.8", True),
    ],
)  # fmt: skip
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://[::1]:8080/x", "http://169.254.169.254/latest/"]
)
def test_guard_refuses_literal_private_addresses(url: str) -> None:
    with pytest.raises(PrivateAddressRefused, match="not a public address"):
        asyncio.run(PrivateNetworkGuard(allowed=False).process_request(Request(url)))
    assert asyncio.run(PrivateNetworkGuard(allowed=True).process_request(Request(url))) is None


def crawl(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler", "crawl", *args, "--db", str(tmp / "a.db")]
    return subprocess.run(
        [*command, "--delay", "0", "--no-progress"],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_crawl_sends_nothing_to_a_private_address(tmp_path: Path, host: str) -> None:
    with FaultSite() as site:
        done = crawl(tmp_path, site.url().replace("127.0.0.1", host))
        assert site.requests == []  # not even robots.txt
    # nothing could be fetched: one line and exit status 1
    assert done.returncode == 1 and done.stderr.startswith("Error: nothing fetched: ")
    assert done.stderr.count("\n") == 1, done.stderr[-2000:]
    conn = sqlite3.connect(tmp_path / "a.db")
    failures = conn.execute("SELECT stage, reason FROM failures").fetchall()
    assert len(failures) == 1
    stage, reason = failures[0]
    assert stage == "scope" and "127.0.0.1 is not a public address" in reason


def test_private_network_is_an_explicit_opt_in(tmp_path: Path) -> None:
    with FaultSite() as site:
        done = crawl(tmp_path, "--private-network", "--depth", "1", site.url("/reports/2022.html"))
        assert site.hits("/reports/2022.html") and site.hits("/index.html")
    assert done.returncode == 0, done.stderr[-2000:]


def test_serve_binds_to_loopback_unless_told(tmp_path: Path) -> None:
    args = datasette_args(tmp_path / "a.db", tmp_path)
    assert args[args.index("--host") + 1] == "127.0.0.1"
    args = datasette_args(tmp_path / "a.db", tmp_path, host="0.0.0.0")
    assert args[args.index("--host") + 1] == "0.0.0.0"
