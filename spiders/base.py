"""What every archiving spider shares: links, page items and failure items."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import FailureItem, PageItem, UnchangedItem
from crawler.network_guard import PrivateAddressRefused
from spiders.discovery import Found, Page, discover
from spiders.discovery.page import MAX_LIST_PAGES
from spiders.discovery.scripted import needs_browser
from spiders.discovery.sites import SiteNames

ATTACHMENT_RE = re.compile(r"\.(docx?|pdf|wps|txt)(\?.*)?$", re.IGNORECASE)
FORM_META = "form"  # a POST's form fields (a data proxy's), kept for the pages after it
PROBE_META = "probe"  # a guess (/sitemap.xml, robots.txt): its absence is no failure
FOUND_BY_META = "found_by"  # the recogniser that found a request's URL
RENDER_META = "render"  # load in a browser (crawler/render.py)
RENDERED_JSON_META = "rendered_json"  # the JSON a rendered page fetched: (URL, text) pairs


def header(response: Response, name: str) -> str | None:
    """A response header as text, or None."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def page_date(page: Page) -> str | None:
    """The date a page shows (a labelled date line, a date meta tag, its URL): given to the
    attachments it links, whose files often show none."""
    from crawler.text.describe import find_published

    if page.tree is None:
        return find_published(url=page.url)
    meta = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content") or ""
        for m in page.tree.iter("meta")
    }
    body = page.tree.find("body")
    root = body if body is not None else page.tree
    lines = "\n".join(t.strip() for t in root.itertext() if t.strip())
    return find_published(meta=meta, raw_text=lines, url=page.url)


def page_of(response: TextResponse, max_list_pages: int = MAX_LIST_PAGES) -> Page:
    """A text response as the recognisers read it (with the POST form it answered)."""
    form = response.request.meta.get(FORM_META, ()) if response.request else ()
    return Page(
        response.url,
        response.text,
        header(response, "Content-Type") or "",
        tuple((str(k), str(v)) for k, v in form),
        max_list_pages=max_list_pages,
    )


# a 304's page as last kept, (bytes, content type), set by crawler/incremental.py
KEPT_PAGE_META = "kept_page"

# requests Scrapy drops by the crawl's own rules (robots.txt, allowed domains): not failures
BY_POLICY = ("Forbidden by robots.txt", "Filtered offsite request")


class DroppedByPolicy(IgnoreRequest):
    """A request the crawl's own rules drop, not a failure (e.g. a fleet crawl's max_pages:
    crawler/fleet/page_limit.py); raise a subclass."""


class ArchiveSpider(scrapy.Spider):
    """Base of the profile and discovery spiders; not a spider of its own."""

    sites: SiteNames  # the sites of the start URLs, under the names they use

    def source_of(self, url: str) -> str:
        """The source name recorded on sightings of `url`."""
        return self.name

    def page_of(self, response: TextResponse) -> Page:
        """`page_of` with the profile's cap on generated list pages, if it sets one (read
        from the profile: fleet workers call spiders that have no crawler of their own)."""
        profile = getattr(self, "profile", None)
        limit = profile.settings.max_list_pages if profile is not None else None
        return page_of(response, limit or MAX_LIST_PAGES)

    def count(self, key: str) -> None:
        """Add one to a crawl stat (fleet workers call spiders that have no crawler)."""
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats:
            crawler.stats.inc_value(key)

    def discover_links(
        self, response: Response, page: Page | None = None
    ) -> tuple[list[Found], list[FailureItem]]:
        """The requests a page names (spiders/discovery/), and a failure record for each
        recogniser that could not read it."""
        if not isinstance(response, TextResponse):
            return [], []
        found = discover(page or self.page_of(response))
        for url, text in response.meta.get(RENDERED_JSON_META) or ():  # what a browser fetched
            more = discover(Page(url, text, "application/json"))
            found.found.extend(f for f in more.found if not f.list)
            found.errors.extend(more.errors)
        for n, item in enumerate(found.found):  # the site's other names: its start name
            if (url := self.sites.canonical(item.url)) and url != item.url:
                found.found[n] = replace(item, url=url)
        failures = [
            FailureItem(
                url=response.url,
                source=self.source_of(response.url),
                stage="discover",
                reason=f"{error.how}: {error}"[:500],
            )
            for error in found.errors
        ]
        return found.found, failures

    def render_request(
        self, response: Response, page: Page | None, found: list[Found], mode: str = "auto"
    ) -> scrapy.Request | None:
        """The same page again, to load in a browser: always, or (`auto`) when a script
        fills its list and no recogniser could read how; None otherwise."""
        if page is None or response.meta.get(RENDER_META) or mode == "never":
            return None
        if mode == "auto" and not needs_browser(page, found):
            return None
        return scrapy.Request(
            response.url,
            callback=response.request.callback if response.request else None,
            errback=self.on_error,
            cb_kwargs=dict(response.request.cb_kwargs) if response.request else {},
            meta={RENDER_META: True, FOUND_BY_META: "render"},
            dont_filter=True,
        )

    def follow(self, found: Found, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        """The request for something found: a GET, or a POST with its form (a data proxy)."""
        if not found.form:
            if found.text and "link_text" not in cb_kwargs:
                cb_kwargs["link_text"] = found.text
            request = self.request(found.url, callback, found_by=found.how, **cb_kwargs)
            if found.lastmod:  # a sitemap's: spares asking for a page checked since
                request.meta["lastmod"] = found.lastmod
            return request
        return scrapy.FormRequest(
            found.url,
            formdata=dict(found.form),
            callback=callback,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={FORM_META: [list(pair) for pair in found.form], FOUND_BY_META: found.how},
        )

    def page_item(
        self,
        response: Response,
        link_text: str | None = None,
        published_hint: str | None = None,
    ) -> PageItem:
        """The raw response as an item for the archive pipeline."""
        referer = response.request.headers.get("Referer") if response.request else None
        selectors = getattr(self, "selectors", None)
        return PageItem(
            url=response.url,
            source=self.source_of(response.url),
            body=response.body,
            status=response.status,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            content_type=header(response, "Content-Type"),
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            referer=referer.decode("latin-1") if referer else None,
            link_text=link_text,
            selectors=selectors,
            published_hint=published_hint,
        )

    def request(
        self,
        url: str,
        callback: Any,
        *,
        conditional: bool = False,
        probe: bool = False,
        found_by: str = "start",
        **cb_kwargs: Any,
    ) -> scrapy.Request:
        """A request whose failures become failure records.

        `conditional`: send the archive's validators for `url` (see `crawler.incremental`),
        so an unchanged page answers 304 and is not downloaded again. `probe`: a URL that
        may well not exist (`/sitemap.xml`): no failure record when it does not.
        `found_by`: the recogniser that found the URL (`crawler try` shows it).
        """
        meta: dict[str, Any] = {FOUND_BY_META: found_by}
        if conditional:
            meta["conditional"] = True
        if probe:
            meta[PROBE_META] = True
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta
        )

    def unchanged_item(self, response: Response) -> UnchangedItem:
        """A page that answered 304 to a conditional request."""
        return UnchangedItem(
            url=response.url,
            source=self.source_of(response.url),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def on_error(self, failure: Failure) -> Iterator[FailureItem]:
        """Turn a failed request into a failure record (robots.txt and offsite are not).

        Other ignored requests are failures: a redirect loop ("max redirections reached"),
        a body over the size limit once decompressed.
        """
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(PROBE_META):  # a guessed URL that is not there
            self.logger.debug("probe %s: %s", request.url, failure.value)
            if failure.check(HttpError):  # answered all the same (crawl summary)
                self.count("discover/probe_responses")
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            yield FailureItem(
                url=request.url,
                source=self.source_of(request.url),
                stage="fetch",
                reason=f"HTTP {status}",
                status=status,
            )
            return
        if failure.check(PrivateAddressRefused):  # recorded: a page led somewhere refused
            self.logger.info("%s", failure.value)
            yield FailureItem(
                url=request.url,
                source=self.source_of(request.url),
                stage="scope",
                reason=str(failure.value)[:500],
            )
            return
        if failure.check(DroppedByPolicy) or (
            failure.check(IgnoreRequest) and str(failure.value).startswith(BY_POLICY)
        ):
            self.logger.debug("ignored %s: %s", request.url, failure.value)
            return
        yield FailureItem(
            url=request.url,
            source=self.source_of(request.url),
            stage="fetch",
            reason=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500],
        )
