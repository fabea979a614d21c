"""Chinese full-text search: one token per character, in simplified script.

SQLite's tokenizers do not find Chinese words: `unicode61` takes a whole run of
characters for one token, and `trigram` never matches a term of one or two characters.
So `documents_search`, a contentless FTS5 table with the `unicode61` tokenizer, indexes a
copy of each document's title and simplified text with a space around every CJK
character: each character is a token, Latin words and numbers stay whole. A term typed
in either script is converted to simplified (`to_simplified`) and spaced the same way,
and becomes an FTS5 phrase ("卫 生"), which matches the characters in sequence.

The index is kept by SQL triggers, so every writer keeps it without knowing of it; the
spacing is done in SQL by `spaced_sql`, and in Python, identically, by `spaced`.
"""

from __future__ import annotations

import re
import shlex

import sqlite_utils

from crawler.text.chinese_script import to_simplified, to_traditional

SEARCH_TABLE = "documents_search"
# the first code point spaced as a character of its own: CJK radicals, punctuation,
# kana, ideographs, Hangul, compatibility and full-width forms all lie above it
_CJK_FROM = 0x2E80
_CJK = re.compile(f"([{chr(_CJK_FROM)}-\U0010ffff])")
_CHUNK = 64  # characters cut from the text at a time by the SQL spacing (keeps it linear)
_STEP = 8  # characters spaced per row of its recursion (rows are most of its cost)


def spaced(text: str | None) -> str:
    """`text` with a space either side of every CJK character (what the index holds)."""
    return _CJK.sub(r" \1 ", text or "")


def _spaced_char(c: str) -> str:
    return f"CASE WHEN unicode({c}) >= {_CJK_FROM} THEN ' ' || {c} || ' ' ELSE {c} END"


def spaced_sql(expr: str) -> str:
    """A SQL expression computing `spaced(expr)`, usable inside a trigger.

    A recursive CTE walks the text a chunk at a time (SQLite's `substr` walks UTF-8 from
    the start, so cutting the whole text into characters would take time quadratic in its
    length), and each row spaces the next `_STEP` characters of the chunk; `group_concat`
    joins the pieces in order. A row per character takes about twice as long in every
    write of a document (`python bench/spacing.py`).
    """
    piece = " || ".join(_spaced_char(f"substr(rest, {i}, 1)") for i in range(1, _STEP + 1))
    return f"""(WITH RECURSIVE r(k, j, piece, rest) AS (
      SELECT 0, 0, '', substr({expr}, 1, {_CHUNK})
      UNION ALL SELECT k + 1,
        CASE WHEN rest = '' THEN j + 1 ELSE j END,
        CASE WHEN rest = '' THEN '' ELSE {piece} END,
        CASE WHEN rest = '' THEN substr({expr}, (j + 1) * {_CHUNK} + 1, {_CHUNK})
          ELSE substr(rest, {_STEP + 1}) END
      FROM r WHERE rest != '' OR (j + 1) * {_CHUNK} < length({expr})
    )
    SELECT coalesce(group_concat(piece, ''), '') FROM (SELECT piece FROM r ORDER BY k))"""


def _indexed(row: str) -> tuple[str, str]:
    """The SQL expressions for the indexed title and text of `row` (new, old or a table)."""
    return spaced_sql(f"{row}.title"), spaced_sql(f"coalesce({row}.text_simplified, {row}.text)")


def create_search_index(db: sqlite_utils.Database) -> None:
    """Create `documents_search`, fill it from `documents`, and the triggers that keep it."""
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        "title, text, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    new_title, new_text = _indexed("new")
    old_title, old_text = _indexed("old")
    insert = (
        f"INSERT INTO {SEARCH_TABLE} (rowid, title, text) VALUES (new.id, {new_title}, {new_text});"
    )
    # a contentless table forgets a row by being told the values it indexed
    delete = (
        f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, title, text)"
        f" VALUES ('delete', old.id, {old_title}, {old_text});"
    )
    db.executescript(
        f"""
        CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_ai AFTER INSERT ON documents BEGIN
          {insert}
        END;
        CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_ad AFTER DELETE ON documents BEGIN
          {delete}
        END;
        CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_au
        AFTER UPDATE OF id, title, text, text_simplified ON documents BEGIN
          {delete}
          {insert}
        END;
        """
    )
    indexed = db.execute(f"SELECT count(*) FROM {SEARCH_TABLE}_docsize").fetchone()[0]
    if not indexed:  # a migration cut short re-runs from here: the insert is one statement
        title, text = _indexed("d")
        db.execute(
            f"INSERT INTO {SEARCH_TABLE} (rowid, title, text)"
            f" SELECT d.id, {title}, {text} FROM documents d"
        )


def _terms(query: str) -> list[str]:
    """The terms of a query: words split on spaces, "quoted phrases" kept whole."""
    try:
        return shlex.split(query)
    except ValueError:  # an unbalanced quote
        return query.replace('"', " ").split()


def _phrase(term: str) -> str | None:
    """An FTS5 phrase matching `term` character by character, or None if it has no token.

    Only letters, digits and CJK characters are tokens: a term of punctuation alone ("--")
    would be an empty phrase, which matches nothing, so it is left out.
    """
    tokens = spaced(term).split()
    if not any(ch.isalnum() for ch in term):
        return None
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def fts_query(query: str) -> str:
    """Rewrite a search typed by a person into an FTS5 query on `documents_search`.

    Every term must occur (AND); a term is found in either script: its simplified form
    matches the simplified text, and its typed and traditional forms match a title
    stored in traditional (titles are indexed as written). FTS5 operators are taken
    literally. An empty query matches nothing.
    """
    parts = []
    for term in _terms(query):
        simplified = to_simplified(term)
        forms = (simplified, term, to_traditional(simplified))
        alternatives = dict.fromkeys(p for p in map(_phrase, forms) if p)
        if alternatives:
            joined = " OR ".join(alternatives)
            parts.append(f"({joined})" if len(alternatives) > 1 else joined)
    return " AND ".join(parts) if parts else '""'
