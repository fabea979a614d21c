"""One page from bytes to a described document: decode → extract → clean → describe → judge."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.text.attachments import attachment_kind, attachment_text
from crawler.text.clean import clean_text
from crawler.text.decode import decode
from crawler.text.describe import Description, describe
from crawler.text.errors import CrawlerError, StageError, UnsupportedFormat
from crawler.text.extract import Selectors, extract
from crawler.text.judge import Relevance, judge
from crawler.text.notice import unwrap_notice
from crawler.text.quality_flags import garbled_share, is_truncated

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml")
MIN_CHARS = 1


@dataclass(frozen=True)
class Page:
    """A processed page or attachment, ready to archive or to print."""

    url: str | None
    kind: str  # html | txt | docx | pdf | doc | wps
    title: str | None
    text: str
    raw_text: str
    encoding: str | None
    encoding_source: str | None
    description: Description
    relevance: Relevance
    truncated: bool = False
    garbled: float = 0.0

    def fields(self) -> dict[str, Any]:
        """The document columns of the archive."""
        d = self.description
        return {
            "title": d.title,
            "region": d.region,
            "province": d.province,
            "agency": d.agency,
            "year": d.year,
            "period": d.period,
            "doc_type": d.doc_type,
            "published": d.published,
            "script": d.script,
            "is_template": int(d.is_template),
            "relevant": int(self.relevance.relevant),
            "division_code": d.division_code,
            "spun": int(d.spun),
            "spun_score": d.spun_score,
            "truncated": int(self.truncated),
            "garbled": self.garbled,
        }


def kind_of(body: bytes, url: str | None, content_type: str | None) -> str:
    """html, txt or an attachment kind, from magic bytes, Content-Type and the URL."""
    attachment = attachment_kind(url or "", content_type, body)
    if attachment:
        return attachment
    ctype = (content_type or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(urlsplit(url or "").path).suffix.lower()
    if ctype == "text/plain" or suffix == ".txt":
        return "txt"
    if ctype and not ctype.startswith(HTML_TYPES) and not ctype.startswith("text/"):
        raise UnsupportedFormat(f"unsupported content type {ctype}")
    return "html"


def process(
    body: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    selectors: Selectors | None = None,
    link_text: str | None = None,
    published_hint: str | None = None,
) -> Page:
    """Turn raw bytes into a `Page`; failures raise `StageError` naming the stage.

    An attachment's `link_text` and `published_hint` (the date of the page linking it) are
    its title and date when the file shows none."""
    kind = _stage("detect", kind_of, body, url, content_type)
    encoding = encoding_source = None
    meta: dict[str, str] = {}
    date_text = None
    link_share = 0.0
    if kind == "html":
        decoded = _stage("decode", decode, body, content_type)
        encoding, encoding_source = decoded.encoding, decoded.source
        extracted = _stage("extract", extract, decoded.text, url, selectors)
        title, raw_text = extracted.title, extracted.text
        meta, date_text = extracted.meta, extracted.date_text
        link_share = extracted.link_share
    elif kind == "txt":
        decoded = _stage("decode", decode, body, content_type)
        encoding, encoding_source = decoded.encoding, decoded.source
        raw_text = decoded.text
        title = None  # the title is a line of the text: clean finds it among the chrome
    elif kind in ("docx", "pdf", "doc", "wps"):
        raw_text = _stage("extract", attachment_text, kind, body)
        title = None
    else:
        raise StageError("detect", f"{kind} attachments are not supported yet")
    cleaned = _stage("clean", lambda: clean_text(raw_text, title=title, tables=kind != "txt"))
    text = cleaned.text
    if kind != "html":
        title = cleaned.title or link_text or _file_title(url)
    letter = (title, text)
    unwrapped = unwrap_notice(title, text)
    if unwrapped:
        title, text = unwrapped
    if len(text.strip()) < MIN_CHARS:
        raise StageError("clean", "no text left after removing site chrome")

    def describe_as(title: str | None, text: str) -> Description:
        return describe(
            title=title, text=text, url=url, raw_text=raw_text, meta=meta, date_text=date_text,
            published_hint=published_hint if kind != "html" else None,
        )  # fmt: skip

    description = _stage("describe", describe_as, title, text)
    if unwrapped:  # the issuing body signs the cover letter, not the document
        cover = _stage("describe", describe_as, *letter)
        description = replace(
            description,
            region=description.region or cover.region,
            province=description.province or cover.province,
            agency=description.agency or cover.agency,
        )
    relevance = _stage(
        "relevant", lambda: judge(description.title or title, text, link_share=link_share)
    )
    return Page(
        url=url,
        kind=kind,
        title=description.title or title,
        text=text,
        raw_text=raw_text,
        encoding=encoding,
        encoding_source=encoding_source,
        description=description,
        relevance=relevance,
        truncated=is_truncated(text, cut_marker="truncated" in cleaned.flags),
        garbled=garbled_share(text),
    )


def _stage(name: str, func: Any, *args: Any) -> Any:
    try:
        return func(*args)
    except StageError:
        raise
    except CrawlerError as exc:
        raise StageError(name, str(exc)) from exc
    except (ValueError, LookupError, TypeError, AttributeError) as exc:
        logger.debug("stage %s failed", name, exc_info=True)
        raise StageError(name, f"{type(exc).__name__}: {exc}") from exc


def _file_title(url: str | None) -> str | None:
    if not url:
        return None
    stem = PurePosixPath(unquote(urlsplit(url).path)).stem
    return stem if any("\u4e00" <= ch <= "\u9fff" for ch in stem) else None
