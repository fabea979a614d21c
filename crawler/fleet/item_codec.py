"""Items on the wire: one JSON object per item, the raw body in base64.

`encode(crawl, item)` and `decode(data)` are inverse; `decode` raises `BadItem` (with the
reason) for anything that is not such an object, so the ingester can record it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, fields
from typing import Any

from crawler.items import FailureItem, PageItem, UnchangedItem

VERSION = 1
KINDS: dict[str, type[Any]] = {
    "page": PageItem,
    "failure": FailureItem,
    "unchanged": UnchangedItem,
}
Item = PageItem | FailureItem | UnchangedItem


class BadItem(ValueError):
    """Bytes from the item queue that are not an item this version can archive."""


def encode(crawl: str, item: Item) -> bytes:
    """The wire form of `item` of crawl `crawl`."""
    kind = next(k for k, cls in KINDS.items() if isinstance(item, cls))
    data = asdict(item)
    if isinstance(item, PageItem):
        data["body"] = base64.b64encode(item.body).decode("ascii")
    record = {"v": VERSION, "crawl": crawl, "kind": kind, "item": data}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(data: bytes) -> tuple[str, Item]:
    """(crawl id, item) from the wire form; `BadItem` says why not."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadItem(f"not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise BadItem("not a JSON object")
    if record.get("v") != VERSION:
        raise BadItem(f"unknown item version {record.get('v')!r}")
    crawl, kind, values = record.get("crawl"), record.get("kind"), record.get("item")
    if not isinstance(crawl, str) or kind not in KINDS or not isinstance(values, dict):
        raise BadItem("needs 'crawl' (string), 'kind' (page, failure, unchanged), 'item'")
    cls = KINDS[kind]
    names = {f.name for f in fields(cls)}
    if unknown := set(values) - names:
        raise BadItem(f"unknown {kind} fields: {', '.join(sorted(unknown))}")
    if kind == "page":
        try:
            values["body"] = base64.b64decode(values.get("body") or "", validate=True)
        except (binascii.Error, TypeError) as exc:
            raise BadItem(f"body is not base64: {exc}") from None
    try:
        item = cls(**values)
    except TypeError as exc:
        raise BadItem(f"bad {kind}: {exc}") from None
    if not isinstance(item.url, str) or not isinstance(item.source, str):
        raise BadItem(f"bad {kind}: 'url' and 'source' must be strings")
    return crawl, item


def salvage(data: bytes) -> tuple[str | None, str, str]:
    """(crawl, url, source) of a bad item as far as they can be read, for its failure row."""
    try:
        record = json.loads(data)
        values = record.get("item") or {}
        crawl = record.get("crawl")
        return (
            crawl if isinstance(crawl, str) else None,
            str(values.get("url") or "?"),
            str(values.get("source") or "fleet"),
        )
    except (ValueError, AttributeError, TypeError):
        return None, "?", "fleet"
