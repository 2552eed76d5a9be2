"""The `kavosh` command group and its `index` command.

Exit codes of `kavosh index`: 0 success, 1 partial (something was skipped), 2 usage error (click's own
code for bad options, and ours for a folder or index that cannot be used or written), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

import click

from indexer.build import UsageError, index_folder
from indexer.cli_options import count_option, index_option
from indexer.errors import KavoshIndexError
from indexer.opensearch import is_cluster_url
from indexer.progress import BarProgress, Progress
from indexer.run_options import DEFAULT_MAX_SIZE, RunOptions
from indexer.storage.check import IndexCheck, verify_carried_over, verify_generation
from indexer.watch import DEFAULT_MIN_INTERVAL

log = logging.getLogger("kavosh")

_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2, "G": 1024**3, "GB": 1024**3}


class SizeType(click.ParamType):
    """A size such as 50MB, 512K or 1000000 (bytes)."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper()
        digits = text.rstrip("BKMG")
        unit = text[len(digits) :]
        try:
            number = float(digits)
        except ValueError:
            number = -1
        if unit not in _SIZE_UNITS or number <= 0:
            self.fail(f"{value!r} is not a size like 50MB, 512KB or 1000000", param, ctx)
        return int(number * _SIZE_UNITS[unit])


class _TqdmSafeHandler(logging.StreamHandler):
    """Writes log lines through tqdm so they do not tear the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


def _configure_logging(level: int) -> None:
    root = logging.getLogger("kavosh")
    root.handlers[:] = [_TqdmSafeHandler(sys.stderr)]
    root.handlers[0].setFormatter(logging.Formatter("%(message)s"))
    root.setLevel(level)
    root.propagate = False


def _version_message() -> str:
    """What `kavosh --version` prints: the package, and the versions an index is checked against."""
    from importlib.metadata import PackageNotFoundError, version

    from analyzers import ANALYZER_VERSION
    from indexer.storage.schema import SCHEMA_VERSION

    try:
        package = version("kavosh")
    except PackageNotFoundError:  # running from a checkout that was never installed
        package = "(not installed)"
    return f"kavosh {package} (analyzer {ANALYZER_VERSION}, index schema {SCHEMA_VERSION})"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_message())
        ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the versions of Kavosh, its analyzer and its index schema, and exit.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print only errors (no progress, no skip lines, no summary)."
)
@click.option("-v", "--verbose", is_flag=True, help="Print debugging detail as well.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """Kavosh: full-text search for Persian (Farsi) documents.

    \b
    Typical use:
      kavosh index ~/docs --index ~/.kavosh-index     build or update the index of a folder
      kavosh search "کتاب‌های تاریخی" --index ~/.kavosh-index
      kavosh serve --index ~/.kavosh-index            the search page on http://127.0.0.1:8000/

    Run `kavosh COMMAND --help` for each command's options.
    """
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    _configure_logging(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)


@cli.command("index")
@click.argument("folder", type=click.Path(file_okay=False, dir_okay=True, path_type=str))
@index_option("Folder holding the index (created if missing)")
@click.option("--rebuild", is_flag=True, help="Build from scratch instead of updating only what changed.")
@click.option(
    "--max-size",
    type=SizeType(),
    default=f"{DEFAULT_MAX_SIZE // 1024**2}MB",
    show_default=True,
    help="Skip files larger than this (e.g. 10MB, 512KB).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds to wait for another `kavosh index` on the same index before giving up "
    "[default: wait as long as it takes].",
)
@count_option(
    "--procs", "Indexing processes; 0 chooses: one for small jobs, two when there is a lot to index."
)
@click.option(
    "--ocr",
    is_flag=True,
    help="Read scanned PDFs and images (.png, .jpg, .tif) with Tesseract's Persian model "
    "(slow: seconds a page). Without it they are skipped: 'no text layer (use --ocr)'.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running after the first pass and bring the index up to date as files are added, "
    "changed, moved or deleted (Ctrl+C stops it; the index stays whole).",
)
@click.option(
    "--watch-interval",
    type=click.FloatRange(min=0),
    default=DEFAULT_MIN_INTERVAL,
    show_default=True,
    help="With --watch: at most one new generation per this many seconds.",
)
@click.option("--watch-parent", type=int, default=None, hidden=True)  # kavosh serve --watch: stop with it
@click.option(
    "--verify",
    is_flag=True,
    help="First verify every block of the segments the update carries over (as `kavosh check` does); "
    "stop with status 2, the index unchanged, if one is damaged.",
)
@count_option("--shards", "OpenSearch only: primary shards.", default=3, minimum=1)
@count_option("--replicas", "OpenSearch only: replicas.", default=1)
@click.pass_context
def index_command(
    ctx: click.Context,
    folder: str,
    index_dir: str,
    rebuild: bool,
    max_size: int,
    lock_timeout: float | None,
    procs: int,
    ocr: bool,
    watch: bool,
    watch_interval: float,
    watch_parent: int | None,
    verify: bool,
    shards: int,
    replicas: int,
) -> None:
    """Index FOLDER (recursively) into the index folder given by --index.

    \b
    Formats: .txt (title: first non-empty line), .md (title: front matter or first
    heading; its visible text, without Markdown marks), .html/.htm (title: <title> or
    first heading; visible text only), .json (an object or a list of objects) and .jsonl
    (one object a line), whose records carry `id` or `_id`, `title`, and `text` or `body`;
    .pdf (page by page, Persian text repaired), .docx, .odt, .epub, .rtf (title from
    the document's properties), and with --ocr scanned PDFs and .png/.jpg/.tif images.
    .doc, .ppt, .xls and similar are reported as unsupported.
    Encodings, detected per file: UTF-8 with or without BOM, UTF-16 with BOM, Windows-1256.
    Hidden files and folders (names starting with a dot) are ignored.

    \b
    Incremental by default: files with the same size and time (or the same content) are not
    re-indexed, documents of deleted files are removed, new and changed files are added.
    Each run writes a new index generation and switches to it only when it is complete, so a
    crash or kill never damages the live index; running searches pick the new one up.
    Binary, undecodable, empty, too large or unreadable files, symlink loops and broken
    JSON/HTML are skipped with one line each and counted.

    \b
    Exit status: 0 success, 1 some files or records were skipped, 2 usage error or the
    index could not be written (e.g. --lock-timeout expired, or --verify found damage),
    130 interrupted.
    """
    quiet = ctx.obj.get("quiet", False) if ctx.obj else False
    progress: Progress = BarProgress() if not quiet and sys.stderr.isatty() else Progress()
    if is_cluster_url(index_dir) and (verify or watch or ocr):
        raise click.UsageError(
            "--verify, --watch and --ocr work on an index folder, not on an OpenSearch URL yet"
        )
    if verify:
        report = verify_carried_over(index_dir, rebuild)
        if report is not None and report.damaged:
            report_damage(report)
            ctx.exit(2)
    options = RunOptions(
        rebuild=rebuild,
        max_size=max_size,
        lock_timeout=lock_timeout,
        procs=procs,
        progress=progress,
        on_wait=lambda message: log.warning("%s", message),
    )
    if watch:
        _watch(
            ctx, folder, index_dir, watch_interval, {**options.keywords(), "ocr": ocr, "parent": watch_parent}
        )
        return
    # an OpenSearch URL goes to the cluster writer (imported here: every other command, `kavosh search`
    # among them, starts 25 ms sooner without its HTTP client), a folder to the Whoosh one
    write, extra = index_folder, {"ocr": ocr}
    if is_cluster_url(index_dir):
        from indexer.opensearch.writer import index_to_cluster

        write, extra = index_to_cluster, {"shards": shards, "replicas": replicas}
    with _write_errors(ctx, index_dir):
        try:
            summary = write(folder, index_dir, options, **extra)
        except KeyboardInterrupt:
            log.error("interrupted: the previous index is unchanged")
            ctx.exit(130)
    for line in summary.lines():
        log.info("%s", line)
    ctx.exit(1 if summary.skipped_total else 0)


@contextlib.contextmanager
def _write_errors(ctx: click.Context, index_dir: str) -> Iterator[None]:
    """What stops a run of `kavosh index`, as one line and exit status 2 (a usage error as click's own):
    the previous index is unchanged whichever it was."""
    try:
        yield
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except KavoshIndexError as exc:  # LockTimeout among them
        log.error("error: %s", exc)
        ctx.exit(2)
    except OSError as exc:  # e.g. the disk is full or the index folder is read-only
        log.error("error: cannot write the index in %s: %s; the previous index is unchanged", index_dir, exc)
        ctx.exit(2)


def _watch(ctx: click.Context, folder: str, index_dir: str, interval: float, options: dict) -> None:
    """`kavosh index --watch`: the first pass, then an update per batch of changes until Ctrl+C or SIGTERM."""
    import signal
    import threading

    from indexer.watch import watch_folder

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a service manager's stop: finish, then leave

    def show(summary) -> None:
        for line in summary.lines():
            log.info("%s", line)

    with _write_errors(ctx, index_dir), contextlib.suppress(KeyboardInterrupt):
        watch_folder(
            folder,
            index_dir,
            min_interval=interval,
            stop=stop,
            on_update=show,
            on_ready=lambda: log.info("watching %s for changes (Ctrl+C stops)", folder),
            **options,
        )
    log.info("stopped watching %s; the index is whole", folder)
    ctx.exit(0)


def report_damage(report: IndexCheck) -> None:
    """Print what is damaged and how to repair it on stderr."""
    for line in report.problem_lines():
        click.echo(line, err=True)
    click.echo(
        f"the index in {report.index_dir} is damaged: rebuild it with "
        f"`kavosh index FOLDER --index {report.index_dir} --rebuild`",
        err=True,
    )


@cli.command("check")
@index_option("The index folder", cluster=False)
@click.pass_context
def check_command(ctx: click.Context, index_dir: str) -> None:
    """Verify every stored block and term dictionary block of the live index generation.

    \b
    Each block carries a checksum; this reads them all (searches only read the blocks
    they need, so a damaged one could otherwise go unnoticed and be carried into every
    later generation by `kavosh index`). Damage is printed as one line per file:
    the segment, the file and what is wrong.

    \b
    Exit status: 0 every block verified, 2 something is damaged (rebuild with
    `kavosh index FOLDER --index DIR --rebuild`) or there is no usable index.
    """
    try:
        report = verify_generation(index_dir)
    except KavoshIndexError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if report.damaged:
        report_damage(report)
        ctx.exit(2)
    if not (ctx.obj or {}).get("quiet", False):
        click.echo(report.summary())
    ctx.exit(0)


if __name__ == "__main__":  # `python -m indexer.cli`: how `kavosh serve --watch` starts its watcher
    cli()
