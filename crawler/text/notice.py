"""Unwrap a document published inside a 关于印发…的通知 cover letter.

Government sites often publish a 工作要点 or 工作计划 as the body of a notice: addressees,
one sentence (现将《…》印发给你们), a signature and a date, then the document itself. The
archive keeps the document, titled by its own name, not the cover letter.
"""

from __future__ import annotations

import re

from crawler.text.normalize import for_hashing

NOTICE_TITLE = re.compile(r"关于(?:印发|下发|转发|发布)[《〈<]?(?P<name>.+?)[》〉>]?的通知")
DATE_LINE = re.compile(r"^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
COVER_MAX_LINES = 12  # a cover letter is short; the document starts within this many lines


def unwrap_notice(title: str | None, text: str) -> tuple[str, str] | None:
    """(document title, document text) when `text` is a cover letter around a document."""
    match = NOTICE_TITLE.search(title or "")
    if not match:
        return None
    name = match.group("name").strip()
    lines = text.splitlines()
    head = lines[:COVER_MAX_LINES]
    key = for_hashing(name)
    start = next((i + 1 for i, line in enumerate(head) if for_hashing(line) == key), None)
    if start is None:  # no title line: the document starts after the letter's date
        start = next((i + 1 for i, line in enumerate(head) if DATE_LINE.match(line)), None)
    if start is None or start >= len(lines):
        return None
    body = "\n".join(lines[start:]).strip()
    return (name, body) if body else None
