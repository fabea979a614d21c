"""Normalized text and its hash: the key of exact deduplication."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width forms to ASCII) with all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def text_sha256(text: str) -> str:
    """sha256 of the normalized text, hex."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()
