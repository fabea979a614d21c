"""The fleet with a real redis-server: 3 workers and 1 ingester crawl a generated 1,000-page
site into the same archive as a local crawl, fetch every page once, lose nothing when a
worker and the ingester are killed with SIGKILL, keep a per-site delay fleet-wide, and keep
the crawl state across a Redis restart (appendonly)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis_server import RedisServer, redis_binary
from sites.generated import GeneratedSite

from crawler.fleet import request_codec
from crawler.fleet.keys import Keys

ARTICLES = 1000
KEYS = Keys()


def crawler_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


class Fleet:
    """A generated site, a Redis, and the commands to run the fleet against them."""

    def __init__(self, tmp: Path, site: GeneratedSite, redis: RedisServer) -> None:
        self.tmp = tmp
        self.site = site
        self.redis = redis
        profiles = tmp / "profiles"
        profiles.mkdir(exist_ok=True)
        (profiles / "generated.toml").write_text(site.profile(), "utf-8")
        self.env = {**os.environ, "CRAWLER_PROFILES": str(profiles)}
        self.logs: list[Any] = []
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            crawler_cmd(*args), env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = open(self.tmp / log, "wb")  # noqa: SIM115 (closed by `close`)
        self.logs.append(out)
        proc = subprocess.Popen(crawler_cmd(*args), env=self.env, stdout=out, stderr=out)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for out in self.logs:
            out.close()

    def worker(self, n: int, idle: str = "3") -> subprocess.Popen[bytes]:
        """A worker without `--private-network`: the profiles' own opt-in lets it fetch
        the sites on 127.0.0.1."""
        return self.start(
            "worker", "--redis", self.redis.url, "--until-idle", idle, "--lease-timeout", "3",
            "--no-progress", log=f"worker{n}.log",
        )  # fmt: skip

    def ingester(self, db: Path, n: int = 0) -> subprocess.Popen[bytes]:
        return self.start(
            "ingest", "--redis", self.redis.url, "--db", str(db), "--until-idle", "3",
            "--lease-timeout", "3", "--no-progress", log=f"ingest{n}.log",
        )  # fmt: skip


def wait(proc: subprocess.Popen[bytes], timeout: float = 240) -> None:
    assert proc.wait(timeout=timeout) == 0, f"{proc.args} exited with {proc.returncode}"


def archive_content(db: Path) -> dict[str, Any]:
    """The archive with ids and times left out: documents, clusters, sightings, outcomes
    (not `canonical`: which member of a cluster is canonical depends on first_seen times)."""
    conn = sqlite3.connect(db)
    q = conn.execute
    docs = {
        row[0]: row[1:]
        for row in q(
            "SELECT sha256, title, text, region, agency, year, period, doc_type, published,"
            " script, is_template, relevant, truncated, garbled FROM documents"
        )
    }
    sha = dict(q("SELECT id, sha256 FROM documents"))
    clusters = sorted(
        sorted(sha[i] for (i,) in q("SELECT id FROM documents WHERE cluster_id = ?", (c,)))
        for (c,) in q("SELECT DISTINCT cluster_id FROM documents")
    )
    sightings = sorted(
        (sha[d], url, source, status, encoding, page_title, published, referer)
        for d, url, source, status, encoding, page_title, published, referer in q(
            "SELECT document_id, url, source, status, encoding, page_title, published,"
            " referer FROM sightings"
        )
    )
    outcomes = {
        "skipped": sorted(q("SELECT url, reason FROM skipped").fetchall()),
        "failures": sorted(q("SELECT url, stage, reason FROM failures").fetchall()),
    }
    conn.close()
    return {"documents": docs, "clusters": clusters, "sightings": sightings, **outcomes}


@pytest.fixture(scope="module")
def site() -> Iterator[GeneratedSite]:
    redis_binary()  # skip (or fail in CI) before serving anything
    with GeneratedSite(ARTICLES) as served:
        yield served


@pytest.fixture(scope="module")
def local(site: GeneratedSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The archive of a local single-process crawl of the site."""
    tmp = tmp_path_factory.mktemp("local")
    (tmp / "profiles").mkdir()
    (tmp / "profiles" / "generated.toml").write_text(site.profile(), "utf-8")
    db = tmp / "local.db"
    done = subprocess.run(
        crawler_cmd("crawl", "generated", "--db", str(db), "--no-progress"),
        env={**os.environ, "CRAWLER_PROFILES": str(tmp / "profiles")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    content = archive_content(db)
    assert len(content["sightings"]) == ARTICLES
    return content


@pytest.fixture
def fleet(site: GeneratedSite, tmp_path: Path) -> Iterator[Fleet]:
    redis = RedisServer(tmp_path / "redis").start()
    running = Fleet(tmp_path, site, redis)
    try:
        yield running
    finally:
        running.close()
        running.redis.stop()


def page_fetches(site: GeneratedSite, since: int) -> dict[str, int]:
    """Fetches per path since log entry `since`; robots.txt is fetched once per worker."""
    return {p: n for p, n in site.fetches(since).items() if p != "/robots.txt"}


def test_three_workers_archive_what_one_process_does(
    fleet: Fleet, site: GeneratedSite, local: dict[str, Any]
) -> None:
    since = len(site.log)
    fleet.run("seed", "--redis", fleet.redis.url, "generated")
    workers = [fleet.worker(n) for n in range(3)]
    ingester = fleet.ingester(fleet.tmp / "fleet.db")
    for proc in [*workers, ingester]:
        wait(proc)
    fetched = page_fetches(site, since)
    # every page of the column (the home page is not in the profile's scope of links)
    assert set(fetched) == set(site.pages) - {"/robots.txt", "/index.html"}
    assert {p: n for p, n in fetched.items() if n > 1} == {}  # each fetched once
    assert archive_content(fleet.tmp / "fleet.db") == local


def leased_urls(client: Any, worker: str) -> set[str]:
    """The URLs a worker held leases on (its requests in flight)."""
    urls = set()
    for value in client.hvals(KEYS.leases(worker)):
        data = value.split(b"\n", 1)[1]
        urls.add(request_codec.loads(data)["url"])
    return urls


def worker_of(client: Any, pid: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for name in client.zrange(KEYS.workers, 0, -1):
            if f"-{pid}-" in name.decode():
                return name.decode()
        time.sleep(0.05)
    raise AssertionError(f"worker {pid} never registered")


def wait_for(predicate: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_nothing_lost_when_a_worker_and_the_ingester_are_killed(
    fleet: Fleet, site: GeneratedSite, local: dict[str, Any]
) -> None:
    """kill -9 one worker after 250 pages and the ingester after 300 archived pages; a
    new ingester takes over. Pages fetched twice must all be among the URLs the killed
    worker held leases on at its death (fetched or being fetched, not yet finished)."""
    db = fleet.tmp / "fleet.db"
    client = fleet.redis.client()
    since = len(site.log)
    fleet.run("seed", "--redis", fleet.redis.url, "generated")
    workers = [fleet.worker(n, idle="6") for n in range(3)]
    ingester = fleet.ingester(db)
    victim = worker_of(client, workers[0].pid)
    # mid-crawl, while the victim holds requests (not while it starts or waits for a slot)
    wait_for(lambda: len(site.log) - since >= 250 and client.hlen(KEYS.leases(victim)) > 0)
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait()
    in_flight = leased_urls(client, victim)
    assert in_flight, "the killed worker held no request: the kill came too late to test"

    def archived() -> int:
        if not db.exists():
            return 0
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM sightings").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
        finally:
            conn.close()

    wait_for(lambda: archived() >= 300)
    ingester.send_signal(signal.SIGKILL)
    ingester.wait()
    assert archived() < ARTICLES, "the ingester was done before it was killed"
    ingester = fleet.ingester(db, n=1)
    for proc in [*workers[1:], ingester]:
        wait(proc)
    twice = {p for p, n in page_fetches(site, since).items() if n > 1}
    print(f"\nkilled worker held {len(in_flight)} leases; pages fetched twice: {len(twice)}")
    assert twice <= {u.removeprefix(site.url) for u in in_flight}
    assert archive_content(db) == local


def test_per_site_delay_holds_for_the_whole_fleet(fleet: Fleet, tmp_path: Path) -> None:
    """A 0.2 s delay and 3 workers: no two requests to the site closer than 0.2 s, less
    30 ms of tolerance (the time from Redis granting a slot to the request reaching the
    server: event loops and OS scheduling of 3 workers and the server on 2 cores, up to
    ~26 ms measured), and no more than 5 requests per second overall."""
    delay, tolerance = 0.2, 0.03
    with GeneratedSite(40) as small:
        (fleet.tmp / "profiles" / "generated.toml").write_text(
            small.profile(delay=delay, concurrency=1), "utf-8"
        )
        fleet.run("seed", "--redis", fleet.redis.url, "generated")
        workers = [fleet.worker(n, idle="2") for n in range(3)]
        for proc in workers:
            wait(proc)
        times = sorted(t for t, _, _ in small.log)
    assert len(times) >= 43  # 40 articles, 2 list pages, robots.txt per worker
    gaps = [b - a for a, b in itertools.pairwise(times)]
    rate = (len(times) - 1) / (times[-1] - times[0])
    print(f"\n{len(times)} requests, closest {min(gaps):.3f}s apart, {rate:.2f} requests/s")
    assert min(gaps) >= delay - tolerance, f"closest requests {min(gaps):.3f}s apart"
    assert (len(times) - 1) / (times[-1] - times[0]) <= 1 / delay + 0.01


def test_each_crawl_keeps_its_profiles_private_network_and_max_pages(fleet: Fleet) -> None:
    """Two crawls side by side on workers without `--private-network`: the profile that
    allows private networks is crawled, and sends exactly its `max_pages` requests over
    all workers; the one that does not is refused before any request (robots.txt included)
    and the refusal is a `scope` failure."""
    limit, concurrency = 30, 4
    with GeneratedSite(200) as allowed, GeneratedSite(20, host="127.0.0.2") as refused:
        folder = fleet.tmp / "profiles"
        (folder / "generated.toml").unlink()
        (folder / "allowed.toml").write_text(
            allowed.profile("allowed", concurrency=concurrency, max_pages=limit), "utf-8"
        )
        (folder / "refused.toml").write_text(
            refused.profile("refused", private_network=False), "utf-8"
        )
        fleet.run("seed", "--redis", fleet.redis.url, "allowed", "refused")
        db = fleet.tmp / "two.db"
        procs = [fleet.worker(n) for n in range(3)] + [fleet.ingester(db)]
        for proc in procs:
            wait(proc)
        fetched = sum(page_fetches(allowed, 0).values())
        assert refused.log == []
    assert fetched == limit
    conn = sqlite3.connect(db)
    failures = conn.execute("SELECT url, stage, reason FROM failures").fetchall()
    sources = dict(conn.execute("SELECT source, count(*) FROM sightings GROUP BY source"))
    conn.close()
    assert [(url, stage) for url, stage, _ in failures] == [
        (f"{refused.url}/gzzj/index.html", "scope")
    ]
    assert "not a public address" in failures[0][2]
    assert set(sources) == {"allowed"} and 0 < sources["allowed"] < fetched


def test_crawl_state_survives_a_redis_restart(fleet: Fleet) -> None:
    fleet.run("seed", "--redis", fleet.redis.url, "generated")
    client = fleet.redis.client()
    before = (client.zrange(KEYS.requests, 0, -1), client.smembers(KEYS.dupefilter),
              client.hgetall(KEYS.crawls), client.hgetall(KEYS.sites))  # fmt: skip
    assert before[0] and before[1]
    client.close()
    fleet.redis.stop()
    fleet.redis = RedisServer(fleet.redis.folder, port=fleet.redis.port).start()
    client = fleet.redis.client()
    after = (client.zrange(KEYS.requests, 0, -1), client.smembers(KEYS.dupefilter),
             client.hgetall(KEYS.crawls), client.hgetall(KEYS.sites))  # fmt: skip
    assert after == before


def test_bad_items_become_failures_not_crashes(fleet: Fleet) -> None:
    client = fleet.redis.client()
    client.rpush(KEYS.items, b"\xff\xfe not json", b'{"v": 1, "crawl": "x", "kind": "page"}')
    db = fleet.tmp / "bad.db"
    done = fleet.run(
        "ingest", "--redis", fleet.redis.url, "--db", str(db), "--until-idle", "1",
        "--no-progress",
    )  # fmt: skip
    assert "2 failures" in done.stdout
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT stage, reason FROM failures ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["ingest", "ingest"]
    assert rows[0][1].startswith("not JSON")
    assert client.llen(KEYS.items) == 0 and client.llen(KEYS.processing) == 0
    # an ingester killed after recording the failure, before acknowledging the item,
    # leaves it in the processing list: the next one acknowledges it without a second row
    client.rpush(KEYS.processing, b"\xff\xfe not json")
    done = fleet.run(
        "ingest", "--redis", fleet.redis.url, "--db", str(db), "--until-idle", "1",
        "--no-progress",
    )  # fmt: skip
    assert "0 failures" in done.stdout and "1 delivered again" in done.stdout
    assert conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 2
    assert client.llen(KEYS.processing) == 0


def test_unreachable_redis_is_one_line_error() -> None:
    for command in (["worker"], ["ingest"], ["seed", "http://127.0.0.1:9/"]):
        done = subprocess.run(
            crawler_cmd(*command, "--redis", "redis://127.0.0.1:9/0"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "redis://127.0.0.1:9/0" in lines[0], done.stderr


def test_an_item_delivered_twice_is_archived_once(fleet: Fleet, site: GeneratedSite) -> None:
    """Redelivery (an ingester killed after its commit, before LREM; a page fetched again
    after its worker died) adds no second sighting, skipped row or failure."""
    from archive.store import Archive
    from crawler.fleet import item_codec
    from crawler.fleet.ingest import Ingester
    from crawler.items import FailureItem, PageItem

    article = site.articles[7]
    page = PageItem(
        url=site.url + article.path,
        source="generated",
        body=site.pages[article.path],
        status=200,
        fetched_at="2026-11-23T00:00:00+00:00",
        content_type="text/html; charset=utf-8",
    )
    failure = FailureItem(url=site.url + "/gone", source="generated", stage="fetch", reason="x")
    client = fleet.redis.client()
    client.rpush(KEYS.processing, item_codec.encode("c1", page))  # taken by a killed ingester
    client.rpush(KEYS.items, item_codec.encode("c1", page), item_codec.encode("c1", failure))
    client.rpush(KEYS.items, item_codec.encode("c1", failure))
    with Archive(fleet.tmp / "twice.db") as archive:
        result = Ingester(client, archive).run(until_idle=0.5)
        counts = [
            archive.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "sightings", "failures", "crawl_runs")
        ]
    assert counts == [1, 1, 1, 1]
    assert result.items == 4 and result.counts["redelivered"] == 2
    assert client.llen(KEYS.items) == 0 and client.llen(KEYS.processing) == 0


def test_scheduler_seeds_the_fleet_instead_of_crawling(fleet: Fleet) -> None:
    done = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--redis", fleet.redis.url,
         "--db", str(fleet.tmp / "sched.db")],
        cwd=Path(__file__).resolve().parents[1], env=fleet.env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    client = fleet.redis.client()
    specs = [json.loads(v) for v in client.hvals(KEYS.crawls)]
    assert [s["source"] for s in specs] == ["generated"]
    assert client.zcard(KEYS.requests) == 1
    conn = sqlite3.connect(fleet.tmp / "sched.db")  # nothing crawled here: no run recorded
    assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0
    conn.close()


def test_a_second_ingester_is_refused(fleet: Fleet) -> None:
    """A second ingester waits for the first one's lock to expire (a killed one's does),
    then gives up naming it, when the first keeps refreshing it."""
    import threading

    from crawler.fleet.connect import FleetError
    from crawler.fleet.ingest import Ingester

    client = fleet.redis.client()
    first = Ingester(client, None, lock_timeout=1)  # type: ignore[arg-type]
    first.lock()
    stop = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(0.2):
            first.refresh()

    refresher = threading.Thread(target=keep_alive)
    refresher.start()
    try:
        second = Ingester(fleet.redis.client(), None, lock_timeout=1)  # type: ignore[arg-type]
        with pytest.raises(FleetError, match=first.id):
            second.lock()
    finally:
        stop.set()
        refresher.join()
    # the first one dies without unlocking: its lock expires and the second takes over
    second.lock()
    assert client.get(KEYS.ingester) == second.id.encode()


def test_a_new_link_is_marked_seen_and_queued_in_one_step(tmp_path: Path) -> None:
    """scrapy-redis marks a request seen (SADD) and then queues it (ZADD), two round trips:
    a worker killed between them lost the page for good, since the list page fetched again
    found its link seen (the root cause of a rare failure of the kill test above under
    load). `LeasedQueue.push_new` does both, and drops the lease of the request a redirect
    replaces, in one Redis script."""
    from scrapy import Request, Spider

    from crawler.fleet.queue import LeasedQueue

    redis = RedisServer(tmp_path / "redis").start()
    try:
        client = redis.client()
        queue = LeasedQueue(client, Spider("s"), KEYS.requests)
        queue.worker = "w1"
        client.hset(KEYS.leases("w1"), "token-1", b"0\nold")
        first = Request("http://a.example/1.html")
        assert queue.push_new(first, KEYS.dupefilter, "fp-1", "token-1") is True
        assert client.sismember(KEYS.dupefilter, "fp-1") and len(queue) == 1
        assert client.hlen(KEYS.leases("w1")) == 0  # the redirected request's lease is done
        again = Request("http://a.example/1.html", priority=5)
        assert queue.push_new(again, KEYS.dupefilter, "fp-1") is False  # seen: not queued
        assert len(queue) == 1
        assert queue.pop().url == "http://a.example/1.html"
    finally:
        redis.stop()
