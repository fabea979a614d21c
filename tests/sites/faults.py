"""A bureau site that misbehaves on purpose, for the crawler's robustness tests.

Served on 127.0.0.1 from a background thread. Its front page links to a few good reports
and to one page per fault:

    transient   /flaky.html (500, then the report), /busy.html (503 with Retry-After: 1,
                then the report)
    permanent   /broken.html (always 500), /gone.html (404), /reset.html (connection
                reset), /hang.html (no answer), /slow.html (a body trickling for minutes),
                /truncated.html (Content-Length larger than the body sent),
                /chunked-cut.html (a chunked body cut off), /bomb.html (gzip that inflates
                to 256 MiB), /huge.html (Content-Length over the size limit),
                /loop/a.html (redirects to /loop/b.html and back)
    traps       /list/1.html … (endless pagination, every page the same report),
                /calendar/2024-01.html … (an endless calendar, no reports)
    scope       /away.html (redirects to another host), /private/… (robots.txt forbids)

`FaultSite(copies=n)` serves each fault n times, under `/c0/…`, `/c1/…` (for long runs).
Every request is logged with its user agent (`FaultSite.requests`).
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from crawler.interrupt import serve_until_interrupted
from crawler.sample_site import SAMPLE_SITE_DIR

TEXTS = SAMPLE_SITE_DIR / "texts"  # the demo's report texts
REPORTS = {  # path: the report it serves
    "/reports/2022.html": "bureau-2022-annual.txt",
    "/reports/2023.html": "bureau-2023-annual.txt",
    "/reports/plan-2024.html": "bureau-2024-plan.txt",
    "/reports/county-2023.html": "county-2023-annual.txt",
}
FLAKY = "county-2024-h1.txt"  # served by /flaky.html after one 500
BUSY = "bureau-2024-h1.txt"  # served by /busy.html after one 503
TRUNCATED = "bureau-2024-keypoints.txt"  # half of it sent by /truncated.html, /chunked-cut.html
PERMANENT = ("/broken.html", "/gone.html", "/reset.html", "/hang.html", "/slow.html",
             "/truncated.html", "/chunked-cut.html", "/bomb.html", "/huge.html",
             "/loop/a.html")  # fmt: skip
BOMB_SIZE = 256 * 2**20


@dataclass(frozen=True)
class Hit:
    path: str
    status: int  # 0: no answer sent
    user_agent: str
    at: float  # time.monotonic() when answered


def page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><div class="nav"><a href="/index.html">首页</a></div>{body}</body></html>'
    ).encode()


def report_page(name: str) -> bytes:
    lines = (TEXTS / name).read_text("utf-8").strip().splitlines()
    paragraphs = "".join(f"<p>{line}</p>" for line in lines[1:] if line.strip())
    return page(lines[0], f'<div class="article"><h1>{lines[0]}</h1>{paragraphs}</div>')


def _next_month(month: str) -> str:
    year, mm = map(int, month.split("-"))
    return f"{year + mm // 12}-{mm % 12 + 1:02d}"


class FaultSite:
    """The misbehaving site; `with FaultSite(away="http://…") as site: site.url(...)`."""

    def __init__(self, away: str = "http://localhost:9/elsewhere.html", copies: int = 0) -> None:
        self.away = away
        self.copies = copies
        self.requests: list[Hit] = []
        self.seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._bomb: bytes | None = None
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    @property
    def bomb(self) -> bytes:
        if self._bomb is None:  # 256 MiB of zeros, about 250 KiB compressed
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip format
            zeros = bytes(2**20)
            parts = [packer.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))]
            self._bomb = b"".join([*parts, packer.flush()])
        return self._bomb

    def url(self, path: str = "/index.html") -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def hits(self, prefix: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.requests if h.path.startswith(prefix)]

    def _count(self, path: str) -> int:
        with self._lock:
            self.seen[path] = self.seen.get(path, 0) + 1
            return self.seen[path]

    def front_page(self) -> bytes:
        faults = ["/flaky.html", "/busy.html", *PERMANENT, "/list/1.html",
                  "/calendar/2024-01.html", "/away.html", "/private/secret.html"]  # fmt: skip
        prefixes = [f"/c{n}" for n in range(self.copies)] or [""]
        links = [*REPORTS, *(prefix + path for prefix in prefixes for path in faults)]
        items = "".join(f'<li><a href="{p}">{p}</a></li>' for p in links)
        return page("枫林区卫生健康局 工作总结", f'<ul class="list">{items}</ul>')

    def start(self) -> FaultSite:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()  # hanging and trickling answers give up
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(site: FaultSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the crawler hung up, as it may

        def log(self, status: int) -> None:
            agent = self.headers.get("User-Agent", "")
            hit = Hit(urlsplit(self.path).path, status, agent, time.monotonic())
            with site._lock:
                site.requests.append(hit)

        def send(self, status: int, body: bytes, **headers: str) -> None:
            self.log(status)
            self.send_response(status)
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            headers.setdefault("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            full = urlsplit(self.path).path
            n = site._count(full)
            copy = re.match(r"/c\d+(?=/)", full)
            prefix = copy.group(0) if copy else ""
            path = full.removeprefix(prefix)
            if path == "/robots.txt":
                self.send(200, b"User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
            elif path in ("/", "/index.html"):
                self.send(200, site.front_page())
            elif path in REPORTS:
                self.send(200, report_page(REPORTS[path]))
            elif path == "/flaky.html":
                if n == 1:
                    self.send(500, page("500", "<h1>500</h1>"))
                else:
                    self.send(200, report_page(FLAKY))
            elif path == "/busy.html":
                if n == 1:
                    self.send(503, page("503", "<h1>503</h1>"), Retry_After="1")
                else:
                    self.send(200, report_page(BUSY))
            elif path == "/broken.html":
                self.send(500, page("500", "<h1>500</h1>"))
            elif path == "/reset.html":
                self.log(0)
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
            elif path == "/hang.html":
                self.log(0)
                site._stop.wait(120)
                self.close_connection = True
            elif path == "/slow.html":
                self.log(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(600):
                    if site._stop.wait(0.2):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.close_connection = True
            elif path == "/truncated.html":
                body = report_page(TRUNCATED)
                self.log(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
            elif path == "/chunked-cut.html":
                body = report_page(TRUNCATED)[:3000]
                self.log(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))  # no final 0 chunk
                self.close_connection = True
            elif path == "/bomb.html":
                self.send(200, site.bomb, Content_Encoding="gzip")
            elif path == "/huge.html":
                self.log(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(64 * 2**20))
                self.end_headers()
                try:
                    for _ in range(64):
                        self.wfile.write(b"<p>" + b"x" * (2**20 - 3))
                except OSError:
                    pass
                self.close_connection = True
            elif path.startswith("/loop/"):
                other = "/loop/b.html" if path == "/loop/a.html" else "/loop/a.html"
                self.send(302, b"", Location=prefix + other)
            elif path.startswith("/list/"):
                number = int(path.removeprefix("/list/").removesuffix(".html") or 0)
                links = (
                    f'<li><a href="/reports/2022.html">2022年工作总结</a></li>'
                    f'<li><a href="{prefix}/list/{number + 1}.html">下一页</a></li>'
                )
                self.send(200, page(f"工作总结 第{number}页", f'<ul class="list">{links}</ul>'))
            elif path.startswith("/calendar/"):
                month = path.removeprefix("/calendar/").removesuffix(".html")
                link = f'<a href="{prefix}/calendar/{_next_month(month)}.html">下个月</a>'
                self.send(200, page(f"活动日历 {month}", f"<p>{month} 暂无活动</p>{link}"))
            elif path == "/away.html":
                self.send(302, b"", Location=site.away)
            else:
                self.send(404, page("404", "<h1>404</h1>"))

    return Handler


def main() -> None:  # pragma: no cover - for trying it by hand
    with FaultSite() as site:
        print(site.url(), flush=True)
        serve_until_interrupted()


if __name__ == "__main__":  # pragma: no cover
    main()
