"""The text layer's normal forms, each named for what it is compared for.

- `for_matching`: NFKC, pinyin ruby removed (衛(wèi)生 → 衛生), simplified characters; what
  titles and bodies are matched against the vocabulary in.
- `for_hashing`: NFKC with all whitespace removed; what an exact duplicate shares (the
  archive's sha256 key), so line breaks, spacing and full-width forms do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crawler.text.chinese_script import to_simplified

__all__ = ["for_hashing", "for_matching", "for_matching_uncached", "strip_ruby"]

_SPACE = re.compile(r"\s+")
_TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# 衛(wèi)生 → 衛生: a pinyin syllable with a tone mark (or tone digit) right after a CJK char.
_RUBY = re.compile(
    rf"(?:(?<=[\u3400-\u9fff])|(?<=[\u3400-\u9fff][A-Za-z]))[(（]\s*(?=[a-z{_TONES}]*[{_TONES}1-5])"
    rf"[a-z{_TONES}]{{1,7}}[1-5]?\s*[)）]"
)


def for_hashing(text: str) -> str:
    """NFKC (full-width forms to ASCII) with all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def strip_ruby(line: str) -> str:
    """Remove pinyin left in parentheses after characters: 衛(wèi)生 → 衛生; (一), (试行) stay."""
    return _RUBY.sub("", line)


def for_matching_uncached(text: str) -> str:
    """for_matching without its cache, for many short strings."""
    return to_simplified(strip_ruby(unicodedata.normalize("NFKC", text)))


@lru_cache(maxsize=16)
def for_matching(text: str) -> str:
    """Text for matching: NFKC, pinyin ruby removed (衛(wèi)生 → 衛生), simplified characters."""
    return for_matching_uncached(text)
