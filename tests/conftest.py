"""Shared fixtures: the real-page corpus beside the repository, and fixture paths; the
`slow` mark on the test files that run whole processes (`pytest -m "not slow"` is the
quick loop)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
CORPUS = Path(os.environ.get("CRAWLER_CORPUS", ROOT.parent / "shared" / "corpus"))
# Files whose tests start crawls, schedulers, Redis or Chromium as processes, and kill,
# interrupt or starve them: about 80% of the suite's time.
SLOW_FILES = {
    "test_fleet.py", "test_interrupts.py", "test_crash_safety.py", "test_portal_crawl.py",
    "test_incremental.py", "test_security.py", "test_user_errors.py", "test_resource_limits.py",
    "test_concurrent_use.py", "test_export.py", "test_bad_input.py", "test_faults.py",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """`../shared/corpus`; tests that need it skip when it is absent (as on a user's machine)."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-page corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return PAGES
