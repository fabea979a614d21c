"""The bundled sample sites: static health-bureau, 文库, 范文, county (GBK) and
traditional-script pages served on 127.0.0.1 for ``crawler demo`` and the tests.

``manifest.toml`` is the ground truth (which pages hold which reports, which must not be
archived, which fail); ``build.py`` regenerates ``sites/`` and the manifest from ``texts/``.
``SampleSites`` (in ``server.py``) serves them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

SAMPLE_SITE_DIR = Path(__file__).resolve().parent
SITES_DIR = SAMPLE_SITE_DIR / "sites"
MANIFEST_PATH = SAMPLE_SITE_DIR / "manifest.toml"

if TYPE_CHECKING:
    from .server import SampleSites, load_manifest

__all__ = ["MANIFEST_PATH", "SAMPLE_SITE_DIR", "SITES_DIR", "SampleSites", "load_manifest"]


def __getattr__(name: str) -> Any:
    # imported lazily so that `python -m crawler.sample_site.server` runs without a warning
    if name in ("SampleSites", "load_manifest"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
