"""Which Chinese script a text is in, and conversion to simplified characters."""

from __future__ import annotations

import logging
from functools import lru_cache

from opencc import OpenCC

logger = logging.getLogger(__name__)

SIMPLIFIED = "simplified"
TRADITIONAL = "traditional"
_SAMPLE_CHARS = 20_000


@lru_cache(maxsize=2)
def _converter(config: str) -> OpenCC:
    """One OpenCC converter per configuration ("t2s", "s2t"), built once."""
    return OpenCC(config)


# {config: {character: whether the conversion changes it}}, filled as characters are met
# (a few thousand CJK characters in all)
_CHANGES: dict[str, dict[str, bool]] = {"t2s": {}, "s2t": {}}


def _changed(text: str, config: str) -> int:
    """How many characters of `text` the conversion `config` changes, one by one."""
    known = _CHANGES[config]
    chars = sorted(set(text) - known.keys())
    if chars:
        converted = _converter(config).convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):  # a mapping ate a separator: one at a time
            converted = [_converter(config).convert(ch) for ch in chars]
        known.update((ch, new != ch) for ch, new in zip(chars, converted, strict=True))
    return sum(1 for ch in text if known[ch])


def detect_script(text: str) -> str:
    """Return "traditional" when more characters are traditional-only than simplified-only."""
    sample = "".join(ch for ch in text[:_SAMPLE_CHARS] if "\u3400" <= ch <= "\u9fff")
    if not sample:
        return SIMPLIFIED
    traditional_only = _changed(sample, "t2s")
    simplified_only = _changed(sample, "s2t")
    logger.debug(
        "script: %d traditional-only, %d simplified-only characters",
        traditional_only,
        simplified_only,
    )
    return TRADITIONAL if traditional_only > simplified_only else SIMPLIFIED


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified (OpenCC t2s); simplified text is unchanged."""
    if not text:
        return text
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    """Convert simplified characters to traditional (OpenCC s2t), OpenCC's usual choice."""
    if not text:
        return text
    return _converter("s2t").convert(text)
