"""The key of exact deduplication: the sha256 of a text's hashing form."""

from __future__ import annotations

import hashlib

from crawler.text.normalize import for_hashing


def text_sha256(text: str) -> str:
    """sha256 of the text's hashing form (crawler.text.normalize.for_hashing), hex."""
    return hashlib.sha256(for_hashing(text).encode("utf-8")).hexdigest()
