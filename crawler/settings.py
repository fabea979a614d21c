"""Scrapy settings of the crawler (`scrapy.cfg` points here)."""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "healthdocs"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
SPIDER_LOADER_CLASS = "spiders.loader.ProfileSpiderLoader"

CONTACT_URL = os.environ.get("CRAWLER_CONTACT", "https://pypi.org/project/healthdocs-crawler/")
USER_AGENT = f"healthdocs-crawler/{__version__} (+{CONTACT_URL})"

# politeness: robots.txt, a delay and a small per-site concurrency; profiles override
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2

# no requests to private, loopback or link-local addresses unless a profile allows them
# (`private_network = true`; the demo and the tests do): crawler/network_guard.py
PRIVATE_NETWORK_ALLOWED = False
DOWNLOADER_MIDDLEWARES = {
    "crawler.network_guard.PrivateNetworkGuard": 40,
    # retries wait as long as a 429/503's Retry-After asks (crawler/retry_after.py)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry_after.RetryAfterMiddleware": 550,
    # a redirect loop is a failure with its chain, not a silently dropped duplicate
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirect_loop.RedirectLoopMiddleware": 600,
    # a Content-Encoded body inflating like a bomb is refused early (crawler/inflate.py)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.inflate.InflateLimitMiddleware": 590,
    # list pages that only a script fills, loaded in headless Chromium (crawler/render.py),
    # after robots.txt and the network guard
    "crawler.render.RenderMiddleware": 970,
}
RETRY_AFTER_MAX = 60

# limits
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# a Content-Encoded body may inflate to 20x its compressed size, or 4 MiB if more, and
# never beyond DOWNLOAD_MAXSIZE; bodies sent as they are keep DOWNLOAD_MAXSIZE
INFLATE_MAX_RATIO = 20
INFLATE_FLOOR = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0

# the archive: every page item goes through the archive pipeline
ARCHIVE_DB = os.environ.get("CRAWLER_DB", "data/archive.db")
ITEM_PIPELINES = {"crawler.archive_pipeline.ArchivePipeline": 300}
# processes that clean pages beside the crawl (crawler/archive_pipeline.py): None is one per
# core but one, 1 to 4; 0 cleans them in the archive's writer process
ARCHIVE_WORKERS = int(os.environ["CRAWLER_WORKERS"]) if os.environ.get("CRAWLER_WORKERS") else None

COOKIES_ENABLED = False
# no server in a crawl that takes commands: Scrapy's telnet console and its remote-control
# HTTP server (Scrapy 2.19 and later: it runs Python code sent to it) are both off, and
# their extensions removed too (tests/test_security.py)
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
FEED_EXPORT_ENCODING = "utf-8"
