"""Shared fixtures: the real-page corpus beside the repository, and fixture paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
CORPUS = Path(os.environ.get("CRAWLER_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """`../shared/corpus`; tests that need it skip when it is absent (as on a user's machine)."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-page corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return PAGES
