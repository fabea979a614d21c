"""What mojibake looks like: the common hanzi of each CJK code page, and runs of what a
single-byte code page makes of CJK or UTF-8 bytes ('ÎÀÉú½¡¿µ', '╬└╔·', 'å·¥ä½œ').

A run counts as misread when it is no plausible word and its bytes, re-encoded with one
of MISREAD_CODECS, read as UTF-8 or as two or more common Chinese characters.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = ["MISREAD_CODECS", "common_cjk", "covered", "misread_spans", "odd_runs"]

# Single-byte code pages that GBK, Big5 and UTF-8 bytes get misread with (Windows, DOS,
# KOI8, ISO 8859, Mac), the usual ones first.
MISREAD_CODECS = (
    "latin-1", "cp1252", "cp1251", "cp850", "cp437", "koi8-u", "koi8-r", "cp866", "cp855",
    "cp852", "cp858", "cp863", "cp861", "cp865", "cp1250", "cp1253", "cp1254", "cp1257",
    "iso8859-2", "iso8859-5", "iso8859-7", "iso8859-15", "iso8859-16", "mac-roman",
    "mac-cyrillic", "mac-latin2",
)  # fmt: skip
_SCRIPTS = (("latin", 0x250), ("greek", 0x400), ("cyrillic", 0x530))  # (script, ends before)
# Punctuation between words: quotes, dashes, bullets, ellipses, numero sign.
_PUNCTUATION = re.compile("[\u2010-\u205e\u00ab\u00bb\u2116]")


def _char_class(chars: Iterable[str]) -> str:
    """A regex character class matching exactly `chars`, written as ranges."""
    ranges: list[list[int]] = []
    for code in sorted({ord(ch) for ch in chars}):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return "[" + "".join(parts) + "]"


def _common_hanzi() -> dict[str, str]:
    """The most used characters of each CJK code page: GB2312's level 1 (3,755) for GB18030,
    Big5's frequent characters (5,401) for Big5-HKSCS."""
    level1 = bytes(
        b for lead in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF) for b in (lead, cell)
    )
    cells = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    frequent = bytes(
        b
        for lead in range(0xA4, 0xC7)
        for cell in cells
        if (lead, cell) < (0xC6, 0x7F)  # A440-C67E
        for b in (lead, cell)
    )
    return {
        "gb18030": level1.decode("gb2312", "ignore"),
        "big5hkscs": frequent.decode("big5", "ignore"),
    }


_COMMON_HANZI = _common_hanzi()
_COMMON_CJK = {
    codec: re.compile(_char_class(chars) + "+") for codec, chars in _COMMON_HANZI.items()
}
_COMMON_CJK[""] = re.compile(_char_class("".join(_COMMON_HANZI.values())) + "+")


def common_cjk(text: str, codec: str = "") -> int:
    """How many characters of text are common Chinese characters: common in GB18030 or in
    Big5-HKSCS when codec names one (a reading with it), else in either."""
    return sum(map(len, _COMMON_CJK.get(codec, _COMMON_CJK[""]).findall(text)))


@lru_cache(maxsize=32)
def _high_runs(code_pages: tuple[str, ...]) -> re.Pattern[str]:
    """Runs of two or more of what the code pages make of bytes 80-FF, each maybe followed by
    a GBK/Big5 trail byte in ASCII (@ to ~)."""
    high = bytes(range(0x80, 0x100))
    chars = {ch for codec in code_pages for ch in high.decode(codec, "ignore")}
    chars.discard("\ufffd")
    return re.compile(f"(?:{_char_class(chars)}[@-~]?){{2,}}")


def _script(ch: str) -> str:
    """'latin', 'greek', 'cyrillic' or 'other' for a letter."""
    code = ord(ch)
    if 0x1E00 <= code < 0x1F00:
        return "latin"
    return next((name for name, end in _SCRIPTS if code < end), "other")


def _plausible(text: str, start: int, end: int) -> bool:
    """True when the run at start:end, alone or with the ASCII letters around it, reads as words.

    Words are letters of one script in lower, Title or UPPER case ('café', 'Größe', 'ПРИВЕТ',
    'μg'), between punctuation ('«Ёлка»').
    """
    words = _PUNCTUATION.split(text[start:end])
    if all(map(_is_word, words)):
        return True
    if not "".join(words).isalpha():  # ASCII letters around it will not make it words
        return False
    while start and text[start - 1].isascii() and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    return all(map(_is_word, _PUNCTUATION.split(text[start:end])))


def _is_word(word: str) -> bool:
    """True for letters of one script in lower, Title or UPPER case, or for nothing."""
    if not word:
        return True
    rest = word[1:]
    if not word.isalpha() or not (
        word.isupper() or rest.islower() or rest == rest.swapcase() or word.islower()
    ):
        return False
    scripts = {_script(ch) for ch in set(word)}
    if len(scripts) > 1:
        return False
    # a Latin word of more than two letters holds an ASCII one ('Größe', not 'ÀÉÈ')
    return "latin" not in scripts or len(word) <= 2 or any(ch.isascii() for ch in word)


def _reads_as_utf8(raw: bytes) -> bool:
    """True when bytes are non-ASCII UTF-8, give or take a sequence cut at either end."""
    start = 0
    while start < min(3, len(raw)) and 0x80 <= raw[start] < 0xC0:
        start += 1
    try:
        text, used = codecs.utf_8_decode(raw[start:], "strict", False)
    except UnicodeDecodeError:
        return False
    return len(raw) - start - used <= 3 and not text.isascii()


def _reads_as_cjk(raw: bytes) -> bool:
    """True when bytes decode as non-ASCII UTF-8, or as GBK/Big5 of mostly common characters."""
    if _reads_as_utf8(raw):
        return True
    for codec in ("gb18030", "big5hkscs"):
        text = raw.decode(codec, "replace")
        foreign = sum(1 for ch in text if not ch.isascii())
        common = "".join(_COMMON_CJK[codec].findall(text))
        if text.count("\ufffd") <= 1 and len(set(common)) >= 2 and len(common) >= 0.6 * foreign:
            return True
    return False


def odd_runs(text: str, code_pages: Sequence[str] = MISREAD_CODECS) -> list[re.Match[str]]:
    """Runs of two or more characters that the code pages give for bytes 80-FF and that
    are no plausible words ('ÎÀÉú½¡¿µ', '╬└╔·', not 'Größe', 'ПРИВЕТ', '«Ёлка»')."""
    pattern = _high_runs(tuple(code_pages))
    return [match for match in pattern.finditer(text) if not _plausible(text, *match.span())]


def misread_spans(text: str, code_pages: Sequence[str] = MISREAD_CODECS) -> list[tuple[int, int]]:
    """Spans of text that are CJK or UTF-8 bytes read with a single-byte code page.

    'ÎÀÉú½¡¿µ' (GBK as Latin-1), 'ОАЙъЅЎ' (as cp1251), '╬└╔·' (as cp850), 'å·¥ä½œ' (UTF-8
    as cp1252): odd runs whose bytes in one of `code_pages` decode as UTF-8 or as two or
    more common Chinese characters.
    """
    runs = odd_runs(text, code_pages)
    return [run.span() for run in runs if _is_misread(run.group(0), tuple(code_pages))]


@lru_cache(maxsize=1024)
def _is_misread(run: str, code_pages: tuple[str, ...] = MISREAD_CODECS) -> bool:
    """True when the run's bytes in one of the code pages read as UTF-8 or common CJK."""
    raws = set()
    for codec in code_pages:
        try:
            raws.add(run.encode(codec))
        except UnicodeEncodeError:
            continue
    return any(map(_reads_as_cjk, raws))


def covered(spans: Iterable[tuple[int, int]]) -> int:
    """How many positions the spans cover, overlaps counted once."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total
