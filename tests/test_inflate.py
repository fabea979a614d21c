"""The inflate limit (crawler/inflate.py): Content-Encoded bodies inflating like bombs are
refused early and recorded; legitimate pages and large plain bodies still pass.

The middleware is tried on real Scrapy responses, then a real crawl over HTTP on
127.0.0.1 fetches pages just under and just over the limit, a large page that compresses
little, and a large page sent without Content-Encoding.
"""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from reliability import query
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from sites.faults import REPORTS, TEXTS, report_page

from crawler.inflate import (
    INFLATE_FLOOR,
    INFLATE_MAX_RATIO,
    InflateLimitMiddleware,
    InflateRefused,
    inflate_limit,
)
from crawler.settings import DOWNLOAD_MAXSIZE

MIB = 2**20


def padded(name: str, size: int, *, noise: int = 0) -> bytes:
    """Report `name` as a page of `size` bytes: `noise` random bytes (as hex), then spaces."""
    page = report_page(name)
    hexed = random.Random(size).randbytes(noise // 2).hex().encode()
    room = size - len(page) - len(hexed) - len(b"<!---->")
    assert room >= 0
    return page.replace(b"</body>", b"<!--" + hexed + b" " * room + b"--></body>")


def test_the_limit_is_a_ratio_above_a_floor_below_the_maximum() -> None:
    assert inflate_limit(1000, 32 * MIB, ratio=20, floor=4 * MIB) == 4 * MIB
    assert inflate_limit(MIB, 32 * MIB, ratio=20, floor=4 * MIB) == 20 * MIB
    assert inflate_limit(10 * MIB, 32 * MIB, ratio=20, floor=4 * MIB) == 32 * MIB
    assert inflate_limit(1000, 0, ratio=20, floor=4 * MIB) == 4 * MIB  # no DOWNLOAD_MAXSIZE
    assert inflate_limit(1000, 32 * MIB, ratio=0, floor=4 * MIB) == 32 * MIB  # ratio off


@pytest.fixture
def middleware() -> InflateLimitMiddleware:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": DOWNLOAD_MAXSIZE})
    return InflateLimitMiddleware.from_crawler(crawler)


def gzipped(url: str, body: bytes) -> Response:
    return Response(url, body=gzip.compress(body), headers={"Content-Encoding": "gzip"})


def test_a_body_just_under_the_floor_inflates(middleware: InflateLimitMiddleware) -> None:
    body = padded(REPORTS["/reports/2022.html"], INFLATE_FLOOR - 1024)
    request = Request("http://bureau.test/a.html")
    response = middleware.process_response(request, gzipped(request.url, body))
    assert isinstance(response, HtmlResponse) and response.body == body


def test_a_body_just_over_the_floor_is_refused_with_its_reason(
    middleware: InflateLimitMiddleware,
) -> None:
    body = padded(REPORTS["/reports/2022.html"], INFLATE_FLOOR + 1024)
    request = Request("http://bureau.test/a.html")
    with pytest.raises(InflateRefused, match=f"limit of {INFLATE_FLOOR} B .INFLATE_FLOOR"):
        middleware.process_response(request, gzipped(request.url, body))


def test_a_body_over_its_ratio_is_refused(middleware: InflateLimitMiddleware) -> None:
    # 1 MiB of noise compresses about 2:1, so the limit is about 10 MiB; 12 MiB is over it
    compressed = gzip.compress(padded(REPORTS["/reports/2022.html"], 12 * MIB, noise=MIB))
    assert INFLATE_FLOOR < len(compressed) * INFLATE_MAX_RATIO < 12 * MIB
    request = Request("http://bureau.test/a.html")
    response = Response(request.url, body=compressed, headers={"Content-Encoding": "gzip"})
    with pytest.raises(InflateRefused, match="INFLATE_MAX_RATIO"):
        middleware.process_response(request, response)


# a real crawl ---------------------------------------------------------------------------
# path: (report, inflated size, noise bytes, gzip?)
PAGES = {
    "/under.html": ("/reports/2022.html", INFLATE_FLOOR - 1024, 0, True),
    "/over.html": ("/reports/2023.html", INFLATE_FLOOR + 1024, 0, True),
    "/dense.html": ("/reports/plan-2024.html", 8 * MIB, 6 * MIB, True),  # about 2:1
    "/plain.html": ("/reports/county-2023.html", 24 * MIB, 0, False),  # no Content-Encoding
}
PROFILE = """
name = "inflate"
start_urls = ["{base}/index.html"]
articles = ['/(under|over|dense|plain)\\.html$']
schedule = "1d"

[settings]
delay = 0.0
timeout = 20
private_network = true  # served on 127.0.0.1
"""


def serve_pages() -> tuple[ThreadingHTTPServer, dict[str, tuple[bytes, bool]]]:
    bodies = {}
    for path, (report, size, noise, encoded) in PAGES.items():
        body = padded(REPORTS[report], size, noise=noise)
        bodies[path] = (gzip.compress(body, 6) if encoded else body, encoded)
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in PAGES)
    bodies["/index.html"] = (f"<html><body><ul>{links}</ul></body></html>".encode(), False)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body, encoded = bodies.get(self.path, (b"", False))
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if encoded:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, bodies


@dataclass
class Crawled:
    db: Path
    done: subprocess.CompletedProcess
    sizes: dict[str, int]  # bytes sent per path

    def rows(self, sql: str) -> list[tuple]:
        return query(self.db, sql)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("inflate")
    server, bodies = serve_pages()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        (tmp / "profiles").mkdir()
        (tmp / "profiles" / "inflate.toml").write_text(PROFILE.replace("{base}", base), "utf-8")
        db = tmp / "archive.db"
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "inflate", "--db", str(db),
             "--no-progress"],
            cwd=tmp,
            env={**os.environ, "CRAWLER_PROFILES": str(tmp / "profiles")},
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        yield Crawled(db, done, {p: len(b) for p, (b, _) in bodies.items()})
    finally:
        server.shutdown()
        server.server_close()


def title(report: str) -> str:
    return (TEXTS / REPORTS[report]).read_text("utf-8").splitlines()[0]


def test_the_crawl_ends_cleanly(crawled: Crawled) -> None:
    assert crawled.done.returncode == 0, crawled.done.stderr[-3000:]
    assert "Traceback" not in crawled.done.stderr


def test_pages_within_the_limits_are_archived(crawled: Crawled) -> None:
    assert crawled.sizes["/dense.html"] > INFLATE_FLOOR / 2  # it compresses little
    archived = {url.rsplit("/", 1)[-1] for (url,) in crawled.rows("SELECT url FROM sightings")}
    assert archived == {"under.html", "dense.html", "plain.html"}
    titles = {t for (t,) in crawled.rows("SELECT title FROM documents")}
    for path in ("/under.html", "/dense.html", "/plain.html"):
        assert title(PAGES[path][0]) in titles, path


def test_a_page_over_the_limit_is_a_failure_with_its_reason(crawled: Crawled) -> None:
    failures = crawled.rows("SELECT url, stage, reason FROM failures")
    assert len(failures) == 1, failures
    url, stage, reason = failures[0]
    assert url.endswith("/over.html") and stage == "fetch"
    assert "refused while inflating" in reason and f"limit of {INFLATE_FLOOR} B" in reason
