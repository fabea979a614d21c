"""Flags on a cleaned text: is it a truncated preview, how much of it is garbled."""

from __future__ import annotations

import re

from crawler.text.mojibake import covered, misread_spans

__all__ = ["garbled_share", "is_truncated"]

# A line that ends one of these ways ends a sentence (or a quotation, a bracketed note).
_SENTENCE_END = tuple("。！？!?…”’」』）)】》.;；")
# A text that stops on one of these stops inside a sentence.
_OPEN_END = tuple("，,、：:（(“‘「『《【—")
_CLAUSE = re.compile(r"[，,、；;：:]")
_STOP = re.compile(r"[。！？!?]")
# A last line this long, holding clauses but no final stop, is a paragraph cut short;
# shorter unpunctuated lines are signatures, dates and headings.
_CUT_PARAGRAPH = 40

# Characters and sequences that encoding errors leave behind (besides misread runs).
_DAMAGE = re.compile(
    "\ufffd"  # the replacement character
    # private-use code points (unmapped GBK/Big5 codes) inside a run of text; icon-font
    # glyphs, which sit alone between spaces, are not damage
    "|(?<=[\u3400-\u9fff])[\ue000-\uf8ff]+|[\ue000-\uf8ff]+(?=[\u3400-\u9fff])"
    "|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]"  # C0/C1 control characters
    "|锟斤拷|烫烫|屯屯"  # U+FFFD and uninitialised memory seen through GBK
    # '?' standing in for a lost character: inside a word, not after a question word
    "|(?<=[\u3400-\u9fff])(?<![吗呢么吧啊嘛呀哪谁何样少几否嗎麼])\\?+(?=[\u3400-\u9fff])"
)


def is_truncated(text: str, *, cut_marker: bool = False) -> bool:
    """True for a text that stops mid-sentence, as previews on document-sharing sites do.

    `cut_marker` is set when the page said so itself (还剩8页未读, 试读已结束).
    """
    if cut_marker:
        return True
    last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
    if not last or last.endswith(_SENTENCE_END) or "\t" in last:  # a table row ends it
        return False
    if last.endswith(_OPEN_END):
        return True
    if _STOP.search(last):  # a sentence ended inside the line, and the next one never did
        return True
    return len(last) >= _CUT_PARAGRAPH and bool(_CLAUSE.search(last))


def garbled_share(text: str) -> float:
    """Share of non-whitespace characters damaged by encoding errors (0.0 to 1.0).

    Damage is U+FFFD, control and stray private-use characters, 锟斤拷, a '?' for a lost
    character, and runs of CJK or UTF-8 bytes misread with a single-byte code page.
    """
    total = len("".join(text.split()))
    if total == 0:
        return 0.0
    spans = [m.span() for m in _DAMAGE.finditer(text)] + misread_spans(text)
    return round(min(covered(spans) / total, 1.0), 4)
