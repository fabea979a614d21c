"""Turn response bytes into text: BOM, declared charset, then chardet, never mojibake.

A reading that may be wrong (a single-byte code page for non-ASCII bytes, bytes that no
code page decodes) is compared with the GB18030, Big5-HKSCS and UTF-8 readings, and with
a mixed one (UTF-8 and GB18030 or Big5 piece by piece), and the one that reads best wins.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

import chardet

from crawler.text.errors import DecodeError
from crawler.text.readings import (
    ALTERNATES,
    LEGACY_CJK,
    SINGLE_BYTE_ALTERNATES,
    ascii_compatible,
    best,
    has_utf8_run,
    is_single_byte,
    nearly,
    strict,
)

logger = logging.getLogger(__name__)

__all__ = ["Decoded", "decode", "normalize_encoding"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy Chinese charsets are promoted to their supersets: pages that say gb2312 routinely
# hold GBK or GB18030 characters, and Big5 pages hold HKSCS ones.
_PROMOTE = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
    "utf-16": "utf-16-le",
    "utf-32": "utf-32-le",
}
_ALIASES = {
    "x-gbk": "gbk",
    "gb_2312-80": "gb2312",
    "x-euc-cn": "gb2312",
    "euc-cn": "gb2312",
    "x-big5": "big5",
    "big5-hkscs": "big5hkscs",
    "utf8": "utf-8",
    "unicode": "utf-16",
}
_HEAD_LIMIT = 65536
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.S)
_SCRIPT = re.compile(rb"<(script|style)\b.*?(?:</\1\s*>|$)", re.S | re.I)
_META = re.compile(rb"<meta\b[^>]*>", re.I)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_HEAD_END = re.compile(rb"<body\b|</head\s*>", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the codec used and how it was chosen."""

    text: str
    encoding: str
    source: str
    declared: str | None


def normalize_encoding(name: str | None) -> str | None:
    """Python codec name for a charset label, lower-case and promoted; None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    codec = {"iso8859-1": "latin-1", "windows-1252": "cp1252"}.get(codec, codec)
    return _PROMOTE.get(codec, codec)


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as written, or None."""
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset a document declares in its XML prolog or <meta>, ignoring scripts/comments."""
    decl = _XML_DECL.match(body[:512])
    if decl:
        return decl.group(1).decode("ascii")
    head = body[:_HEAD_LIMIT]
    head = _COMMENT.sub(b"", head)
    head = _SCRIPT.sub(b"", head)
    end = _HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    for tag in _META.finditer(head):
        match = _META_CHARSET.search(tag.group(0))
        if match:
            return match.group(1).decode("ascii")
    return None


def _bom(body: bytes) -> tuple[str, int] | None:
    """Codec and BOM length when the body starts with a byte-order mark."""
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return codec, len(mark)
    return None


def _utf16_without_bom(body: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit on alternate bytes as in BOM-less UTF-16."""
    sample = body[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _is_multibyte_utf8(body: bytes) -> bool:
    """True when the body is valid UTF-8 and holds non-ASCII bytes."""
    if body.isascii():
        return False
    return strict(body, "utf-8") is not None


def _mojibake(text: str, codec: str, body: bytes) -> bool:
    """True when decoding with codec produced replacement chars or visible mojibake."""
    if "\ufffd" in text:
        return True
    if codec == "utf-8" or codec.startswith("utf-"):
        return False
    # Valid multi-byte UTF-8 is virtually never legacy CJK or Latin text by accident.
    return _is_multibyte_utf8(body)


def _suspect(codec: str, body: bytes) -> bool:
    """True when a strict reading may still be wrong: a single-byte code page for non-ASCII
    bytes, or a CJK one for bytes that hold runs of UTF-8 (a mixed page)."""
    if is_single_byte(codec):
        return not body.isascii()
    return not codec.startswith("utf") and has_utf8_run(body)


def _chardet(body: bytes) -> str | None:
    """Codec that chardet guesses for the body, normalized, or None."""
    guess = chardet.detect(body[:200_000])
    return normalize_encoding(guess.get("encoding"))


def _check_binary(body: bytes) -> None:
    """Raise DecodeError for bytes that are clearly not text."""
    sample = body[:8192]
    if b"\x00" in sample:
        raise DecodeError("body contains NUL bytes and is not UTF-16: not text")
    if sample and len(_CONTROL.findall(sample)) > 0.05 * len(sample):
        raise DecodeError("body is mostly control bytes: not text")


def _declared(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(charset as written, 'http'|'meta') from the header first, else the document."""
    label = http_charset(content_type)
    if label and normalize_encoding(label):
        return label, "http"
    meta = meta_charset(body)
    if meta:
        return meta, "meta"
    return label, "http" if label else None


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode response bytes: BOM, HTTP charset, <meta>, then UTF-8 or chardet.

    A single-byte reading (cp850, koi8-u, cp1251, latin-1) of non-ASCII bytes, and a body
    that nothing decodes strictly, go to `readings.best`: the reading that reads best wins.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(body).__name__}")
    body = bytes(body)
    declared, where = _declared(body, content_type)

    bom = _bom(body)
    if bom:
        codec, size = bom
        text = strict(body[size:], codec)
        if text is not None:
            return Decoded(text, codec, "bom", declared)

    codec = normalize_encoding(declared)
    if codec and codec.startswith(("utf-16", "utf-32")):
        text = strict(body, codec)
        if text is not None:
            return Decoded(text, codec, where or "http", declared)
    utf16 = _utf16_without_bom(body)
    if utf16:
        text = strict(body, utf16)
        if text is not None:
            return Decoded(text, utf16, "chardet", declared)
    _check_binary(body)

    candidates: list[tuple[str, str]] = []  # (codec, source) readings to compare
    if codec and ascii_compatible(codec):
        text = strict(body, codec)
        if text is not None and not _mojibake(text, codec, body):
            if not _suspect(codec, body):
                return Decoded(text, codec, where or "meta", declared)
        else:
            logger.debug("declared charset %r rejected", declared)
        candidates.append((codec, where or "meta"))
    elif declared:
        logger.debug("unknown declared charset %r", declared)

    text = strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "fallback", declared)
    if codec == "utf-8" and (text := nearly(body, codec)) is not None:
        return Decoded(text, codec, where or "meta", declared)

    alternates = ALTERNATES
    guess = _chardet(body)
    if guess and guess != "utf-8" and ascii_compatible(guess):
        text = strict(body, guess)
        if text is not None and not _mojibake(text, guess, body) and not _suspect(guess, body):
            return Decoded(text, guess, "chardet", declared)
        if guess in LEGACY_CJK and (text := nearly(body, guess)) is not None:
            return Decoded(text, guess, "chardet", declared)
        if not is_single_byte(guess):
            candidates.append((guess, "chardet"))
        elif not any(is_single_byte(known) for known, _ in candidates):
            # a declared single-byte code page outranks chardet's and the alternates
            candidates.append((guess, "chardet"))
            alternates += SINGLE_BYTE_ALTERNATES

    text, codec, source = best(body, candidates, alternates)
    return Decoded(text, codec, source, declared)
