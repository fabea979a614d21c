"""`crawler try`: crawl a profile or a URL without writing the archive, and show what each
fetched URL was: which recogniser found it, whether it was followed as a list or taken as
a page to archive, and what the judge made of it. For writing and checking profiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from crawler.archiving import prepare
from crawler.items import FailureItem, PageItem, UnchangedItem
from spiders.base import FOUND_BY_META, page_of

LIST_CALLBACKS = ("parse",)  # a profile spider's list pages
Echo = Callable[[str], None]


def summary(totals: dict[str, int]) -> list[str]:
    """The closing lines of a trial from its crawl stats (`trial/…` counters)."""
    verdicts = {k.removeprefix("trial/"): v for k, v in totals.items()
                if k.startswith("trial/") and "/found_by/" not in f"/{k}"}  # fmt: skip
    found = {k.removeprefix("trial/found_by/"): v for k, v in totals.items()
             if k.startswith("trial/found_by/")}  # fmt: skip
    order = ("archive", "skip", "list", "failed", "unchanged")
    lines = [", ".join(f"{verdicts[v]} {v}" for v in order if verdicts.get(v))]
    lines.append("found by: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())))
    return lines


def verdict_of(item: PageItem | FailureItem | UnchangedItem) -> tuple[str, str]:
    """(verdict, detail) of one item, as the archive would record it."""
    if isinstance(item, FailureItem):
        return "failed", f"{item.stage}: {item.reason}"
    if isinstance(item, UnchangedItem):
        return "unchanged", ""
    prepared = prepare(item)
    if prepared.error is not None:
        return "failed", ": ".join(prepared.error)
    page = prepared.page
    assert page is not None
    if not page.relevance.relevant:
        return "skip", "; ".join(page.relevance.reasons) or "not a work document"
    d = page.description
    about = ", ".join(str(v) for v in (d.doc_type, d.year, d.published, d.agency) if v)
    return "archive", f"{page.title or '?'} ({about})"


class TrialPipeline:
    """Prints one line per page: verdict, recogniser, URL, detail; keeps the counts."""

    def __init__(self, crawler: Crawler, echo: Echo) -> None:
        self.crawler = crawler
        self.echo = echo
        self.found_by: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TrialPipeline:
        pipeline = cls(crawler, crawler.settings["TRIAL_ECHO"])
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def line(self, verdict: str, how: str, url: str, detail: str = "") -> None:
        stats = self.crawler.stats
        if stats:
            stats.inc_value(f"trial/{verdict}")
            stats.inc_value(f"trial/found_by/{how}")
        self.echo(f"{verdict:<9} {how:<14} {url}{'  ' + detail if detail else ''}")

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        how = request.meta.get(FOUND_BY_META)
        if how is None:  # robots.txt asked for by Scrapy itself
            return
        self.found_by[response.url] = how
        callback = getattr(request.callback, "__name__", "")
        profile_list = callback in LIST_CALLBACKS and hasattr(self.crawler.spider, "profile")
        data = isinstance(response, TextResponse) and page_of(response).is_list_data
        if profile_list or data:  # read for its links, not archived
            self.line("list", how, response.url, f"HTTP {response.status}")

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageItem | FailureItem | UnchangedItem):
            verdict, detail = verdict_of(item)
            self.line(verdict, self.found_by.get(item.url, "?"), item.url, detail)
        return item
