"""Turn response bytes into text: BOM, declared charset, then chardet, never mojibake.

A reading that may be wrong (a single-byte code page for non-ASCII bytes, bytes that no
code page decodes) is compared with the GB18030, Big5-HKSCS and UTF-8 readings, and with
a mixed one (UTF-8 and GB18030 or Big5 piece by piece), and the one that reads best wins.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import chardet

from crawler.errors import DecodeError
from crawler.flags import common_cjk, odd_runs

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
# The CJK code pages every doubtful page is also read with, GBK's and Big5's supersets;
# then UTF-8; and the commonest single-byte ones when chardet guessed another single-byte one.
_LEGACY_CJK = ("gb18030", "big5hkscs")
_ALTERNATES = (*_LEGACY_CJK, "utf-8")
_SINGLE_BYTE_ALTERNATES = ("cp1252", "cp1251")

_HEAD_LIMIT = 65536
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.S)
_SCRIPT = re.compile(rb"<(script|style)\b.*?(?:</\1\s*>|$)", re.S | re.I)
_META = re.compile(rb"<meta\b[^>]*>", re.I)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_HEAD_END = re.compile(rb"<body\b|</head\s*>", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# Three CJK characters in a row in UTF-8 (found as "LCCLCCLCC" in bytes mapped to lead,
# continuation or other): GBK and Big5 text (almost) never hold one.
_UTF8_CLASSES = bytes(
    ord("L") if 0xE3 <= byte <= 0xE9 else ord("C") if 0x80 <= byte <= 0xBF else ord(".")
    for byte in range(256)
)
_UTF8_CJK_RUN = b"LCC" * 3
# Bytes that no multi-byte character of GBK, GB18030, Big5 or UTF-8 contains.
_BOUNDARY = re.compile(rb"([\n<>])")
# What junk bytes beside an invalid one read as in GB18030: Ext-A and private-use characters.
_JUNK = re.compile("(?<=\ufffd)[\u3400-\u4dbf\ue000-\uf8ff]|[\u3400-\u4dbf\ue000-\uf8ff](?=\ufffd)")

# Scoring readings: on about _SAMPLE bytes of the pieces with non-ASCII bytes; a single-byte
# code page must beat the best CJK reading by _MARGIN.
_SAMPLE = 65_536
_MARGIN = 0.15
_FEW = 3  # replacement chars in a reading that is right but for some broken bytes
_PIECE_MARGIN = 0.3  # how much better a mixed page's piece must read in legacy than in UTF-8
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
_BAD = re.compile(r"[\ufffd\x80-\x9f\ue000-\uf8ff]+")  # replacement, C1 control, private use
_IDEOGRAPHS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
_CJK_PUNCT = re.compile(r"[\u3000-\u303f\uff00-\uffef]+")


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


def _strict(body: bytes, codec: str) -> str | None:
    """Body decoded strictly with codec, or None when it does not decode."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_multibyte_utf8(body: bytes) -> bool:
    """True when the body is valid UTF-8 and holds non-ASCII bytes."""
    if body.isascii():
        return False
    return _strict(body, "utf-8") is not None


def _mojibake(text: str, codec: str, body: bytes) -> bool:
    """True when decoding with codec produced replacement chars or visible mojibake."""
    if "\ufffd" in text:
        return True
    if codec == "utf-8" or codec.startswith("utf-"):
        return False
    # Valid multi-byte UTF-8 is virtually never legacy CJK or Latin text by accident.
    return _is_multibyte_utf8(body)


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    """True for a code page that reads most bytes 80-FF alone (cp1252, koi8-u, cp850)."""
    alone = 0
    for byte in range(0x80, 0x100):
        alone += _strict(bytes((byte,)), codec) is not None
    return alone >= 80


@lru_cache(maxsize=64)
def _ascii_compatible(codec: str) -> bool:
    """True when codec reads printable ASCII as ASCII (not EBCDIC, UTF-7 or UTF-16)."""
    printable = bytes(range(0x20, 0x7F))
    return _strict(printable, codec) == printable.decode("ascii")


def _suspect(codec: str, body: bytes) -> bool:
    """True when a strict reading may still be wrong: a single-byte code page for non-ASCII
    bytes, or a CJK one for bytes that hold runs of UTF-8 (a mixed page)."""
    if _is_single_byte(codec):
        return not body.isascii()
    return not codec.startswith("utf") and _has_utf8_run(body)


def _has_utf8_run(body: bytes) -> bool:
    """True when body holds three CJK characters in a row in UTF-8."""
    return _UTF8_CJK_RUN in body.translate(_UTF8_CLASSES)


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
    that nothing decodes strictly, go to `_best`: the reading that reads best wins.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(body).__name__}")
    body = bytes(body)
    declared, where = _declared(body, content_type)

    bom = _bom(body)
    if bom:
        codec, size = bom
        text = _strict(body[size:], codec)
        if text is not None:
            return Decoded(text, codec, "bom", declared)

    codec = normalize_encoding(declared)
    if codec and codec.startswith(("utf-16", "utf-32")):
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, where or "http", declared)
    utf16 = _utf16_without_bom(body)
    if utf16:
        text = _strict(body, utf16)
        if text is not None:
            return Decoded(text, utf16, "chardet", declared)
    _check_binary(body)

    candidates: list[tuple[str, str]] = []  # (codec, source) readings to compare
    if codec and _ascii_compatible(codec):
        text = _strict(body, codec)
        if text is not None and not _mojibake(text, codec, body):
            if not _suspect(codec, body):
                return Decoded(text, codec, where or "meta", declared)
        else:
            logger.debug("declared charset %r rejected", declared)
        candidates.append((codec, where or "meta"))
    elif declared:
        logger.debug("unknown declared charset %r", declared)

    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "fallback", declared)
    if codec == "utf-8" and (text := _nearly(body, codec)) is not None:
        return Decoded(text, codec, where or "meta", declared)

    alternates = _ALTERNATES
    guess = _chardet(body)
    if guess and guess != "utf-8" and _ascii_compatible(guess):
        text = _strict(body, guess)
        if text is not None and not _mojibake(text, guess, body) and not _suspect(guess, body):
            return Decoded(text, guess, "chardet", declared)
        if guess in _LEGACY_CJK and (text := _nearly(body, guess)) is not None:
            return Decoded(text, guess, "chardet", declared)
        if not _is_single_byte(guess):
            candidates.append((guess, "chardet"))
        elif not any(_is_single_byte(known) for known, _ in candidates):
            # a declared single-byte code page outranks chardet's and the alternates
            candidates.append((guess, "chardet"))
            alternates += _SINGLE_BYTE_ALTERNATES

    return _best(body, declared, candidates, alternates)


def _nearly(body: bytes, codec: str) -> str | None:
    """Body read with a multi-byte codec that only a few bytes break (junk, a cut character);
    None when more break (or 5% of the non-ASCII text), or the body holds UTF-8 runs besides."""
    if codec != "utf-8" and _has_utf8_run(body):
        return None
    text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    if bad > max(_FEW, len(text) // 2000) or bad > 0.05 * len(_ASCII_RUN.sub("", text)):
        return None
    logger.warning("%s decodes all but a few bytes: %d replacement chars", codec, bad)
    return text


def _sample(body: bytes) -> bytes:
    """The pieces of body (of its first MB) that hold non-ASCII bytes, one a line, every n-th
    one so that they stay under _SAMPLE bytes."""
    pieces = [piece for piece in _BOUNDARY.split(body[: 16 * _SAMPLE]) if not piece.isascii()]
    size = sum(map(len, pieces))
    step = -(-size // _SAMPLE) or 1
    return b"\n".join(pieces[::step])


def _runs(pattern: re.Pattern[str], text: str) -> int:
    """How many characters of text the pattern's matches cover."""
    return sum(map(len, pattern.findall(text)))


def _score(text: str, codec: str = "") -> float:
    """How well a reading with codec reads, from -2 to 1, judged on its non-ASCII characters.

    Characters common in codec (in GB18030 or Big5 if it is neither) and CJK punctuation
    count 1, other ideographs 0.3, other letters and signs 0.5, replacement, C1 control and
    private-use characters -2. In a single-byte reading, letters and signs count 1, and
    odd runs, which CJK or UTF-8 bytes give ('ÎÀÉú', '╬└╔·'), -1.
    """
    rest = _ASCII_RUN.sub("", text)
    if not rest:
        return 1.0
    bad = _runs(_BAD, rest)
    single_byte = bool(codec) and _is_single_byte(codec)
    odd = (
        sum(len(_ASCII_RUN.sub("", run.group(0))) for run in odd_runs(text, (codec,)))
        if single_byte
        else 0
    )
    ideographs = _runs(_IDEOGRAPHS, rest)
    common = common_cjk(rest, codec)
    punct = _runs(_CJK_PUNCT, rest)
    other = max(len(rest) - ideographs - punct - bad - odd, 0)
    good = common + 0.3 * (ideographs - common) + punct + (1 if single_byte else 0.5) * other
    return (good - odd - 2 * bad) / len(rest)


def _reading_score(sample: bytes, codec: str) -> float:
    """The score of the sample read with codec; for a single-byte code page, of the sample's
    first quarter (odd runs take time to find), less _MARGIN."""
    if not _is_single_byte(codec):
        return _score(sample.decode(codec, "replace"), codec)
    if len(sample) > _SAMPLE // 4:
        sample = sample[: sample.rfind(b"\n", 0, _SAMPLE // 4) + 1 or _SAMPLE // 4]
    return _score(sample.decode(codec, "replace"), codec) - _MARGIN


def _legacy_fallback(codec: str) -> Callable[[UnicodeError], tuple[str, int]]:
    """A UTF-8 error handler that reads an invalid spot as one common character of codec
    (a GBK or Big5 pair), else as U+FFFD."""

    def handler(error: UnicodeError) -> tuple[str, int]:
        if not isinstance(error, UnicodeDecodeError):
            raise error
        pair = _strict(bytes(error.object[error.start : error.start + 2]), codec)
        if pair and len(pair) == 1 and common_cjk(pair, codec):
            return pair, error.start + 2
        return "\ufffd", error.start + 1

    return handler


for _codec in _LEGACY_CJK:
    codecs.register_error(f"crawler-{_codec}", _legacy_fallback(_codec))


def _broken(piece: bytes, legacy: str) -> str:
    """A piece that neither UTF-8 nor legacy decodes: UTF-8 with legacy pairs where it is
    invalid, or legacy with replacement chars, whichever reads better."""
    readings = (
        piece.decode("utf-8", f"crawler-{legacy}"),
        _JUNK.sub("\ufffd", piece.decode(legacy, "replace")),
    )
    return max(readings, key=_score)


def _legacy(sample: bytes) -> str:
    """GB18030 or Big5-HKSCS, whichever reads the sample's pieces that are not UTF-8 better."""
    rest = b"\n".join(p for p in sample.split(b"\n") if _strict(p, "utf-8") is None)
    return max(_LEGACY_CJK, key=lambda codec: _score(rest.decode(codec, "replace"), codec))


def _mixed(body: bytes, legacy: str) -> tuple[str, bool]:
    """Body read piece by piece between tags and line breaks, each piece as UTF-8 or as
    legacy; and whether some pieces were read each way.

    Pieces that decode only one way decide the majority; see _choose for the others.
    """
    pieces = [
        (p, p.decode("ascii"), None)
        if p.isascii()
        else (p, _strict(p, "utf-8"), _strict(p, legacy))
        for p in _BOUNDARY.split(body)
    ]
    only_utf8 = sum(len(p) for p, utf8, old in pieces if utf8 is not None and old is None)
    only_legacy = sum(len(p) for p, utf8, old in pieces if utf8 is None and old is not None)
    majority = "utf-8" if only_utf8 >= only_legacy else legacy
    parts, used = [], set()
    for piece, utf8, old in pieces:
        if piece.isascii():
            parts.append(utf8)
        elif utf8 is None and old is None:
            parts.append(_broken(piece, legacy))
        else:
            how = _choose(utf8, old, legacy, majority)
            used.add(how)
            parts.append(utf8 if how == "utf-8" else old)
    return "".join(parts), {"utf-8", legacy} <= used


def _choose(utf8: str | None, old: str | None, legacy: str, majority: str) -> str:
    """'utf-8' or legacy for a piece of a mixed page from its strict readings (None: invalid).

    A piece valid both ways goes with the majority; on a legacy page, a piece that holds CJK
    in UTF-8 is UTF-8 unless its legacy reading reads much better.
    """
    if old is None or (utf8 is not None and majority == "utf-8"):
        return "utf-8"
    if utf8 is None or max(utf8) < "\u0800":
        return legacy
    return legacy if _score(old, legacy) - _score(utf8) > _PIECE_MARGIN else "utf-8"


def _best(
    body: bytes,
    declared: str | None,
    candidates: list[tuple[str, str]],
    alternates: tuple[str, ...],
) -> Decoded:
    """The reading that scores best on a sample: the candidates (declared, guessed), then the
    alternates, then UTF-8 mixed with GB18030 or Big5-HKSCS (see _legacy); first of equals."""
    sample = _sample(body)
    for codec in alternates:
        if all(codec != known for known, _ in candidates):
            candidates.append((codec, "fallback"))
    scores = {codec: _reading_score(sample, codec) for codec, _ in candidates}
    if _has_utf8_run(body):
        legacy = _legacy(sample)
        mixed, both = _mixed(sample, legacy)
        if both and _score(mixed) > max(scores.values()):
            logger.debug("mixed page: UTF-8 and %s pieces", legacy)
            return Decoded(_mixed(body, legacy)[0], f"utf-8+{legacy}", "mixed", declared)
    codec, source = max(candidates, key=lambda candidate: scores[candidate[0]])
    text = body.decode(codec, "replace")
    if "\ufffd" in text:
        bad = text.count("\ufffd")
        logger.warning("no charset decodes strictly; %s with %d replacement chars", codec, bad)
    return Decoded(text, codec, source, declared)
