"""Serve the bundled sample sites over HTTP on 127.0.0.1, one ephemeral port per site.

    python -m crawler.sample_site.server [--delay SECONDS]

Static files come from ``sites/<site>/``.  On top of plain file serving the server:

* transcodes HTML of sites whose manifest ``encoding`` is not UTF-8 (``county``: GB18030 bytes,
  ``Content-Type: text/html`` without a charset, as many old county CMSs do);
* builds ``.docx`` attachments at start-up from ``<name>.docx.txt`` sources with python-docx
  (one paragraph per line) and serves them with the Word content type;
* answers 500 for every ``[[failure]]`` with ``status = 500`` in ``manifest.toml``;
* sends Content-Length, ETag and Last-Modified, and answers If-None-Match / If-Modified-Since
  with 304, so incremental crawls can be exercised;
* records every request in ``SampleSites.requests`` as ``(site, method, path, status)``;
* lets a test change a site while it is served: ``put`` publishes or edits a page (new
  ETag, later Last-Modified), ``hooks`` are called with ``(site, path)`` before each request
  is answered (to change the site at a known point of a crawl), and ``delay`` slows every
  answer down.
"""

from __future__ import annotations

import argparse
import datetime
import email.utils
import hashlib
import io
import mimetypes
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.interrupt import serve_until_interrupted

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIXED_TIME = datetime.datetime(2023, 1, 12, 9, 0, 0)
TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".txt": "text/plain",
    ".docx": DOCX_TYPE,
}


def load_manifest(root: Path | None = None) -> dict:
    """The parsed ``manifest.toml`` of the sample sites."""
    with open((root or HERE) / "manifest.toml", "rb") as f:
        return tomllib.load(f)


def build_docx(text: str) -> bytes:
    """A .docx with one paragraph per non-empty line of ``text``; the same bytes every time."""
    import docx  # python-docx

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.author = props.last_modified_by = "枫林区卫生健康局"
    props.revision = 1
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    raw = io.BytesIO()
    document.save(raw)
    # re-pack with fixed member timestamps so the bytes (and the ETag) never change
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    mtime: float
    etag: str


class Site:
    """One site's files, prepared in memory: encoded bytes, docx builds, validators."""

    def __init__(self, name: str, folder: Path, encoding: str, errors: dict[str, int]) -> None:
        self.name = name
        self.folder = folder
        self.encoding = encoding
        self.errors = errors
        self.files: dict[str, Resource] = {}
        for p in sorted(folder.rglob("*")):
            if not p.is_file():
                continue
            rel = "/" + p.relative_to(folder).as_posix()
            mtime = float(int(p.stat().st_mtime))
            if rel.endswith(".docx.txt"):
                body = build_docx(p.read_text("utf-8"))
                rel = rel[: -len(".txt")]
                ctype = DOCX_TYPE
            else:
                body = p.read_bytes()
                ctype = TYPES.get(p.suffix) or mimetypes.guess_type(p.name)[0]
                ctype = ctype or "application/octet-stream"
                if ctype.startswith("text/"):
                    if encoding.lower().replace("-", "") != "utf8" and ctype == "text/html":
                        body = body.decode("utf-8").encode(encoding)
                    else:
                        ctype += "; charset=utf-8"
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            self.files[rel] = Resource(body, ctype, mtime, etag)

    def put(self, path: str, body: bytes, content_type: str) -> Resource:
        """Publish `body` at `path`, or replace what is there (its Last-Modified moves on)."""
        old = self.files.get(path)
        mtime = float(int(time.time()))
        if old is not None:
            mtime = max(mtime, old.mtime + 1)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self.files[path] = res = Resource(body, content_type, mtime, etag)
        return res

    def lookup(self, path: str) -> Resource | None:
        if path.endswith("/"):
            path += "index.html"
        return self.files.get(path)


def _make_handler(sites: SampleSites, site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SampleSite/1.0"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the access log is SampleSites.requests

        def do_GET(self) -> None:
            self._serve(head=False)

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool) -> None:
            sites._log(site.name, self.command, self.path, status)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and body:
                self.wfile.write(body)

        def _error(self, status: int, head: bool) -> None:
            title = {404: "404 Not Found", 500: "500 Internal Server Error"}.get(
                status, str(status)
            )
            body = (
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
                f"</head><body><h1>{title}</h1></body></html>\n"
            ).encode()
            self._send(status, body, {"Content-Type": "text/html; charset=utf-8"}, head)

        def _serve(self, head: bool) -> None:
            path = unquote(urlsplit(self.path).path) or "/"
            for hook in list(sites.hooks):
                hook(site.name, path)
            if sites.delay:
                time.sleep(sites.delay)
            if ".." in path.split("/"):
                self._error(404, head)
                return
            if path in site.errors:
                self._error(site.errors[path], head)
                return
            res = site.lookup(path)
            if res is None:
                self._error(404, head)
                return
            headers = {
                "Content-Type": res.content_type,
                "ETag": res.etag,
                "Last-Modified": email.utils.formatdate(res.mtime, usegmt=True),
                "Cache-Control": "no-cache",
            }
            if self._not_modified(res):
                sites._log(site.name, self.command, self.path, 304)
                self.send_response(304)
                for k in ("ETag", "Last-Modified", "Cache-Control"):
                    self.send_header(k, headers[k])
                self.end_headers()
                return
            self._send(200, res.body, headers, head)

        def _not_modified(self, res: Resource) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm is not None:
                tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
                return "*" in tags or res.etag in tags
            ims = self.headers.get("If-Modified-Since")
            if ims:
                try:
                    since = email.utils.parsedate_to_datetime(ims).timestamp()
                except (TypeError, ValueError, IndexError, OverflowError):
                    return False
                return res.mtime <= since
            return False

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        pass  # a client hanging up mid-response is not worth a traceback on stderr


class SampleSites:
    """Serve every sample site on its own 127.0.0.1 port (threaded, in background threads)."""

    def __init__(self, root: Path | None = None, *, delay: float = 0.0) -> None:
        self.root = Path(root) if root is not None else HERE
        self.delay = delay
        self.manifest = load_manifest(self.root)
        self.urls: dict[str, str] = {}
        self.requests: list[tuple[str, str, str, int]] = []
        self.hooks: list[Callable[[str, str], None]] = []
        self.sites: dict[str, Site] = {}
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    def _log(self, site: str, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((site, method, path, status))

    def start(self) -> SampleSites:
        if self._servers:
            return self
        errors: dict[str, dict[str, int]] = {}
        for f in self.manifest.get("failure", []):
            if int(f["status"]) >= 500:
                errors.setdefault(f["site"], {})[f["path"]] = int(f["status"])
        try:
            for info in self.manifest["site"]:
                name = info["name"]
                site = Site(
                    name,
                    self.root / "sites" / name,
                    info.get("encoding", "utf-8"),
                    errors.get(name, {}),
                )
                self.sites[name] = site
                server = _Server(("127.0.0.1", 0), _make_handler(self, site))
                self._servers.append(server)
                self.urls[name] = f"http://127.0.0.1:{server.server_address[1]}/"
                t = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"sample-site-{name}",
                    daemon=True,
                )
                t.start()
                self._threads.append(t)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def put(self, site: str, path: str, text: str) -> None:
        """Publish or edit a page of a served site (HTML in the site's encoding, or text)."""
        served = self.sites[site]
        ctype = TYPES.get(Path(path).suffix) or "text/html"
        if ctype == "text/html" and served.encoding.lower().replace("-", "") != "utf8":
            body = text.encode(served.encoding)
        else:
            body = text.encode("utf-8")
            ctype += "; charset=utf-8"
        with self._lock:
            served.put(path, body, ctype)

    def text(self, site: str, path: str) -> str:
        """The page served at `path`, as text."""
        served = self.sites[site]
        res = served.lookup(path)
        if res is None:
            raise KeyError(f"{site}{path}")
        utf8 = served.encoding.lower().replace("-", "") == "utf8"
        return res.body.decode(
            "utf-8" if utf8 or "charset=utf-8" in res.content_type else served.encoding
        )

    def url(self, site: str, path: str = "/") -> str:
        """Absolute URL of ``path`` on ``site`` (after ``start``)."""
        return self.urls[site].rstrip("/") + "/" + path.lstrip("/")

    def __enter__(self) -> SampleSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m crawler.sample_site.server",
        description="Serve the bundled sample sites on 127.0.0.1 until Ctrl-C.",
    )
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering")
    args = ap.parse_args(argv)
    with SampleSites(delay=args.delay) as sites:
        for name, url in sites.urls.items():
            print(f"{name:8} {url}")
        print("Serving; press Ctrl-C to stop.", flush=True)
        try:
            serve_until_interrupted()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
