"""Fenced bets: each dependency's private names are checked in one module, and a release
that moved one is refused with one line naming the package, the names and what is tested.

A moved name is simulated by taking it off the installed class for the length of a test.
"""

from __future__ import annotations

import importlib

import pytest

from crawler.text.errors import CrawlerError, IncompatibleVersion

FENCES = {
    "crawler.scrapy_fence": [
        ("scrapy.downloadermiddlewares.redirect", "BaseRedirectMiddleware", "_redirect"),
        ("scrapy.downloadermiddlewares.httpcompression", "HttpCompressionMiddleware",
         "_handle_encoding"),
        ("scrapy.utils._compression", None, "_DecompressionMaxSizeExceeded"),
    ],
    "crawler.fleet.scrapy_redis_fence": [
        ("scrapy_redis.queue", "Base", "_encode_request"),
        ("scrapy_redis.queue", "Base", "_decode_request"),
    ],
    "crawler.text.docx_fence": [
        ("docx.table", None, "_Cell"),
        ("docx.oxml.table", "CT_Row", "tc_lst"),
    ],
    "archive.datasette_fence": [
        ("datasette.facets", "Facet", "get_querystring_pairs"),
        ("datasette.facets", "ColumnFacet", "facet_results"),
        ("datasette.utils", None, "path_with_added_args"),
        ("datasette.filters", None, "FilterArguments"),
    ],
}  # fmt: skip
CASES = [(fence, *name) for fence, names in FENCES.items() for name in names]


@pytest.mark.parametrize("fence", sorted(FENCES))
def test_the_installed_versions_pass_their_fence(fence: str) -> None:
    module = importlib.import_module(fence)
    assert module.missing() == []
    module.check()


@pytest.mark.parametrize(("fence", "where", "owner", "name"), CASES)
def test_a_release_that_moved_a_name_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, fence: str, where: str, owner: str | None, name: str
) -> None:
    module = importlib.import_module(fence)
    target = importlib.import_module(where)
    if owner:
        target = getattr(target, owner)
    monkeypatch.delattr(target, name)
    with pytest.raises(IncompatibleVersion) as raised:
        module.check()
    message = str(raised.value)
    assert "\n" not in message and name in message and "tested with" in message
    assert isinstance(raised.value, CrawlerError)  # the CLI prints it as one line


def test_a_datasette_that_moved_a_method_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Datasette class is checked apart (by `crawler serve` and the plugin's start-up):
    Datasette imports its plugins while its own module is still loading."""
    from datasette.app import Datasette

    from archive import datasette_fence

    datasette_fence.check(Datasette)
    monkeypatch.delattr(Datasette, "expand_foreign_keys")
    with pytest.raises(IncompatibleVersion, match=r"Datasette\.expand_foreign_keys"):
        datasette_fence.check(Datasette)


def test_the_scheduler_reads_its_jobs_through_apscheduler(tmp_path) -> None:
    """No bet on APScheduler's table: its own job store reads the jobs, and a job store
    that is not one reads as no jobs."""
    import scheduler

    db = tmp_path / "archive.db"
    assert scheduler.next_runs(db) == {}
    scheduler.jobstore_path(db).parent.mkdir(parents=True, exist_ok=True)
    scheduler.jobstore_path(db).write_bytes(b"not a database at all" * 100)
    assert scheduler.next_runs(db) == {}
