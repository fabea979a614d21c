"""Sketches of a document's text for near-duplicate search: pure functions, no database.

A sketch holds what the index (`archive.dedup`) needs of one text: `signature`, a MinHash
of its character 5-grams by one-permutation hashing with optimal densification
(Shrivastava 2017); `keys`, its LSH band keys, over the whole text and over its heads (a
preview finds its report by them); `sample`, the 5-gram hashes that Jaccard and
containment are measured on; `numbers`, its figures with their units. The text sketched
is `shingle_text`: the simplified text, NFKC, lower case, letters and digits only. The
parameters and why are in the README's "Near-duplicates"; `python bench/dedup.py` times
the sketch against datasketch's MinHash.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

NGRAM = 5  # characters per shingle
BINS = 128  # signature length (one-permutation hashing bins)
BANDS, ROWS = 32, 4  # LSH over the signature
HEAD_SCALES = (100, 1000)  # head lengths (normalized characters), each with its own bands
HEAD_BINS, HEAD_BANDS, HEAD_ROWS = 64, 8, 4
HEAD_SKIP_LINE = 40  # leading lines shorter than this (titles, chrome) are not the head
SAMPLE_BITS = 4  # sample at most 1 in 2**SAMPLE_BITS shingles ...
SAMPLE_MIN = 256  # ... keeping at least about this many
MIN_NGRAMS = 50  # shorter texts are not indexed: too little to tell copies apart
TEMPLATE_PLACEHOLDERS = 3  # xx figures that make a text a template
MIN_NUMBERS = 8  # figures both texts need before their figures are compared
PARAMS = (  # kept with each sketch: band keys made with other values never meet these
    f"v1 ngram={NGRAM} bins={BINS} bands={BANDS}x{ROWS} heads={'/'.join(map(str, HEAD_SCALES))}"
    f":{HEAD_BANDS}x{HEAD_ROWS} sample=1/{2**SAMPLE_BITS}"
)
EMPTY = 0xFFFFFFFF  # the value of a bin no shingle fell into

_U64 = np.uint64
_DROP, _EXPANDS = 0, 1  # table values: not kept; NFKC gives several characters
_KEEP_PUNCT = ".%‰\n"  # kept until the figures and the lines are read, then dropped
_NEWLINE = ord("\n")
_RNG = np.random.default_rng(20240515)
_POSITION = _RNG.integers(1, 2**62, NGRAM, dtype=np.uint64) * _U64(2) + _U64(1)
_ROW = _RNG.integers(1, 2**62, max(ROWS, HEAD_ROWS), dtype=np.uint64) * _U64(2) + _U64(1)
_TAG = _RNG.integers(1, 2**62, 1 + len(HEAD_SCALES), dtype=np.uint64)
_FIGURE = re.compile(r"(?:\d[\d.]*|xx+).?")  # a figure and its unit (the next character)
_YEAR = re.compile(r"(?:19|20)(?:\d\d|xx)年")


@dataclass(frozen=True)
class Sketch:
    """What the index keeps of one text (see the module docstring)."""

    ngrams: int  # 5-gram windows of the normalized text
    signature: np.ndarray  # uint32[BINS]
    keys: np.ndarray  # int64 LSH band keys, sorted
    sample: np.ndarray  # uint32: the low 32 bits of the sampled 5-gram hashes, sorted
    sample_bits: int
    numbers: np.ndarray  # uint32 crc32s of the figures, sorted
    placeholders: int = 0  # figures that are xx (a 范文 template's blanks)

    @property
    def indexable(self) -> bool:
        return self.ngrams >= MIN_NGRAMS

    @property
    def template(self) -> bool:
        """A 范文 template by its blanks (describe's `is_template` may say so too)."""
        return self.placeholders >= TEMPLATE_PLACEHOLDERS


@dataclass(frozen=True)
class Similarity:
    """How alike two sketched texts are."""

    jaccard: float  # |A ∩ B| / |A ∪ B| on the common sample
    containment: float  # |A ∩ B| / min(|A|, |B|) on the common sample
    numbers: float | None  # shared figures / figures of the text with fewer; None: too few


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, element-wise: a well-mixed 64-bit hash of each value."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


@cache
def _table() -> np.ndarray:
    """For every BMP code point, its NFKC lower-case letter, digit or kept sign, or a flag."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        kept = [c for c in unicodedata.normalize("NFKC", chr(cp)).lower() if _kept(c)]
        if len(kept) == 1:
            table[cp] = ord(kept[0])
        elif kept:
            table[cp] = _EXPANDS
    return table


def _kept(ch: str) -> bool:
    return ch.isalnum() or ch in _KEEP_PUNCT


def _mapped(text: str) -> np.ndarray:
    """Code points of the normalized text, figures' signs (. % ‰) and line breaks still in."""
    cps = np.frombuffer(text.encode("utf-32-le"), "<u4")
    out = cps.copy()
    bmp = cps < 0x10000
    out[bmp] = _table()[cps[bmp]]
    if (out == _EXPANDS).any():  # ½, ㎡: normalize the whole text, character by character
        kept = [c for c in unicodedata.normalize("NFKC", text).lower() if _kept(c)]
        return np.array([ord(c) for c in kept], dtype=np.uint32)
    return out[out != _DROP]


def _letters(mapped: np.ndarray) -> np.ndarray:
    """`mapped` without the figures' signs and line breaks: what the shingles are made of."""
    keep = mapped != ord(_KEEP_PUNCT[0])
    for sign in _KEEP_PUNCT[1:]:
        keep &= mapped != ord(sign)
    return mapped[keep]


def shingle_text(text: str) -> str:
    """The text the shingles are taken from (NFKC, lower case, letters and digits)."""
    return _letters(_mapped(text)).astype("<u4").tobytes().decode("utf-32-le")


def _ngram_hashes(cps: np.ndarray) -> np.ndarray:
    """64-bit hashes of the NGRAM-character windows (repeats included), uint64."""
    count = len(cps) - NGRAM + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    wide = cps.astype(np.uint64)
    h = wide[:count] * _POSITION[0]
    for i in range(1, NGRAM):
        h += wide[i : i + count] * _POSITION[i]
    return _mix(h)


@cache
def _probes(bins: int) -> np.ndarray:
    """Per bin, the fixed sequence of bins an empty bin borrows from (densification)."""
    return np.random.default_rng(bins).integers(0, bins, size=(bins, 64))


def _oph(hashes: np.ndarray, bins: int) -> np.ndarray:
    """One-permutation MinHash of 64-bit hashes into `bins` uint32 values."""
    bits = bins.bit_length() - 1
    out = np.full(bins, EMPTY, dtype=np.uint32)
    if not len(hashes):
        return out
    where = (hashes >> _U64(64 - bits)).astype(np.intp)
    np.minimum.at(out, where, ((hashes << _U64(bits)) >> _U64(32)).astype(np.uint32))
    empty = np.flatnonzero(out == EMPTY)
    if len(empty):
        probes = _probes(bins)[empty]
        full = out[probes] != EMPTY
        found = full.any(axis=1)  # else left empty: the text has hardly any shingles
        donors = probes[np.arange(len(empty)), full.argmax(axis=1)]
        out[empty[found]] = out[donors[found]]
    return out


def _band_keys(signature: np.ndarray, bands: int, rows: int, tag: np.uint64) -> np.ndarray:
    """One 64-bit key per band of `rows` values (int64); a band with an empty bin has none."""
    values = signature[: bands * rows].reshape(bands, rows)
    usable = ~(values == EMPTY).any(axis=1)
    summed = (values.astype(np.uint64) * _ROW[:rows]).sum(axis=1)
    keys = _mix(_mix(summed + np.arange(bands, dtype=np.uint64)) ^ tag)
    return keys[usable].view(np.int64)


def _heads(mapped: np.ndarray) -> list[np.ndarray]:
    """The normalized heads: from the first line, and from the first long line on.

    Up to three short leading lines (a title, chrome) are skipped for the second; the first
    serves texts whose every line is short (hard-wrapped PDF layouts).
    """
    ends = np.flatnonzero(mapped[: HEAD_SCALES[-1] * 3] == _NEWLINE)[:3]
    start = skip = 0
    while skip < len(ends) and len(_letters(mapped[start : ends[skip]])) < HEAD_SKIP_LINE:
        start = int(ends[skip]) + 1
        skip += 1
    limit = HEAD_SCALES[-1] * 2
    whole = _letters(mapped[:limit])
    return [whole, _letters(mapped[start : start + limit])] if skip else [whole]


def _numbers(mapped: np.ndarray) -> tuple[np.ndarray, int]:
    """Sorted distinct crc32s of the figures with their units (years left out), and how
    many of them are xx placeholders."""
    text = mapped.astype("<u4").tobytes().decode("utf-32-le")
    tokens = set(_FIGURE.findall(text))
    tokens.difference_update([t for t in tokens if t[-1] == "年" and _YEAR.fullmatch(t)])
    crcs = np.fromiter((zlib.crc32(t.encode()) for t in tokens), np.uint32, len(tokens))
    placeholders = sum(1 for t in tokens if t[0] == "x") if "xx" in text else 0
    return np.unique(crcs), placeholders


def sample_bits(ngrams: int) -> int:
    """The coarsest sampling rate (bits) that keeps about SAMPLE_MIN 5-grams."""
    return max(0, min(SAMPLE_BITS, (ngrams // SAMPLE_MIN).bit_length() - 1))


def sketch(text: str) -> Sketch:
    """The sketch of a simplified-script text (the archive's `text_simplified`)."""
    mapped = _mapped(text)
    hashes = _ngram_hashes(_letters(mapped))
    signature = _oph(hashes, BINS)
    keys = [_band_keys(signature, BANDS, ROWS, _TAG[0])]
    for head in _heads(mapped):
        for index, scale in enumerate(HEAD_SCALES, 1):
            if len(head) >= scale:
                head_signature = _oph(_ngram_hashes(head[:scale]), HEAD_BINS)
                keys.append(_band_keys(head_signature, HEAD_BANDS, HEAD_ROWS, _TAG[index]))
    bits = sample_bits(len(hashes))
    numbers, placeholders = _numbers(mapped)
    return Sketch(
        ngrams=len(hashes),
        signature=signature,
        keys=np.unique(np.concatenate(keys)),
        sample=np.unique((hashes[(hashes & _U64(2**bits - 1)) == 0]).astype(np.uint32)),
        sample_bits=bits,
        numbers=numbers,
        placeholders=placeholders,
    )


def _at(sample: np.ndarray, bits: int) -> np.ndarray:
    return sample[(sample & np.uint32(2**bits - 1)) == 0] if bits else sample


def figures_agree(a: np.ndarray, b: np.ndarray) -> float | None:
    """Shared figures over the figures of the text with fewer; None when one has too few."""
    few = min(len(a), len(b))
    if few < MIN_NUMBERS:
        return None
    return len(np.intersect1d(a, b, assume_unique=True)) / few


def similarity(
    a: tuple[np.ndarray, int, np.ndarray], b: tuple[np.ndarray, int, np.ndarray]
) -> Similarity:
    """Jaccard and containment of two texts, and their share of figures in common.

    Each side is (sample, sample_bits, numbers); both samples are brought to the coarser
    of their two rates first, so the two are samples of the same hash range.
    """
    bits = max(a[1], b[1])
    sample_a, sample_b = _at(a[0], bits), _at(b[0], bits)
    shared = len(np.intersect1d(sample_a, sample_b, assume_unique=True))
    union = len(sample_a) + len(sample_b) - shared
    smaller = min(len(sample_a), len(sample_b))
    return Similarity(
        jaccard=shared / union if union else 0.0,
        containment=shared / smaller if smaller else 0.0,
        numbers=figures_agree(a[2], b[2]),
    )


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of signature bins that agree: the MinHash estimate of Jaccard similarity."""
    return float(np.mean(a == b))
