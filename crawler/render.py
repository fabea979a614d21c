"""Rendering list pages in headless Chromium, for lists that only a script fills.

A downloader middleware: a request with `meta["render"]` is loaded in Debian's `chromium`
through its `chromedriver` (selenium) instead of being downloaded, and answered with the
rendered DOM; the JSON the page fetched while loading is kept in `meta["rendered_json"]`
as (URL, text) pairs. The request has passed robots.txt and the private-network guard like
any other (they come first); one page is rendered at a time, within `RENDER_TIMEOUT`
seconds; the browser cannot reach other hosts (`--host-resolver-rules`) nor, unless the
crawl allows it, private addresses (blocked URL patterns).

Selenium rather than scrapy-playwright: Playwright drives the browser builds it downloads
itself and matches their versions, which cannot be fetched here; selenium drives Debian's
chromium through Debian's chromedriver of the same version, and was already used by the
tests. Its calls block, so they run in a thread of their own.

Without chromium (or selenium) the crawl goes on: the pages that needed rendering are
dropped (not failures) and named in one warning at the end of the crawl.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from spiders.base import RENDER_META, RENDERED_JSON_META, DroppedByPolicy

logger = logging.getLogger(__name__)

TIMEOUT = 20.0  # seconds one page may take to load and settle
SETTLE = 1.0  # seconds without new links before a loaded page counts as settled
MAX_JSON = 20  # JSON answers kept per page
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--blink-settings=imagesEnabled=false",
    "--js-flags=--max-old-space-size=256", "--renderer-process-limit=1",
)  # fmt: skip
PRIVATE_PATTERNS = [
    "*://10.*", "*://127.*", "*://0.*", "*://169.254.*", "*://192.168.*", "*://localhost*",
    "*://[*", *(f"*://172.{n}.*" for n in range(16, 32)),
]  # fmt: skip


class RenderUnavailable(DroppedByPolicy):
    """A page needed a browser and none is installed (named in the crawl's warning)."""


def browser_paths() -> tuple[str, str] | None:
    """Debian's chromium and chromedriver (`CRAWLER_CHROMIUM`, `CRAWLER_CHROMEDRIVER` name
    others), if both are installed, and selenium to drive them."""
    chromium = os.environ.get("CRAWLER_CHROMIUM") or shutil.which("chromium")
    driver = os.environ.get("CRAWLER_CHROMEDRIVER") or shutil.which("chromedriver")
    if not (chromium and driver and os.path.exists(chromium) and os.path.exists(driver)):
        return None
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None
    return chromium, driver


@dataclass
class Rendered:
    html: str
    json: list[tuple[str, str]] = field(default_factory=list)


class Browser:
    """One headless Chromium for one host; every call blocks (run it in one thread)."""

    def __init__(self, paths: tuple[str, str], host: str, *, private_ok: bool) -> None:
        from selenium import webdriver

        options = webdriver.ChromeOptions()
        options.binary_location = paths[0]
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(paths[1]))
        self.driver.execute_cdp_cmd("Network.enable", {})
        if not private_ok:
            self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": PRIVATE_PATTERNS})

    def render(self, url: str, timeout: float) -> Rendered:
        driver = self.driver
        driver.set_page_load_timeout(timeout)
        driver.get_log("performance")  # drop what an earlier page left
        started = time.monotonic()
        driver.get(url)
        links, stable_since = -1, time.monotonic()
        while time.monotonic() - started < timeout:  # until the links stop changing
            count = driver.execute_script("return document.getElementsByTagName('a').length")
            if count != links:
                links, stable_since = count, time.monotonic()
            elif time.monotonic() - stable_since >= SETTLE:
                break
            time.sleep(0.1)
        return Rendered(driver.page_source, self._json_answers())

    def _json_answers(self) -> list[tuple[str, str]]:
        answers = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.responseReceived":
                continue
            response = message["params"]["response"]
            if "json" not in (response.get("mimeType") or "") or len(answers) >= MAX_JSON:
                continue
            try:
                body = self.driver.execute_cdp_cmd(
                    "Network.getResponseBody", {"requestId": message["params"]["requestId"]}
                )
            except Exception:  # gone from the browser's buffer: the DOM still has the links
                continue
            text = body.get("body", "")
            if body.get("base64Encoded"):
                text = base64.b64decode(text).decode("utf-8", "replace")
            answers.append((response["url"], text))
        return answers

    def close(self) -> None:
        self.driver.quit()


class RenderMiddleware:
    """Answers `meta["render"]` requests with the page as a browser shows it."""

    def __init__(self, crawler: Crawler, timeout: float = TIMEOUT) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.private_ok = crawler.settings.getbool("PRIVATE_NETWORK_ALLOWED")
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.paths = browser_paths()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="render")
        self.browsers: dict[str, Browser] = {}
        self.missed: list[str] = []
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderMiddleware:
        if not crawler.settings.getbool("RENDER_ENABLED", True):
            raise NotConfigured
        return cls(crawler, crawler.settings.getfloat("RENDER_TIMEOUT", TIMEOUT))

    async def process_request(self, request: Request) -> HtmlResponse | None:
        if not request.meta.get(RENDER_META):
            return None
        if self.paths is None:
            self.missed.append(request.url)
            raise RenderUnavailable(f"no browser to render {request.url}")
        await asyncio.sleep(self.delay)  # the site's delay: its page was fetched just now
        loop = asyncio.get_running_loop()
        rendered = await loop.run_in_executor(self.executor, self._render, request)
        request.meta[RENDERED_JSON_META] = rendered.json
        if self.crawler.stats:
            self.crawler.stats.inc_value("render/pages")
        return HtmlResponse(
            request.url, body=rendered.html.encode("utf-8"), encoding="utf-8", request=request
        )

    def _render(self, request: Request) -> Rendered:
        assert self.paths is not None
        host = urlsplit(request.url).hostname or ""
        private_ok = self.private_ok or bool(request.meta.get("private_network"))
        if host not in self.browsers:
            self.browsers[host] = Browser(self.paths, host, private_ok=private_ok)
        return self.browsers[host].render(request.url, self.timeout)

    def close(self) -> None:
        if self.missed:
            shown = ", ".join(self.missed[:5]) + (" …" if len(self.missed) > 5 else "")
            logger.warning(
                "%d list pages filled by scripts were not rendered (no chromium and"
                " chromedriver: apt-get install chromium chromium-driver): %s",
                len(self.missed), shown,
            )  # fmt: skip
        browsers = list(self.browsers.values())
        self.browsers.clear()
        self.executor.submit(lambda: [b.close() for b in browsers])
        self.executor.shutdown(wait=True)
