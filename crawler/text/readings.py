"""Choosing among readings of doubtful bytes: which code page reads them best, and pages
that mix UTF-8 with GB18030 or Big5 read piece by piece.

A reading scores by its non-ASCII characters: common hanzi of the code page are good,
replacement, control and private-use characters bad, and in a single-byte reading the
symbol soup that CJK bytes make ('ÎÀÉú½¡¿µ', '╬└╔·') is bad (crawler.text.mojibake).
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from functools import lru_cache

from crawler.text.mojibake import common_cjk, odd_runs

logger = logging.getLogger(__name__)

__all__ = [
    "ALTERNATES",
    "LEGACY_CJK",
    "SINGLE_BYTE_ALTERNATES",
    "ascii_compatible",
    "best",
    "has_utf8_run",
    "is_single_byte",
    "nearly",
    "strict",
]

# The CJK code pages every doubtful page is also read with, GBK's and Big5's supersets;
# then UTF-8; and the commonest single-byte ones when chardet guessed another single-byte one.
LEGACY_CJK = ("gb18030", "big5hkscs")
ALTERNATES = (*LEGACY_CJK, "utf-8")
SINGLE_BYTE_ALTERNATES = ("cp1252", "cp1251")

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


def strict(body: bytes, codec: str) -> str | None:
    """Body decoded strictly with codec, or None when it does not decode."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


@lru_cache(maxsize=64)
def is_single_byte(codec: str) -> bool:
    """True for a code page that reads most bytes 80-FF alone (cp1252, koi8-u, cp850)."""
    alone = 0
    for byte in range(0x80, 0x100):
        alone += strict(bytes((byte,)), codec) is not None
    return alone >= 80


@lru_cache(maxsize=64)
def ascii_compatible(codec: str) -> bool:
    """True when codec reads printable ASCII as ASCII (not EBCDIC, UTF-7 or UTF-16)."""
    printable = bytes(range(0x20, 0x7F))
    return strict(printable, codec) == printable.decode("ascii")


def has_utf8_run(body: bytes) -> bool:
    """True when body holds three CJK characters in a row in UTF-8."""
    return _UTF8_CJK_RUN in body.translate(_UTF8_CLASSES)


def nearly(body: bytes, codec: str) -> str | None:
    """Body read with a multi-byte codec that only a few bytes break (junk, a cut character);
    None when more break (or 5% of the non-ASCII text), or the body holds UTF-8 runs besides."""
    if codec != "utf-8" and has_utf8_run(body):
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
    single_byte = bool(codec) and is_single_byte(codec)
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
    if not is_single_byte(codec):
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
        pair = strict(bytes(error.object[error.start : error.start + 2]), codec)
        if pair and len(pair) == 1 and common_cjk(pair, codec):
            return pair, error.start + 2
        return "\ufffd", error.start + 1

    return handler


for _codec in LEGACY_CJK:
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
    rest = b"\n".join(p for p in sample.split(b"\n") if strict(p, "utf-8") is None)
    return max(LEGACY_CJK, key=lambda codec: _score(rest.decode(codec, "replace"), codec))


def _mixed(body: bytes, legacy: str) -> tuple[str, bool]:
    """Body read piece by piece between tags and line breaks, each piece as UTF-8 or as
    legacy; and whether some pieces were read each way.

    Pieces that decode only one way decide the majority; see _choose for the others.
    """
    pieces = [
        (p, p.decode("ascii"), None) if p.isascii() else (p, strict(p, "utf-8"), strict(p, legacy))
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


def best(
    body: bytes, candidates: list[tuple[str, str]], alternates: tuple[str, ...] = ALTERNATES
) -> tuple[str, str, str]:
    """(text, codec, source) of the reading that scores best on a sample: the candidates
    ((codec, source) declared, guessed), then the alternates, then UTF-8 mixed with GB18030
    or Big5-HKSCS piece by piece (see _legacy); first of equals."""
    sample = _sample(body)
    for codec in alternates:
        if all(codec != known for known, _ in candidates):
            candidates.append((codec, "fallback"))
    scores = {codec: _reading_score(sample, codec) for codec, _ in candidates}
    if has_utf8_run(body):
        legacy = _legacy(sample)
        mixed, both = _mixed(sample, legacy)
        if both and _score(mixed) > max(scores.values()):
            logger.debug("mixed page: UTF-8 and %s pieces", legacy)
            return _mixed(body, legacy)[0], f"utf-8+{legacy}", "mixed"
    codec, source = max(candidates, key=lambda candidate: scores[candidate[0]])
    text = body.decode(codec, "replace")
    if "\ufffd" in text:
        bad = text.count("\ufffd")
        logger.warning("no charset decodes strictly; %s with %d replacement chars", codec, bad)
    return text, codec, source
