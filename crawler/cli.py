"""The `crawler` command line."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from crawler import __version__
from crawler.errors import CrawlerError
from crawler.interrupt import Interrupted, exit_code, interruptible
from crawler.logs import configure as configure_logs

DEFAULT_DB = "data/archive.db"


def default_db() -> str:
    """`$CRAWLER_DB`, else `data/archive.db`."""
    return os.environ.get("CRAWLER_DB") or DEFAULT_DB


def _check_db(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """The archive path, refused when its folder is missing: a mistyped path is not
    created (only the default `data/` folder is, on first use)."""
    if value.is_dir():
        raise click.BadParameter(f"{value} is a folder, not an archive file", param=param)
    folder = value.parent
    if value != Path(DEFAULT_DB) and not folder.is_dir():
        raise click.BadParameter(f"no folder {folder} (create it first)", param=param)
    return value


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=True, path_type=Path),
    default=default_db,
    callback=_check_db,
    show_default="$CRAWLER_DB or data/archive.db",
    help="Archive file (SQLite); its folder must exist (data/ is created).",
)


class Group(click.Group):
    """Turns the project's errors into one line on stderr and exit status 1, and SIGINT or
    SIGTERM into "stopping…" and exit status 130 or 143 (crawler/interrupt.py)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with interruptible():
                return super().invoke(ctx)
        except CrawlerError as exc:
            raise click.ClickException(str(exc)) from None
        except Interrupted as exc:
            click.echo("interrupted", err=True)
            sys.exit(exc.exit_code)
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
    ctx.obj["log_level"] = configure_logs(verbose)


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
@click.option(
    "--site-delay",
    type=click.FloatRange(0),
    default=0.0,
    hidden=True,
    help="Seconds each sample page takes to answer (a slow demo, to try Ctrl-C on).",
)
@click.pass_context
def demo(ctx: click.Context, db: Path, keep_serving: bool, site_delay: float) -> None:
    """Serve the bundled sample sites on 127.0.0.1, crawl them, and summarise the archive."""
    from crawler.demo import run_demo

    settings = _crawl_settings(ctx, db)
    run_demo(db, settings=settings, keep_serving=keep_serving, site_delay=site_delay)


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
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Requests at once to each site [default: 2, or the profile's].",
)
@click.option("--no-progress", is_flag=True, help="No live progress line.")
@click.option(
    "--private-network",
    is_flag=True,
    help="Ad-hoc crawls: allow private, loopback and link-local addresses (refused by default).",
)
@click.option("--run-id", type=int, default=None, hidden=True, help="A crawl_runs row to fill in.")
@click.pass_context
def crawl(
    ctx: click.Context,
    targets: tuple[str, ...],
    db: Path,
    depth: int | None,
    delay: float | None,
    concurrency: int | None,
    no_progress: bool,
    private_network: bool,
    run_id: int | None,
) -> None:
    """Crawl site profiles by name (all when none given), or URLs ad hoc.

    With URLs, follows links on the same host and keeps the pages that are
    health-bureau work documents.
    """
    from crawler.runner import run_crawls
    from spiders.discover import DEFAULT_DEPTH, DiscoverSpider
    from spiders.profile_spider import spider_for

    urls, names = _split_targets(targets, private_network)
    if run_id is not None and len(names) != 1:
        raise click.UsageError("--run-id needs exactly one profile name")
    overrides: dict[str, Any] = {}
    if run_id is not None:  # the scheduler opened the run (crawler/supervise.py)
        overrides["ARCHIVE_RUN_ID"] = run_id
    if delay is not None:
        overrides["DOWNLOAD_DELAY"] = delay
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    spiders: list[tuple[Any, dict[str, Any]]] = []
    if urls:
        overrides["DEPTH_LIMIT"] = depth or DEFAULT_DEPTH
        overrides["PRIVATE_NETWORK_ALLOWED"] = private_network
        overrides["PRIVATE_NETWORK_HINT"] = "`crawler crawl --private-network` allows it"
        spiders.append((DiscoverSpider, {"urls": urls}))
    else:
        if depth is not None:
            raise click.UsageError("--depth applies to ad-hoc URL crawls only")
        spiders = [(spider_for(profile), {}) for profile in _profiles_named(names)]
    result = run_crawls(spiders, _crawl_settings(ctx, db, **overrides), progress=not no_progress)
    _print_crawl_summary(result, db)
    if result.signum is not None:
        sys.exit(exit_code(result.signum))
    if result.interrupted:
        sys.exit(1)
    asked = result.total("robotstxt/response_count") + result.total("discover/probe_responses")
    if result.total("response_received_count") == asked:  # robots.txt and sitemap guesses
        raise click.ClickException(_nothing_fetched(result, db))


@cli.command(name="try")
@click.argument("targets", nargs=-1, required=True)
@click.option("--max-pages", type=click.IntRange(1), default=100, show_default=True)
@click.option("--depth", type=click.IntRange(1, 50), default=None, help="Ad-hoc URLs: depth.")
@click.option("--delay", type=click.FloatRange(0), default=None, help="Seconds between requests.")
@click.option(
    "--private-network",
    is_flag=True,
    help="Ad-hoc URLs: allow private, loopback and link-local addresses (refused by default).",
)
@click.pass_context
def try_(
    ctx: click.Context,
    targets: tuple[str, ...],
    max_pages: int,
    depth: int | None,
    delay: float | None,
    private_network: bool,
) -> None:
    """Crawl a profile or URLs without archiving: each URL with the recogniser that found
    it, whether it was a list or a page to archive, and the verdict (for writing profiles)."""
    from crawler.runner import project_settings, run_crawls
    from crawler.trial import summary
    from spiders.discover import DEFAULT_DEPTH, DiscoverSpider
    from spiders.profile_spider import spider_for

    urls, names = _split_targets(targets, private_network)
    settings: dict[str, Any] = {
        "ITEM_PIPELINES": {"crawler.trial.TrialPipeline": 300},
        "INCREMENTAL_ENABLED": False,  # every page fetched whole: nothing is compared
        "CLOSESPIDER_PAGECOUNT": max_pages,
        "TRIAL_ECHO": click.echo,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": ctx.obj["log_level"],
    }
    if delay is not None:
        settings["DOWNLOAD_DELAY"] = delay
    if urls:
        settings.update(DEPTH_LIMIT=depth or DEFAULT_DEPTH, PRIVATE_NETWORK_ALLOWED=private_network)
        settings["PRIVATE_NETWORK_HINT"] = "`crawler try --private-network` allows it"
        spiders: list[tuple[Any, dict[str, Any]]] = [(DiscoverSpider, {"urls": urls})]
    else:
        spiders = [(spider_for(p), {}) for p in _profiles_named(names)]
    result = run_crawls(spiders, project_settings(**settings), progress=False)
    totals = {k: result.total(k) for s in result.stats for k in s if k.startswith("trial/")}
    click.echo("")
    for line in summary(totals):
        click.echo(line)
    if result.signum is not None:
        sys.exit(exit_code(result.signum))


def _split_targets(targets: tuple[str, ...], private_network: bool) -> tuple[list[str], list[str]]:
    """The URLs and the profile names given (`crawl`, `seed`), checked: http(s) URLs only,
    not both kinds, and `--private-network` only with URLs."""
    urls = [t for t in targets if "://" in t]
    names = [t for t in targets if "://" not in t]
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise click.UsageError(f"not an http(s) URL: {url}")
    if urls and names:
        raise click.UsageError("give either profile names or URLs, not both")
    if private_network and not urls:
        raise click.UsageError(
            "--private-network applies to ad-hoc URL crawls; a profile sets"
            " `private_network = true` under [settings]"
        )
    return urls, names


def _profiles_named(names: list[str]) -> list[Any]:
    """The site profiles of `names` (all of them when none), or a usage error naming the
    unknown ones."""
    from spiders.profiles import load_profiles

    profiles = load_profiles()
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise click.UsageError(
            f"no profile named {', '.join(unknown)} (known: {', '.join(profiles) or 'none'})"
        )
    return [profiles[n] for n in (names or list(profiles))]


def _nothing_fetched(result: Any, db: Path) -> str:
    """Why a crawl fetched no page at all, from the failures it recorded, in one line."""
    from archive.store import Archive

    runs = [int(s["archive/run_id"]) for s in result.stats if s.get("archive/run_id")]
    rows: list[Any] = []
    if runs:
        with Archive(db) as archive:
            rows = archive.failures_of(runs)
    if rows:
        url, reason = rows[0]
        more = f" (and {len(rows) - 1} more failures)" if len(rows) > 1 else ""
        return f"nothing fetched: {url}: {_short_reason(reason)}{more}"
    if result.total("robotstxt/forbidden"):
        return "nothing fetched: robots.txt forbids the start pages"
    return "nothing fetched"


def _short_reason(reason: str) -> str:
    """A failure's reason without the exception's class name (`DNSLookupError: …`)."""
    return re.sub(r"^[A-Z]\w*(Error|Exception|Refused|Timeout): ", "", reason)


def _print_crawl_summary(result: Any, db: Path) -> None:
    pages = result.total("response_received_count")
    rate = pages / result.seconds if result.seconds else 0.0
    stopped = "interrupted: " if result.signum is not None else ""
    click.echo(
        f"{stopped}fetched {pages} pages in {result.seconds:.1f}s ({rate:.1f} pages/s): "
        f"{result.total('archive/documents_new')} new documents, "
        f"{result.total('archive/duplicates')} duplicates folded, "
        f"{result.total('archive/skipped')} pages skipped as not work documents, "
        f"{result.total('archive/failures')} failures"
    )
    click.echo(f"archive: {db}")


JSON_FLAGS = ("is_template", "relevant", "spun", "truncated")  # 0/1 in the archive


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="The URL the file came from (helps dates and titles).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
def clean(files: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Decode, extract, clean and describe saved pages or attachments (.html, .txt, .docx,
    .doc, .wps, .pdf)."""
    from crawler.errors import StageError
    from crawler.text.process import process

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
            fields = page.fields()
            record = {
                "path": str(path),
                "title": page.title,
                "text": page.text,
                "encoding": page.encoding,
                "encoding_source": page.encoding_source,
                **{k: v for k, v in fields.items() if k != "title"},
                **{k: bool(fields[k]) for k in JSON_FLAGS},
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

    shown: dict[str, int] = {}  # stage -> hundreds shown (counts may jump past 100, 200…)

    def progress(stage: str, done: int, total: int) -> None:
        if no_progress or (done != total and done // 100 == shown.get(stage, 0)):
            return
        shown[stage] = done // 100
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
@db_option
@click.option("--rebuild", is_flag=True, help="Recompute every sketch, link and cluster.")
@click.option("--no-progress", is_flag=True, help="No progress line on stderr.")
def dedup(db: Path, rebuild: bool, no_progress: bool) -> None:
    """Cluster near-duplicate documents: index those not indexed yet (all with --rebuild)."""
    import time

    from archive.store import Archive

    if not db.exists():
        raise click.ClickException(f"{db}: no archive here (run `crawler demo` or `crawler crawl`)")
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if not no_progress and (done == total or done % 500 == 0):
            end = "\n" if done == total else ""
            click.echo(f"\rclustering documents: {done}/{total}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    with Archive(db) as archive:
        result = archive.dedup(rebuild=rebuild, progress=progress)
    seconds = time.monotonic() - started
    click.echo(f"documents indexed    {result.documents} in {seconds:.1f}s")
    click.echo(
        f"near-duplicates      {result.clusters} clusters of 2 or more documents"
        f" ({result.clustered} documents, the largest {result.largest})"
    )


@cli.command()
@db_option
def sources(db: Path) -> None:
    """List the sources: every site profile (schedule, next run) and every source the
    archive has runs or documents of, with its last run's result."""
    from datetime import UTC, datetime

    from scheduler import next_runs, scheduler_running
    from spiders.profiles import load_profiles, profiles_dir

    profiles = load_profiles()
    last: dict[str, dict[str, Any]] = {}
    documents: dict[str, int] = {}
    if db.exists():
        from archive.store import Archive

        with Archive(db) as archive:
            last = archive.last_runs()
            documents = archive.documents_by_source()
    names = [*profiles, *sorted((set(last) | set(documents)) - set(profiles))]
    if not names:
        click.echo(f"no profiles in {profiles_dir()} and no sources in {db}")
        return
    upcoming = next_runs(db)
    running = scheduler_running(db)
    now = datetime.now(UTC)
    width = max(len(n) for n in names)
    click.echo(f"{'source':<{width}}  {'schedule':<12}  {'next run (UTC)':<19}  last run")
    for name in names:
        profile = profiles.get(name)
        schedule = profile.schedule.text if profile else "no profile"
        when = upcoming.get(name) if profile else None
        if profile is None:
            next_run = "-"
        elif when is None:
            next_run = "not scheduled"
        elif when <= now:  # the job store keeps the time a stopped scheduler left
            next_run = "due now" if running else "at scheduler start"
        else:
            next_run = when.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{name:<{width}}  {schedule:<12}  {next_run:<19}  {_run_line(last.get(name))}")
        where = f"{profile.title or ''}  {profile.start_urls[0]}" if profile else ""
        kept = f"{documents[name]} documents in the archive" if name in documents else ""
        if detail := "  ".join(part for part in (where, kept) if part):
            click.echo(f"{'':<{width}}  {detail}")


def _run_line(run: dict[str, Any] | None) -> str:
    """The last run of a source, in a few words."""
    if run is None:
        return "never"
    when = (run["finished"] or run["started"] or "").replace("T", " ")[:19]
    code = f", exit {run['exit_code']}" if run.get("exit_code") not in (None, 0) else ""
    return (
        f"{run['status']}{code} {when}: {run['pages_fetched'] or 0} pages"
        f" ({run['pages_unchanged'] or 0} unchanged), {run['documents_new'] or 0} new documents,"
        f" {run.get('revisions') or 0} revisions, {run['failures'] or 0} failures"
    )


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "txt", "parquet"]), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File (txt: folder).")
@db_option
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--region", multiple=True, help="Region as named (repeatable, as all filters).")
@click.option("--province", multiple=True, help="Province.")
@click.option("--year", type=int, multiple=True, help="Year covered.")
@click.option("--doc-type", multiple=True, help="Document type: 工作总结, 工作计划, 讲话, …")
@click.option("--period", multiple=True, help="年度, 上半年, 下半年, 季度, 月度")
@click.option("--source", multiple=True, help="Seen on this source (site profile name).")
@click.option("--script", type=click.Choice(["simplified", "traditional"]), multiple=True)
@click.option("--min-chars", type=click.IntRange(0), help="At least this many characters.")
@click.option("--include-irrelevant", is_flag=True, help="Also documents judged not relevant.")
@click.option("--include-templates", is_flag=True, help="Also 20xx templates.")
@click.option(
    "--dedup",
    type=click.Choice(["cluster", "exact", "none"]),
    default="cluster",
    show_default=True,
    help="One record per near-duplicate cluster, per distinct text, or per copy (URL).",
)
@click.option(
    "--text",
    type=click.Choice(["original", "simplified"]),
    default="original",
    show_default=True,
    help="The text as written, or converted to simplified script.",
)
@click.option("--single-file", is_flag=True, help="txt: one file with separators.")
@click.option("--no-progress", is_flag=True, help="No progress line on stderr.")
def export(
    fmt: str, out: Path, db: Path, dedup: str, text: str, single_file: bool, no_progress: bool,
    **filters: Any,
) -> None:  # fmt: skip
    """Export cleaned documents as a JSONL, TXT or Parquet corpus (archive/export.py)."""
    from archive.export import Filters, Options
    from archive.export import export as run
    from crawler.text.vocabulary import DOC_TYPES, PERIODS

    for name, allowed in (("doc_type", DOC_TYPES), ("period", PERIODS)):
        if bad := [v for v in filters[name] if v not in allowed]:
            hint = "--" + name.replace("_", "-")
            raise click.BadParameter(f"{bad[0]} (one of {', '.join(allowed)})", param_hint=hint)
    since, until = filters.pop("since"), filters.pop("until")
    plural = {"region": "regions", "province": "provinces", "year": "years", "period": "periods"}
    plural.update(doc_type="doc_types", source="sources", script="scripts")
    selection = Filters(
        since=since.date().isoformat() if since else None,
        until=until.date().isoformat() if until else None,
        **{plural.get(k, k): v for k, v in filters.items()},
    )
    options = Options(fmt, out, selection, dedup=dedup, text=text, single_file=single_file)

    def progress(done: int, total: int) -> None:
        if not no_progress:
            click.echo(f"\rexporting: {done}/{total} documents", err=True, nl=done == total)

    result = run(db, options, progress=progress)  # SIGTERM unwinds like Ctrl-C (Group)
    click.echo(f"{result.records} records -> {result.out} (manifest {result.manifest.name})")


@cli.command()
@db_option
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(db: Path, port: int, host: str) -> None:
    """Browse the archive in Datasette (read-only)."""
    from archive.serve import serve_archive

    serve_archive(db, host=host, port=port)


redis_option = click.option(
    "--redis", "redis_url", required=True, metavar="URL", help="Redis URL (redis://host:6379/0)."
)
lease_option = click.option(
    "--lease-timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat before a dead process's work is taken over.",
)
until_idle_option = click.option(
    "--until-idle",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Exit once the fleet had nothing queued or in flight that long [default: never].",
)


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@redis_option
@click.option("--depth", type=click.IntRange(1, 50), default=None, help="Ad-hoc URLs: depth.")
@click.option("--delay", type=click.FloatRange(0), default=None, help="Seconds between requests.")
@click.option("--concurrency", type=click.IntRange(1), default=None, help="Requests per site.")
@click.option(
    "--private-network",
    is_flag=True,
    help="Ad-hoc URLs: allow private, loopback and link-local addresses (refused by default).",
)
def seed(
    targets: tuple[str, ...],
    redis_url: str,
    depth: int | None,
    delay: float | None,
    concurrency: int | None,
    private_network: bool,
) -> None:
    """Queue a distributed crawl: profiles by name, or URLs ad hoc (see `crawler worker`)."""
    from crawler.fleet.connect import connect
    from crawler.fleet.seed import profile_spec, seed, urls_spec

    urls, names = _split_targets(targets, private_network)
    if urls:
        specs = [urls_spec(urls, depth, private_network=private_network)]
    else:
        specs = [profile_spec(profile) for profile in _profiles_named(names)]
    client = connect(redis_url)
    for spec in specs:
        done = seed(client, spec, delay=delay, concurrency=concurrency)
        click.echo(f"seeded {done.crawl}: {done.requests} start requests")


@cli.command()
@redis_option
@until_idle_option
@lease_option
@click.option(
    "--private-network",
    is_flag=True,
    help="Allow private and loopback addresses (test and intranet fleets).",
)
@click.option("--no-progress", is_flag=True, help="No live progress line.")
@click.pass_context
def worker(
    ctx: click.Context,
    redis_url: str,
    until_idle: float,
    lease_timeout: float,
    private_network: bool,
    no_progress: bool,
) -> None:
    """Crawl from the fleet's shared queue in Redis; items go back to Redis for the ingester."""
    from crawler.fleet.connect import connect
    from crawler.fleet.worker import run_worker, worker_id, worker_settings

    connect(redis_url).close()
    name = worker_id()
    settings = worker_settings(
        redis_url,
        worker=name,
        lease_timeout=lease_timeout,
        PRIVATE_NETWORK_ALLOWED=private_network,
        LOG_INSTALL_ROOT_HANDLER=False,
        LOG_LEVEL=ctx.obj["log_level"],
    )
    click.echo(f"worker {name} on {redis_url}", err=True)
    result = run_worker(redis_url, settings, until_idle=until_idle, progress=not no_progress)
    pages = result.total("response_received_count")
    click.echo(
        f"worker {name}: fetched {pages} pages in {result.seconds:.1f}s, "
        f"{result.total('item_scraped_count')} items pushed"
    )


@cli.command()
@redis_option
@db_option
@until_idle_option
@lease_option
@click.option(
    "--jobs",
    type=click.IntRange(1),
    default=lambda: os.cpu_count() or 1,
    show_default="CPU count",
    help="Processes that clean items in parallel (one writer stores them).",
)
@click.option("--no-progress", is_flag=True, help="No progress lines on stderr.")
def ingest(
    redis_url: str, db: Path, until_idle: float, lease_timeout: float, jobs: int, no_progress: bool
) -> None:
    """Archive the fleet's items from Redis (run one, next to the archive)."""
    from archive.store import Archive
    from crawler.fleet.connect import connect
    from crawler.fleet.ingest import Ingester, stderr_progress

    client = connect(redis_url)
    with Archive(db) as archive:
        ingester = Ingester(client, archive, lock_timeout=lease_timeout, jobs=jobs)
        result = ingester.run(
            until_idle=until_idle, progress=None if no_progress else stderr_progress
        )
    c = result.counts
    click.echo(
        f"ingested {result.items} items in {result.seconds:.1f}s ({result.rate:.1f} items/s "
        f"while busy, the writer alone {result.write_ceiling:.0f}/s): {c['documents_new']} new "
        f"documents, {c['duplicates']} duplicates folded, {c['skipped']} skipped, "
        f"{c['failures']} failures, {c['redelivered']} delivered again (not doubled)"
    )
    click.echo(f"archive: {db}")


@cli.command()
@click.option("--once", is_flag=True, help="Crawl every source once and exit.")
@db_option
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=None, help="Time limit of one crawl (s)."
)
@click.option("--redis", "redis_url", metavar="URL", help="Seed crawls to a fleet instead.")
def schedule(once: bool, db: Path, timeout: float | None, redis_url: str | None) -> None:
    """Crawl each profile on its schedule until interrupted (same as `python scheduler.py`)."""
    import scheduler

    args = [*(["--once"] if once else []), "--db", str(db)]
    if timeout is not None:
        args += ["--timeout", str(timeout)]
    if redis_url:
        args += ["--redis", redis_url]
    sys.exit(scheduler.main(args))


def main() -> None:
    cli(prog_name="crawler")
