"""The `crawler` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from crawler import __version__
from crawler.errors import CrawlerError

DEFAULT_DB = "data/archive.db"
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry",)


def default_db() -> str:
    """`$CRAWLER_DB`, else `data/archive.db`."""
    return os.environ.get("CRAWLER_DB") or DEFAULT_DB


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=default_db,
    show_default="$CRAWLER_DB or data/archive.db",
    help="Archive file (SQLite).",
)


class Group(click.Group):
    """Turns the project's errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrawlerError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="crawler")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Crawl, clean and archive Chinese health-bureau work documents."""
    ctx.ensure_object(dict)
    level = ["WARNING", "INFO", "DEBUG"][min(verbose, 2)]
    ctx.obj["log_level"] = level
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    if not verbose:  # fetch failures are counted in the summary and kept in the archive
        handler.addFilter(lambda record: not record.name.startswith(QUIET_LOGGERS))


def _crawl_settings(ctx: click.Context, db: Path, **overrides: Any) -> Any:
    """Scrapy settings for a crawl into `db`, which is opened first so errors show early."""
    from archive.store import Archive
    from crawler.runner import project_settings

    Archive(db).close()

    return project_settings(
        db=str(db),
        LOG_INSTALL_ROOT_HANDLER=False,
        LOG_LEVEL=ctx.obj["log_level"],
        ARCHIVE_COMMAND=" ".join(["crawler", *sys.argv[1:]]),
        **overrides,
    )


@cli.command()
@db_option
@click.option("--keep-serving", is_flag=True, help="Keep the sample sites up after the crawl.")
@click.pass_context
def demo(ctx: click.Context, db: Path, keep_serving: bool) -> None:
    """Serve the bundled sample sites on 127.0.0.1, crawl them, and summarise the archive."""
    from crawler.demo import run_demo

    run_demo(db, settings=_crawl_settings(ctx, db), keep_serving=keep_serving)


@cli.command()
@click.argument("targets", nargs=-1)
@db_option
@click.option(
    "--depth",
    type=click.IntRange(1, 50),
    default=None,
    help="Ad-hoc crawls: how many links deep to follow from the start URLs [default: 8].",
)
@click.option("--delay", type=click.FloatRange(0), default=None, help="Seconds between requests.")
@click.option("--no-progress", is_flag=True, help="No live progress line.")
@click.pass_context
def crawl(
    ctx: click.Context,
    targets: tuple[str, ...],
    db: Path,
    depth: int | None,
    delay: float | None,
    no_progress: bool,
) -> None:
    """Crawl site profiles by name (all when none given), or URLs ad hoc.

    With URLs, follows links on the same host and keeps the pages that are
    health-bureau work documents.
    """
    from crawler.runner import run_crawls
    from spiders.discover import DEFAULT_DEPTH, DiscoverSpider
    from spiders.profile_spider import spider_for
    from spiders.profiles import load_profiles

    urls = [t for t in targets if "://" in t]
    names = [t for t in targets if "://" not in t]
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise click.UsageError(f"not an http(s) URL: {url}")
    if urls and names:
        raise click.UsageError("give either profile names or URLs, not both")
    overrides: dict[str, Any] = {}
    if delay is not None:
        overrides["DOWNLOAD_DELAY"] = delay
    spiders: list[tuple[Any, dict[str, Any]]] = []
    if urls:
        overrides["DEPTH_LIMIT"] = depth or DEFAULT_DEPTH
        spiders.append((DiscoverSpider, {"urls": urls}))
    else:
        if depth is not None:
            raise click.UsageError("--depth applies to ad-hoc URL crawls only")
        profiles = load_profiles()
        unknown = [n for n in names if n not in profiles]
        if unknown:
            raise click.UsageError(
                f"no profile named {', '.join(unknown)} (known: {', '.join(profiles) or 'none'})"
            )
        spiders = [(spider_for(profiles[n]), {}) for n in (names or list(profiles))]
    result = run_crawls(spiders, _crawl_settings(ctx, db, **overrides), progress=not no_progress)
    _print_crawl_summary(result, db)
    if result.interrupted:
        sys.exit(1)


def _print_crawl_summary(result: Any, db: Path) -> None:
    pages = result.total("response_received_count")
    rate = pages / result.seconds if result.seconds else 0.0
    click.echo(
        f"fetched {pages} pages in {result.seconds:.1f}s ({rate:.1f} pages/s): "
        f"{result.total('archive/documents_new')} new documents, "
        f"{result.total('archive/duplicates')} duplicates folded, "
        f"{result.total('archive/skipped')} pages skipped as not work documents, "
        f"{result.total('archive/failures')} failures"
    )
    click.echo(f"archive: {db}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="The URL the file came from (helps dates and titles).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
def clean(files: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Decode, extract, clean and describe saved pages or attachments (.html, .txt, .docx)."""
    from crawler.errors import StageError
    from crawler.process import process

    failed = 0
    for path in files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: cannot read: {exc.strerror}", err=True)
            failed += 1
            continue
        try:
            page = process(body, url=url or path.name, content_type=None)
        except StageError as exc:
            click.echo(f"{path}: {exc.stage}: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            record = {
                "path": str(path),
                "title": page.title,
                "text": page.text,
                "encoding": page.encoding,
                "encoding_source": page.encoding_source,
                **{k: v for k, v in page.fields().items() if k != "title"},
                "is_template": page.description.is_template,
                "relevant": page.relevance.relevant,
                "relevance_score": page.relevance.score,
                "relevance_reasons": list(page.relevance.reasons),
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            if len(files) > 1:
                click.echo(f"==> {path} <==")
            click.echo(page.title or "")
            click.echo()
            click.echo(page.text)
    if failed:
        sys.exit(1)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(db: Path, as_json: bool) -> None:
    """Counts of the archive: documents, sightings, sources, runs, failures."""
    from archive.store import Archive

    if not db.exists():
        raise click.ClickException(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    with Archive(db) as archive:
        figures = archive.stats()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    per_doc = figures["file_bytes"] / figures["documents"] if figures["documents"] else 0
    click.echo(f"archive        {db} ({figures['file_bytes'] / 1e6:.1f} MB)")
    click.echo(f"documents      {figures['documents']} ({per_doc / 1024:.1f} KiB per document)")
    click.echo(f"sightings      {figures['sightings']} from {figures['sources']} sources")
    click.echo(
        f"raw captures   {figures['captures']} "
        f"({figures['raw_bytes'] / 1e6:.1f} MB, {figures['capture_bytes'] / 1e6:.1f} MB stored)"
    )
    click.echo(f"crawl runs     {figures['runs']}")
    click.echo(f"skipped pages  {figures['skipped']}")
    click.echo(f"failures       {figures['failures']}")
    for doc_type, n in figures["by_doc_type"].items():
        click.echo(f"  {doc_type or '?':<10}{n:>6}")


@cli.command()
@db_option
@click.option("--no-progress", is_flag=True, help="No progress line on stderr.")
def reprocess(db: Path, no_progress: bool) -> None:
    """Re-derive text and metadata of the whole archive from its kept raw bytes."""
    from archive.store import Archive
    from crawler.reprocess import reprocess as run

    if not db.exists():
        raise click.ClickException(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")

    def progress(stage: str, done: int, total: int) -> None:
        if not no_progress and (done == total or done % 100 == 0):
            end = "\n" if done == total else ""
            click.echo(f"\rreprocessing {stage}: {done}/{total}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    with Archive(db) as archive:
        result = run(archive, progress)
    click.echo(f"sightings re-derived   {result.sightings} ({result.texts_changed} new texts)")
    click.echo(f"documents              {result.documents_before} -> {result.documents_after}")
    click.echo(f"now not work documents {result.now_irrelevant} (kept, relevant = 0)")
    click.echo(f"skipped now archived   {result.skipped_archived}")
    click.echo(
        f"failures now read      {result.failures_archived + result.failures_skipped}"
        f" ({result.failures_archived} archived, {result.failures_skipped} skipped)"
    )
    if result.errors:
        click.echo(f"could not reprocess    {len(result.errors)} (left as they were)")
        for url, reason in result.errors[:10]:
            click.echo(f"  {url}: {reason}")


@cli.command()
def sources() -> None:
    """List the site profiles with their schedules."""
    from spiders.profiles import load_profiles, profiles_dir

    profiles = load_profiles()
    if not profiles:
        click.echo(f"no profiles in {profiles_dir()}")
        return
    width = max(len(n) for n in profiles)
    for name, p in profiles.items():
        click.echo(f"{name:<{width}}  {p.schedule.text:<12}  {p.title or ''}  {p.start_urls[0]}")


@cli.command()
@db_option
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(db: Path, port: int, host: str) -> None:
    """Browse the archive in Datasette (read-only)."""
    from archive.serve import serve_archive

    serve_archive(db, host=host, port=port)


@cli.command()
@click.option("--once", is_flag=True, help="Crawl every source once and exit.")
@db_option
def schedule(once: bool, db: Path) -> None:
    """Crawl each profile on its schedule until interrupted (same as `python scheduler.py`)."""
    import scheduler

    sys.exit(scheduler.main([*(["--once"] if once else []), "--db", str(db)]))


def main() -> None:
    cli(prog_name="crawler")
