"""Near-duplicate clusters in the archive: the LSH index, the links, the canonical copies.

A document's sketch (`archive.minhash`) goes into `sketches` and its band keys into
`lsh_bands`, so a new document's candidates are one SQL lookup. A candidate becomes a
`near_duplicates` link when the metadata do not contradict (two regions, two years, a
template and a report), the figures agree (`NUMBERS`) and the texts are alike (`JACCARD`,
or `CONTAINMENT` for a preview). Links join clusters strongest first; every member's
`cluster_id` is the canonical copy's id. The rules, and the measurements behind the
thresholds (`python bench/dedup.py --labeled`), are in the README's "Near-duplicates".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from archive import minhash
from archive.minhash import Similarity, Sketch

JACCARD = 0.5
CONTAINMENT = 0.7
NUMBERS = 0.3
POSTINGS = 16  # documents a band key yields at most (see NearDuplicates._candidates) ...
FORMULA_CLUSTERS = 4  # ... and none when they fall into more clusters than this

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Link:
    """A verified near-duplicate pair."""

    other_id: int
    cluster_id: int
    similarity: Similarity

    @property
    def score(self) -> float:
        return max(self.similarity.jaccard, self.similarity.containment)


@dataclass(frozen=True)
class Rebuilt:
    """What `NearDuplicates.rebuild` (or `index_missing`) did."""

    documents: int  # documents (re)indexed
    clusters: int  # clusters with more than one document, in the whole archive
    clustered: int  # documents in those clusters
    largest: int  # documents in the largest cluster


def linked(sim: Similarity) -> bool:
    """Are two compatible documents with this similarity copies of one report?"""
    if sim.numbers is not None and sim.numbers < NUMBERS:
        return False
    return sim.jaccard >= JACCARD or sim.containment >= CONTAINMENT


def _compatible(metas: Iterable[tuple[Any, ...]]) -> bool:
    """Do these (region, year, is_template, ...) allow one report?"""
    regions, years, templates = set(), set(), set()
    for region, year, template, *_ in metas:
        if region:
            regions.add(region)
        if year is not None:
            years.add(year)
        templates.add(int(template or 0))
    return len(regions) <= 1 and len(years) <= 1 and len(templates) <= 1


Member = tuple[Any, Any, Any, np.ndarray]  # region, year, is_template, figures


def _joinable(group: list[Member], other: list[Member], vouched: bool) -> bool:
    """May two groups of documents be one cluster?

    Their metadata must agree. Unless the link that joins them compared figures
    (`vouched`), so must the figures of every two members that have enough of them: a link
    through a copy with hardly any figures (a short preview, a template's xx) must not
    chain two reports together.
    """
    if not _compatible([*group, *other]):
        return False
    if vouched:
        return True
    for *_, mine in group:
        for *_, theirs in other:
            agreement = minhash.figures_agree(mine, theirs)
            if agreement is not None and agreement < NUMBERS:
                return False
    return True


# a document is a 范文 template when describe() says so or when its text has blanks
_TEMPLATE = (
    "max(coalesce(d.is_template, 0),"
    f" coalesce(s.placeholders, 0) >= {minhash.TEMPLATE_PLACEHOLDERS})"
)
# Documents rows are wide (two copies of the text, in overflow pages that SQLite walks to
# reach any later column): what the index reads of them comes from this covering index
NARROW = "documents AS d INDEXED BY documents_near"
_EACH = "SELECT value FROM json_each(?)"  # `IN (_EACH)` with a JSON list: any number of ids
# rows are only updated when a value changes: every update of a document re-indexes its
# text for full-text search (the FTS triggers fire on any column)
_STALE = "(cluster_id IS NOT id OR canonical IS NOT 1)"


def _ids(values: Iterable[int]) -> str:
    return json.dumps(sorted(set(values)))


class NearDuplicates:
    """The near-duplicate index of one archive connection; the caller owns transactions."""

    def __init__(self, conn: sqlite3.Connection, official_hosts: Sequence[str]) -> None:
        self.conn = conn
        # hosts (and their subdomains) of the bureaus' own sites: their copy is canonical
        self.official_hosts = tuple(official_hosts)

    # arriving documents --------------------------------------------------------------
    def add(self, document_id: int, sk: Sketch | None = None) -> int:
        """Index a new (or changed) document and cluster it; return its cluster id (`sk`:
        the sketch of its simplified text, if made beforehand)."""
        text = "coalesce(text_simplified, text)" if sk is None else "NULL"  # not read back
        row = self.conn.execute(
            f"SELECT {text}, sha256, region, year, is_template FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise KeyError(document_id)
        simplified, sha, region, year, template = row
        if sk is None:
            sk = minhash.sketch(simplified)
        return self.add_sketch(document_id, sha, sk, (region, year, int(template or sk.template)))

    def add_sketch(self, document_id: int, sha: str, sk: Sketch, meta: tuple[Any, Any, Any]) -> int:
        """`add` with the sketch already made (region, year, is_template in `meta`)."""
        self._store(document_id, sha, sk)
        links = self._links(document_id, sk, meta) if sk.indexable else []
        if not links:
            self.conn.execute(
                f"UPDATE documents SET cluster_id = id, canonical = 1 WHERE id = ? AND {_STALE}",
                (document_id,),
            )
            return document_id
        self.conn.executemany(
            "INSERT OR REPLACE INTO near_duplicates (document_id, other_id, jaccard,"
            " containment, numbers) VALUES (?, ?, ?, ?, ?)",
            [
                (document_id, link.other_id, round(link.similarity.jaccard, 4),
                 round(link.similarity.containment, 4), link.similarity.numbers)
                for link in links
            ],
        )  # fmt: skip
        return self._join(document_id, (*meta, sk.numbers), links)

    def seen(self, document_id: int) -> None:
        """A document was seen again (another URL, an earlier date): re-pick its canonical."""
        row = self.conn.execute(
            "SELECT cluster_id, (SELECT count(*) FROM documents c WHERE c.cluster_id ="
            f" d.cluster_id) FROM {NARROW} WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is not None and row[0] is not None and row[1] > 1:
            self._elect(self._members([row[0]]))

    def refresh(
        self, document_ids: Iterable[int], progress: Progress | None = None, commit_every: int = 0
    ) -> Rebuilt:
        """Documents changed, went, or were never indexed: index them again, re-form clusters.

        The clusters they and their linked documents were in are formed again from the
        links that remain, then each document still in the archive is added anew.
        """
        ids = _ids(document_ids)
        touched = _ids(
            i
            for (i,) in self.conn.execute(
                f"SELECT other_id FROM near_duplicates WHERE document_id IN ({_EACH})"
                f" UNION SELECT document_id FROM near_duplicates WHERE other_id IN ({_EACH})"
                f" UNION SELECT value FROM json_each(?)",
                (ids, ids, ids),
            )
        )
        clusters = [
            c
            for (c,) in self.conn.execute(
                f"SELECT DISTINCT cluster_id FROM {NARROW} WHERE id IN ({_EACH})", (touched,)
            )
            if c is not None
        ]
        self._forget(ids)
        self.conn.execute(
            f"UPDATE documents SET cluster_id = id, canonical = 1 WHERE id IN ({_EACH})"
            f" AND {_STALE}",
            (ids,),
        )
        self._recluster(clusters, exclude=set(json.loads(ids)))
        existing = [
            i
            for (i,) in self.conn.execute(
                f"SELECT id FROM documents WHERE id IN ({_EACH}) ORDER BY id", (ids,)
            )
        ]
        return self._index(existing, progress, commit_every)

    # whole archive -----------------------------------------------------------------------
    def rebuild(self, progress: Progress | None = None, commit_every: int = 0) -> Rebuilt:
        """Forget every sketch, link and cluster, and index all documents again by id."""
        self.conn.execute("DELETE FROM lsh_bands")
        self.conn.execute("DELETE FROM sketches")
        self.conn.execute("DELETE FROM near_duplicates")
        self.conn.execute(f"UPDATE documents SET cluster_id = id, canonical = 1 WHERE {_STALE}")
        ids = [i for (i,) in self.conn.execute("SELECT id FROM documents ORDER BY id")]
        return self._index(ids, progress, commit_every)

    def index_missing(self, progress: Progress | None = None, commit_every: int = 0) -> Rebuilt:
        """Index the documents without a current sketch (all of them after a parameter change)."""
        stale = self.conn.execute(
            "SELECT 1 FROM sketches WHERE params != ? LIMIT 1", (minhash.PARAMS,)
        ).fetchone()
        if stale:  # band keys made with other parameters never meet the current ones
            return self.rebuild(progress, commit_every)
        ids = [
            i
            for (i,) in self.conn.execute(
                "SELECT d.id FROM documents d LEFT JOIN sketches s ON s.document_id = d.id"
                " WHERE s.sha256 IS NULL OR s.sha256 != d.sha256 ORDER BY d.id"
            )
        ]
        return self.refresh(ids, progress, commit_every)

    def _index(self, ids: list[int], progress: Progress | None, commit_every: int) -> Rebuilt:
        for done, document_id in enumerate(ids, 1):
            self.add(document_id)
            if commit_every and done % commit_every == 0:
                self.conn.commit()
            if progress:
                progress(done, len(ids))
        clusters, clustered, largest = self.conn.execute(
            "SELECT count(*), coalesce(sum(n), 0), coalesce(max(n), 0) FROM"
            " (SELECT count(*) AS n FROM documents GROUP BY cluster_id HAVING n > 1)"
        ).fetchone()
        return Rebuilt(len(ids), clusters, clustered, largest)

    def cluster(self, document_id: int) -> list[dict[str, Any]]:
        """The documents of a document's cluster, canonical first, with their links."""
        cur = self.conn.execute(
            "SELECT d.id, d.title, d.canonical, d.truncated, d.garbled, d.first_seen,"
            " (SELECT json_group_array(json_object('other_id', n.other_id, 'jaccard',"
            " n.jaccard, 'containment', n.containment, 'numbers', n.numbers))"
            " FROM near_duplicates n WHERE n.document_id = d.id) AS links"
            " FROM documents d WHERE d.cluster_id ="
            " (SELECT cluster_id FROM documents WHERE id = ?) ORDER BY d.canonical DESC, d.id",
            (document_id,),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    # internals ---------------------------------------------------------------------------
    def _store(self, document_id: int, sha: str, sk: Sketch) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sketches (document_id, sha256, params, ngrams, sample_bits,"
            " signature, keys, sample, numbers, placeholders)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document_id, sha, minhash.PARAMS, sk.ngrams, sk.sample_bits,
             sk.signature.tobytes(), sk.keys.tobytes(), sk.sample.tobytes(),
             sk.numbers.tobytes(), sk.placeholders),
        )  # fmt: skip
        if sk.indexable:
            self.conn.executemany(
                "INSERT OR IGNORE INTO lsh_bands (key, document_id) VALUES (?, ?)",
                [(key, document_id) for key in sk.keys.tolist()],
            )

    def _links(self, document_id: int, sk: Sketch, meta: tuple[Any, Any, Any]) -> list[Link]:
        """The indexed documents sharing a band key with `sk` that pass verification."""
        candidates = _ids(self._candidates(document_id, sk.keys.tolist()))
        region, year, template = meta
        compatible = self.conn.execute(  # what _compatible says, in SQL
            f"SELECT json_group_array(d.id) FROM {NARROW} LEFT JOIN sketches s"
            f" ON s.document_id = d.id WHERE d.id IN ({_EACH})"
            " AND (?2 IS NULL OR d.region IS NULL OR d.region = '' OR d.region = ?2)"
            " AND (?3 IS NULL OR d.year IS NULL OR d.year = ?3)"
            f" AND {_TEMPLATE} = ?4",
            (candidates, region or None, year, int(template or 0)),
        ).fetchone()[0]
        mine = (sk.sample, sk.sample_bits, sk.numbers)
        links = []
        for other_id, sample, bits, numbers, cluster_id in self.conn.execute(
            "SELECT s.document_id, s.sample, s.sample_bits, s.numbers, d.cluster_id FROM"
            f" sketches s JOIN {NARROW} ON d.id = s.document_id WHERE d.id IN ({_EACH})",
            (compatible,),
        ):
            theirs = (np.frombuffer(sample, np.uint32), bits, np.frombuffer(numbers, np.uint32))
            sim = minhash.similarity(mine, theirs)
            if linked(sim):
                links.append(Link(other_id, cluster_id, sim))
        return links

    def _candidates(self, document_id: int, keys: list[int]) -> set[int]:
        """The documents sharing a band key, formulas left out.

        Each key yields at most its `POSTINGS` earliest documents. A key that has that many
        in more than `FORMULA_CLUSTERS` clusters stands for a formula (an opening sentence
        every bureau writes) rather than for one report, and yields none: the candidates
        of a document stay few however large the archive grows, while a report copied
        many times is still found through its earliest copies.
        """
        per_key = (
            "SELECT * FROM (SELECT b.key, b.document_id, d.cluster_id FROM lsh_bands b"
            f" JOIN {NARROW} ON d.id = b.document_id WHERE b.key = ? LIMIT {POSTINGS})"
        )
        postings: dict[int, list[tuple[int, int]]] = {}
        for key, other, cluster_id in self.conn.execute(
            " UNION ALL ".join([per_key] * len(keys)), keys
        ):
            postings.setdefault(key, []).append((other, cluster_id))
        return {
            other
            for found in postings.values()
            if len(found) < POSTINGS or len({c for _, c in found}) <= FORMULA_CLUSTERS
            for other, _ in found
            if other != document_id
        }

    def _join(self, document_id: int, me: Member, links: list[Link]) -> int:
        """Merge the new document with the clusters it links to, strongest link first."""
        best: dict[int, float] = {}
        vouched = set()
        for link in links:
            best[link.cluster_id] = max(best.get(link.cluster_id, 0.0), link.score)
            if link.similarity.numbers is not None:
                vouched.add(link.cluster_id)
        group = [me]
        joined = []
        for cluster_id in sorted(best, key=lambda c: (-best[c], c)):
            theirs = self._group(cluster_id)
            if _joinable(group, theirs, cluster_id in vouched):
                group.extend(theirs)
                joined.append(cluster_id)
        return self._elect([*self._members(joined), document_id])

    def _group(self, cluster_id: int) -> list[Member]:
        """Metadata and figures of a cluster's members."""
        return [
            (region, year, template, np.frombuffer(numbers or b"", np.uint32))
            for region, year, template, numbers in self.conn.execute(
                f"SELECT d.region, d.year, {_TEMPLATE}, s.numbers FROM {NARROW}"
                " LEFT JOIN sketches s ON s.document_id = d.id"
                " WHERE d.id IN (SELECT id FROM documents WHERE cluster_id = ?)",
                (cluster_id,),
            )
        ]

    def _members(self, cluster_ids: Iterable[int]) -> list[int]:
        return [
            i
            for (i,) in self.conn.execute(
                f"SELECT id FROM documents WHERE cluster_id IN ({_EACH})", (_ids(cluster_ids),)
            )
        ]

    def _official(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.official_hosts)

    def _elect(self, members: list[int]) -> int:
        """Make `members` one cluster under its canonical document; return that id."""
        ids = _ids(members)
        rows = self.conn.execute(
            f"SELECT id, truncated, chars, spun, garbled, first_seen FROM {NARROW}"
            f" WHERE id IN ({_EACH})",
            (ids,),
        ).fetchall()
        official = {
            document_id
            for document_id, url in self.conn.execute(
                f"SELECT document_id, url FROM sightings WHERE document_id IN ({_EACH})", (ids,)
            )
            if self._official(url or "")
        }

        def rank(row: tuple[Any, ...]) -> tuple[Any, ...]:
            doc_id, truncated, chars, spun, garbled, first_seen = row
            return (
                int(truncated or 0),
                -(chars or 0) if truncated else 0,  # of two previews, the longer
                int(spun or 0),
                round(garbled or 0.0, 3),
                doc_id not in official,
                first_seen or "",
                doc_id,
            )

        canonical = int(min(rows, key=rank)[0])
        self.conn.execute(
            "UPDATE documents SET cluster_id = ?1, canonical = (id = ?1)"
            f" WHERE id IN ({_EACH.replace('?', '?2')})"
            " AND (cluster_id IS NOT ?1 OR canonical IS NOT (id = ?1))",
            (canonical, ids),
        )
        return canonical

    def _forget(self, ids: str) -> None:
        """Drop the sketches, band keys and links of the documents (a JSON list of ids)."""
        for document_id, blob in self.conn.execute(
            f"SELECT document_id, keys FROM sketches WHERE document_id IN ({_EACH})", (ids,)
        ).fetchall():
            self.conn.executemany(
                "DELETE FROM lsh_bands WHERE key = ? AND document_id = ?",
                [(key, document_id) for key in np.frombuffer(blob, np.int64).tolist()],
            )
        for table, column in (
            ("sketches", "document_id"),
            ("near_duplicates", "document_id"),
            ("near_duplicates", "other_id"),
        ):
            self.conn.execute(f"DELETE FROM {table} WHERE {column} IN ({_EACH})", (ids,))

    def _recluster(self, cluster_ids: Iterable[int], exclude: set[int]) -> None:
        """Form clusters again from the links that remain between their members."""
        members = [m for m in self._members(cluster_ids) if m not in exclude]
        if not members:
            return
        ids = _ids(members)
        groups: dict[int, list[Member]] = {
            i: [(region, year, template, np.frombuffer(numbers or b"", np.uint32))]
            for i, region, year, template, numbers in self.conn.execute(
                f"SELECT d.id, d.region, d.year, {_TEMPLATE}, s.numbers FROM {NARROW}"
                f" LEFT JOIN sketches s ON s.document_id = d.id WHERE d.id IN ({_EACH})",
                (ids,),
            )
        }
        edges = self.conn.execute(
            "SELECT document_id, other_id, max(jaccard, containment), numbers IS NOT NULL"
            " FROM near_duplicates"
            f" WHERE document_id IN ({_EACH}) AND other_id IN ({_EACH})",
            (ids, ids),
        ).fetchall()
        parent = {m: m for m in members}

        def root(m: int) -> int:
            while parent[m] != m:
                parent[m] = parent[parent[m]]
                m = parent[m]
            return m

        for a, b, _, vouched in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
            ra, rb = root(a), root(b)
            if ra != rb and _joinable(groups[ra], groups[rb], bool(vouched)):
                parent[rb] = ra
                groups[ra] = groups[ra] + groups[rb]
        clusters: dict[int, list[int]] = {}
        for m in members:
            clusters.setdefault(root(m), []).append(m)
        for cluster in clusters.values():
            self._elect(cluster)
