"""`crawler demo`: serve the bundled sample sites, crawl them with their profiles, summarise."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import click
from scrapy.settings import Settings

from archive.store import Archive
from crawler.interrupt import Interrupted, serve_until_interrupted
from crawler.runner import run_crawls
from crawler.sample_site.server import SampleSites
from spiders.profile_spider import spider_for
from spiders.profiles import Profile, profile_from_dict

DEMO_PROFILES = Path(__file__).resolve().parent / "demo_profiles"


def demo_profiles(urls: dict[str, str], folder: Path = DEMO_PROFILES) -> list[Profile]:
    """The sample sites' profiles, `{base}` replaced by each site's served URL."""
    profiles = []
    for path in sorted(folder.glob("*.toml")):
        site = path.stem
        if site not in urls:
            continue
        base = urls[site].rstrip("/")
        data = tomllib.loads(path.read_text(encoding="utf-8").replace("{base}", base))
        profiles.append(profile_from_dict(data, path))
    return profiles


def run_demo(
    db: Path, *, settings: Settings, keep_serving: bool = False, site_delay: float = 0.0
) -> dict[str, Any]:
    """Crawl every sample site into `db`, print a summary; return the archive figures."""
    settings.set("ROBOTSTXT_OBEY", True, priority="cmdline")
    with SampleSites(delay=site_delay) as sites:
        click.echo("serving the sample sites:", err=True)
        for name, url in sites.urls.items():
            click.echo(f"  {name:<8} {url}", err=True)
        profiles = demo_profiles(sites.urls)
        before = _documents(db)
        result = run_crawls([(spider_for(p), {}) for p in profiles], settings)
        if result.signum is not None:
            raise Interrupted(result.signum)
        with Archive(db) as archive:
            figures = archive.stats()
        pages = result.total("response_received_count")
        added = figures["documents"] - before
        per_doc = figures["file_bytes"] / figures["documents"] if figures["documents"] else 0
        click.echo("")
        click.echo(f"crawled {len(profiles)} sample sites in {result.seconds:.1f}s")
        click.echo(f"  pages fetched        {pages} ({pages / max(result.seconds, 1e-9):.1f}/s)")
        click.echo(f"  documents archived   {added} new, {figures['documents']} in the archive")
        click.echo(f"  duplicates folded    {result.total('archive/duplicates')}")
        click.echo(f"  skipped (not work documents)  {result.total('archive/skipped')}")
        click.echo(f"  failures             {result.total('archive/failures')}")
        click.echo(f"  archive              {db} ({per_doc / 1024:.1f} KiB per document)")
        click.echo("")
        click.echo("next:")
        click.echo(f"  crawler stats --db {db}")
        click.echo(f"  crawler serve --db {db}     # browse in Datasette")
        click.echo(f"  sqlite3 {db} 'select id, title, year, doc_type from documents'")
        if keep_serving:
            click.echo("sample sites still up; Ctrl-C to stop", err=True)
            try:
                serve_until_interrupted()
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM (crawler/interrupt.py)
                click.echo("sample sites stopped", err=True)
    return figures


def _documents(db: Path) -> int:
    if not db.exists():
        return 0
    with Archive(db) as archive:
        return int(archive.stats()["documents"])
