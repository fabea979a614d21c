"""Near-duplicate clusters: sketches, the labeled set's precision and recall, canonical copies,
persistence, rebuilds, reprocessing and the `crawler dedup` command, on real SQLite files."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from archive import minhash
from archive.records import Refiled, Sighting
from archive.schema import MIGRATIONS
from archive.store import Archive
from crawler.cli import cli
from crawler.text.chinese_script import to_simplified

LABELED = Path(__file__).resolve().parent / "pages" / "dedup" / "labeled.py"
TEXTS = Path(__file__).resolve().parents[1] / "crawler" / "sample_site" / "texts"


def _labeled() -> Any:
    spec = importlib.util.spec_from_file_location("dedup_labeled", LABELED)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


labeled = _labeled()


def body(name: str) -> str:
    """A sample report's text without its title line."""
    lines = [ln.strip() for ln in (TEXTS / f"{name}.txt").read_text("utf-8").splitlines()]
    return "\n".join(ln for ln in lines[1:] if ln)


def seen(url: str, at: str = "2024-03-01T00:00:00+00:00") -> Sighting:
    return Sighting(url=url, source="test", fetched_at=at, status=200)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "a.db") as a:
        yield a


def add(archive: Archive, text: str, url: str, **fields: Any) -> int:
    at = fields.pop("at", "2024-03-01T00:00:00+00:00")
    return archive.add_document(
        text=text, fields=fields, sighting=seen(url, at), run_id=None
    ).document_id


def clusters(archive: Archive) -> dict[int, int]:
    return dict(archive.conn.execute("SELECT id, cluster_id FROM documents"))


def canonical(archive: Archive, document_id: int) -> int:
    return archive.conn.execute(
        "SELECT cluster_id FROM documents WHERE id = ?", (document_id,)
    ).fetchone()[0]


# sketches ---------------------------------------------------------------------------------


def test_normalize_keeps_letters_and_digits_only() -> None:
    assert (
        minhash.shingle_text("２０２３年，全区 完成\n投资1.86亿元（ＡＢ）。")
        == "2023年全区完成投资186亿元ab"
    )
    assert minhash.shingle_text("①完成½") == "1完成12"  # characters NFKC expands


def test_identical_texts_have_identical_sketches() -> None:
    text = body("bureau-2023-annual")
    a, b = minhash.sketch(text), minhash.sketch(text.replace("\n", "\n\n  "))
    assert (a.signature == b.signature).all() and (a.keys == b.keys).all()
    sim = minhash.similarity(
        (a.sample, a.sample_bits, a.numbers), (b.sample, b.sample_bits, b.numbers)
    )
    assert sim.jaccard == sim.containment == sim.numbers == 1.0
    assert minhash.estimated_jaccard(a.signature, b.signature) == 1.0


def test_sketch_of_a_preview() -> None:
    text = body("bureau-2023-annual")
    full, preview = minhash.sketch(text), minhash.sketch(text[:300])
    assert len(np.intersect1d(full.keys, preview.keys)), "the preview shares a head band"
    sim = minhash.similarity(
        (full.sample, full.sample_bits, full.numbers),
        (preview.sample, preview.sample_bits, preview.numbers),
    )
    assert sim.containment > 0.95 and sim.jaccard < 0.4


def test_figures_and_blanks() -> None:
    sk = minhash.sketch("全年完成投资1.86亿元，新增床位120张，2023年达到86.2%，床位120张。")
    assert len(sk.numbers) == 3  # 1.86亿, 120张, 86.2%; the year left out, repeats once
    template = minhash.sketch("投入资金xx万元，完成xx镇、xx乡卫生院提标改造，培训xx人次。")
    assert template.placeholders == 4 and template.template


def test_short_texts_are_not_indexed(archive: Archive) -> None:
    first = add(archive, "工作总结：全年完成。", "https://a.example/1")
    second = add(archive, "工作总结：全年完成了。", "https://a.example/2")
    assert clusters(archive) == {first: first, second: second}
    assert archive.conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0] == 0


# the labeled set ----------------------------------------------------------------------------


def pairwise(copies: list[Any], assigned: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted clusters against the true ones."""
    tp = fp = fn = 0
    for x, y in itertools.combinations(copies, 2):
        same, predicted = x.cluster == y.cluster, assigned[x.id] == assigned[y.id]
        tp += same and predicted
        fp += predicted and not same
        fn += same and not predicted
    return tp / (tp + fp), tp / (tp + fn)


def archive_labeled(archive: Archive, copies: list[Any], metadata: bool = True) -> dict[str, int]:
    ids = {}
    for copy in copies:
        fields = dict(copy.fields)
        if not metadata:
            fields.update(region=None, year=None, is_template=None)
        ids[copy.id] = archive.add_document(
            text=copy.text, fields=fields, sighting=seen(copy.url, copy.fetched_at), run_id=None
        ).document_id
    cluster_of = clusters(archive)
    return {key: cluster_of[document_id] for key, document_id in ids.items()}


@pytest.fixture(scope="module")
def copies() -> list[Any]:
    return labeled.load()


def test_labeled_set_size(copies: list[Any]) -> None:
    assert len(copies) >= 100
    assert len({c.cluster for c in copies}) >= 25
    assert sum(c.fields["truncated"] for c in copies) >= 15


def test_labeled_set_precision_and_recall(archive: Archive, copies: list[Any]) -> None:
    precision, recall = pairwise(copies, archive_labeled(archive, copies))
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_labeled_set_on_text_alone(archive: Archive, copies: list[Any]) -> None:
    """Without region, year and template flag the texts and figures still tell them apart."""
    precision, recall = pairwise(copies, archive_labeled(archive, copies, metadata=False))
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_labeled_canonical_is_the_bureaus_complete_copy(
    archive: Archive, copies: list[Any]
) -> None:
    archive_labeled(archive, copies)
    rows = archive.conn.execute(
        "SELECT s.url, d.canonical FROM documents d JOIN sightings s ON s.document_id = d.id"
    ).fetchall()
    canonical_urls = {url for url, flag in rows if flag}
    for copy in copies:
        if copy.original and ".gov.cn/" in copy.url:
            assert copy.url in canonical_urls, copy.id
    per_cluster = archive.conn.execute(
        "SELECT cluster_id, sum(canonical) FROM documents GROUP BY cluster_id"
    ).fetchall()
    assert all(n == 1 for _, n in per_cluster)


def partition(assigned: dict[int, int]) -> set[frozenset[int]]:
    return {
        frozenset(i for i, c in assigned.items() if c == cluster) for cluster in assigned.values()
    }


def test_rebuild_gives_the_same_clusters(archive: Archive, copies: list[Any]) -> None:
    archive_labeled(archive, copies)
    before = clusters(archive)
    result = archive.dedup(rebuild=True)
    assert result.documents == len(before) >= len(copies) - 1  # a re-wrapped copy is exact
    assert partition(clusters(archive)) == partition(before)
    assert result.clusters == len({c.cluster for c in copies})


# hard negatives, one by one -------------------------------------------------------------------


def fill(text: str, place: str, seed: int) -> str:
    import random

    rng = random.Random(seed)
    text = text.replace("xx县", place).replace("20xx", "2023")
    while "xx" in text:
        text = text.replace("xx", str(rng.randint(2, 95)), 1)
    return text


def test_template_filled_by_two_counties_stays_apart(archive: Archive) -> None:
    template = body("fanwen-template")
    a = add(archive, fill(template, "石门县", 1), "https://a.example/1")
    b = add(archive, fill(template, "桃源县", 2), "https://b.example/2")
    t = add(archive, template, "https://c.example/3", is_template=1)
    preview = add(archive, fill(template, "石门县", 1)[:260], "https://d.example/4", truncated=1)
    found = clusters(archive)
    assert found[a] != found[b] and found[t] not in (found[a], found[b])
    assert found[preview] == found[a]


def test_different_years_of_one_bureau_stay_apart(archive: Archive) -> None:
    years = ["bureau-2022-annual", "bureau-2023-annual", "bureau-2024-h1", "bureau-2024-plan"]
    ids = [
        add(archive, body(n), f"https://wsjkj.fenglin.gov.cn/{n}", region="枫林区") for n in years
    ]
    assert len({clusters(archive)[i] for i in ids}) == len(ids)


def test_same_words_other_figures_stay_apart(archive: Archive) -> None:
    """Last year's report with every figure replaced is another report, whatever the words."""
    text = body("county-2023-annual")
    other = "".join(
        str((int(ch) + 3) % 10) if ch.isdigit() and not text[i : i + 4].startswith("20") else ch
        for i, ch in enumerate(text)
    )
    a = add(archive, text, "https://a.example/1")
    b = add(archive, other, "https://b.example/2")
    assert clusters(archive)[a] != clusters(archive)[b]


# canonical copies ---------------------------------------------------------------------------


def test_canonical_follows_better_copies(archive: Archive) -> None:
    text = body("bureau-2023-annual")
    preview = add(archive, text[:500], "https://wenku.example/1", truncated=1, at="2024-01-05")
    assert canonical(archive, preview) == preview
    garbled = text.replace("卫生", "\ufffd生", 12)
    damaged = add(archive, garbled, "https://fanwen.example/2", garbled=0.02, at="2024-01-06")
    assert canonical(archive, preview) == damaged  # complete beats truncated
    repost = add(
        archive, text + "\n更多范文请关注本站。", "https://fanwen.example/3", at="2024-01-07"
    )
    assert canonical(archive, preview) == repost  # clean beats garbled
    official = add(
        archive, text + "\n来源：区卫生健康局", "https://wsjkj.fenglin.gov.cn/4", at="2024-01-09"
    )
    assert canonical(archive, preview) == official  # the bureau's own site beats a repost
    members = archive.conn.execute(
        "SELECT count(*), sum(canonical) FROM documents WHERE cluster_id = ?", (official,)
    ).fetchone()
    assert members == (4, 1)
    earlier = add(archive, text + "\n（完）", "https://www.fenglin.gov.cn/5", at="2023-12-30")
    assert canonical(archive, preview) == earlier  # then the earliest seen


def test_exact_copy_seen_on_the_bureau_site_becomes_canonical(archive: Archive) -> None:
    text = body("county-2023-annual")
    first = add(archive, text, "https://fanwen.example/1", at="2024-01-01")
    second = add(archive, text + "\n本文由用户上传。", "https://wenku.example/2", at="2024-01-02")
    assert canonical(archive, second) == first
    again = add(
        archive, text + "\n本文由用户上传。", "https://wjw.qingyuan.gov.cn/3", at="2024-01-03"
    )
    assert again == second  # an exact duplicate: one more sighting
    assert canonical(archive, first) == second


# persistence, reprocessing, migration ---------------------------------------------------------


def test_index_survives_reopening(tmp_path: Path) -> None:
    text = body("wenku-city-2023-report")
    with Archive(tmp_path / "a.db") as a:
        first = add(a, text, "https://a.example/1")
    with Archive(tmp_path / "a.db") as a:
        second = add(a, text.replace("80.6岁", "80.7岁"), "https://b.example/2")
        assert clusters(a)[second] == clusters(a)[first]
        links = a.near.cluster(second)
        assert {m["id"] for m in links} == {first, second}
        assert json.loads(next(m for m in links if m["id"] == second)["links"])[0]["jaccard"] > 0.8


def refiled(archive: Archive, document_id: int, text: str) -> Refiled:
    sighting_id = archive.conn.execute(
        "SELECT id FROM sightings WHERE document_id = ?", (document_id,)
    ).fetchone()[0]
    return Refiled(
        sighting_id=sighting_id,
        document_id=document_id,
        keeps_id=True,
        text=text,
        fields={},
        fetched_at="2024-03-01T00:00:00+00:00",
    )


def test_reprocessed_text_leaves_its_cluster(archive: Archive) -> None:
    text = body("bureau-2024-plan")
    a = add(archive, text, "https://a.example/1")
    b = add(archive, text + "\n更多范文请关注本站。", "https://b.example/2")
    c = add(archive, text[:400], "https://c.example/3", truncated=1)
    assert len({clusters(archive)[i] for i in (a, b, c)}) == 1
    archive.refile([refiled(archive, b, body("county-2024-h1"))])  # a better cleaner's text
    found = clusters(archive)
    assert found[a] == found[c] != found[b]
    assert archive.conn.execute("SELECT sum(canonical) FROM documents").fetchone()[0] == 2


def test_official_hosts_are_the_archives_parameter(tmp_path: Path) -> None:
    text = body("bureau-2024-plan")
    for hosts, winner in ((None, 0), (["hk.example"], 1)):  # None: the vocabulary's
        with Archive(tmp_path / f"{winner}.db", official_hosts=hosts) as archive:
            ids = [
                add(archive, text, "https://wsjkj.fenglin.gov.cn/1", at="2024-01-06"),
                add(archive, text + "\n（完）", "https://www.dh.hk.example/2", at="2024-01-09"),
            ]
            assert canonical(archive, ids[0]) == ids[winner]


def test_reprocessing_that_removes_the_canonical(archive: Archive) -> None:
    text = body("bureau-2024-plan")
    official = add(archive, text, "https://wsjkj.fenglin.gov.cn/1")
    repost = add(archive, text + "\n更多范文请关注本站。", "https://b.example/2")
    assert canonical(archive, repost) == official
    # the bureau's page now cleans to the repost's text: its sighting moves, its document goes
    archive.refile([refiled(archive, official, text + "\n更多范文请关注本站。")])
    assert archive.conn.execute("SELECT id, cluster_id, canonical FROM documents").fetchall() == [
        (repost, repost, 1)
    ]
    for table in ("sketches", "lsh_bands", "near_duplicates"):
        ids = {i for (i,) in archive.conn.execute(f"SELECT document_id FROM {table}")}
        assert official not in ids


def test_migration_clusters_existing_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    text = body("county-2024-h1")
    with Archive(path) as a:
        first = add(a, text, "https://a.example/1")
        second = add(a, text[:-30], "https://b.example/2")
        for table in ("sketches", "lsh_bands", "near_duplicates"):
            a.conn.execute(f"DELETE FROM {table}")
        a.conn.execute("UPDATE documents SET cluster_id = id, canonical = NULL")
        before = [m.__name__ for m in MIGRATIONS].index("_near_duplicates")
        a.conn.execute(f"PRAGMA user_version = {before}")
        a.conn.commit()
    with Archive(path) as a:
        assert clusters(a) == {first: first, second: first}


# the command ----------------------------------------------------------------------------------


def test_cli_dedup(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    text = body("fanwen-qinghe-2023")
    with Archive(path) as a:
        add(a, text, "https://a.example/1")
        add(a, text.replace("142.5万", "143万"), "https://b.example/2")
        add(a, body("county-2023-annual"), "https://c.example/3")
    result = CliRunner().invoke(cli, ["dedup", "--db", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and "documents indexed    0" in result.stdout
    result = CliRunner().invoke(cli, ["dedup", "--rebuild", "--db", str(path)])
    assert result.exit_code == 0
    assert "documents indexed    3" in result.stdout
    assert "1 clusters of 2 or more documents (2 documents" in result.stdout
    assert "clustering documents: 3/3" in result.stderr
    missing = CliRunner().invoke(cli, ["dedup", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no archive here" in missing.stderr


def test_unindexed_documents_are_picked_up(tmp_path: Path) -> None:
    """An interrupted rebuild (or a crash) leaves documents without sketches: `dedup` adds them."""
    path = tmp_path / "a.db"
    text = body("tw-chengxi-2024-h1.simplified")
    with Archive(path) as a:
        first = add(a, text, "https://a.example/1")
        second = add(a, to_simplified(text) + "\n（完）", "https://b.example/2")
        a.conn.execute("DELETE FROM sketches WHERE document_id = ?", (second,))
        a.conn.execute("DELETE FROM lsh_bands WHERE document_id = ?", (second,))
        a.conn.execute("UPDATE documents SET cluster_id = id, canonical = 1")
        a.conn.commit()
        result = a.dedup()
        assert result.documents == 1
        assert clusters(a) == {first: first, second: first}
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM sketches").fetchone()[0] == 2
