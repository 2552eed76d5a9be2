"""`kavosh search` (one query, or a batch of them into a run file) and `kavosh evaluate`.

Exit codes: 0 success; 1 no results (one query) or some input lines skipped (batch, evaluate); 2 usage
error, a bad parameter, a refused query, or an index that is missing, damaged or of another version;
3 an internal error (a bug in Kavosh: one line on stderr, the traceback with --verbose).
"""

from __future__ import annotations

import html
import json
import re
import sys
import time

import click

from indexer.cli_options import count_option, index_option, input_file_option
from search_ui.commands.batch import run_parallel, write_run
from search_ui.commands.errors import fail, user_errors
from search_ui.commands.evaluate import METRICS, evaluate, read_qrels, read_queries
from search_ui.engines.choose import open_engine
from search_ui.engines.folder import MAX_LIMIT
from search_ui.results.filters import FORMATS, SORTS, FilterError, make_filters
from search_ui.results.jalali import format_timestamp

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _quiet(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.obj and root.obj.get("quiet"))


def terminal_text(snippet_html: str, color: bool) -> str:
    """A snippet's HTML as terminal text: matches bold and underlined on a terminal, plain otherwise.

    The text stays in logical order; the terminal's own bidi support lays out right-to-left runs."""

    def emphasise(m: re.Match) -> str:
        inner = html.unescape(_TAG.sub("", m.group(1)))
        return click.style(inner, bold=True, underline=True) if color else inner

    marked = _MARK.sub(emphasise, snippet_html)
    plain = html.unescape(_TAG.sub("", marked))
    return " ".join(plain.split())


def _print_readable(result: dict, color: bool) -> None:
    for notice in result["notices"]:
        click.echo(f"note: {notice}")
    if result["suggestions"]:
        click.echo("did you mean: " + " | ".join(result["suggestions"]))
    first = (result["page"] - 1) * result["limit"] + 1
    shown = len(result["hits"])
    span = f"{first}-{first + shown - 1} of " if shown else ""
    click.echo(f"{span}{result['total']:,} results ({result['took_ms']:.1f} ms)")
    for name in ("folder", "format"):
        values = result.get("facets", {}).get(name)
        if values:
            click.echo(f"{name}s: " + ", ".join(f"{v['value'] or '(top)'} {v['count']}" for v in values))
    for i, hit in enumerate(result["hits"], first):
        title = hit["title"] or hit["path"] or hit["id"]
        click.echo("")
        click.echo(f"{i}. " + click.style(title, bold=True) + f"  [{hit['score']:.3f}]", color=color)
        where = f"  ({hit['path']})" if hit["path"] and hit["path"] != hit["id"] else ""
        when = format_timestamp(hit.get("date"))
        click.echo(f"   {hit['id']}{where}" + (f"  {when}" if when else ""))
        click.echo("   " + terminal_text(hit["snippet"], color), color=color)


@click.command()
@click.argument("query", required=False)
@index_option("The index folder")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (snippets as HTML with <mark>).")
@click.option(
    "--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True, help="Results per page."
)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page of results.")
@click.option(
    "--folder",
    "folders",
    multiple=True,
    help="Only documents in this folder of the indexed one (subfolders included); repeat for several.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Only this format; repeat for several.",
)
@click.option(
    "--from", "date_from", default="", help="Only documents dated on or after this day (see below)."
)
@click.option("--to", "date_to", default="", help="Only documents dated on or before this day.")
@click.option(
    "--sort", type=click.Choice(SORTS), default="relevance", show_default=True, help="Order of the results."
)
@input_file_option(
    "--batch",
    "batch_path",
    'Answer every query of a JSON-lines file ({"_id", "text"} a line) instead of QUERY.',
)
@click.option(
    "--run", "run_path", type=click.Path(dir_okay=False), help="With --batch: the run file to write."
)
@click.option(
    "--depth",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="With --batch: results per query.",
)
@count_option(
    "--workers", "With --batch: processes answering queries; 0 chooses (two for 200 queries or more)."
)
@click.pass_context
def search_command(
    ctx: click.Context,
    query: str | None,
    index_dir: str,
    as_json: bool,
    limit: int,
    page: int,
    folders: tuple[str, ...],
    formats: tuple[str, ...],
    date_from: str,
    date_to: str,
    sort: str,
    batch_path: str | None,
    run_path: str | None,
    depth: int,
    workers: int,
) -> None:
    """Search the index for QUERY and print ranked results.

    \b
    Query language (see the README):
      سیاست خارجی             ranked keywords (closer together ranks higher)
      «سیاست خارجی»  "…"      an exact phrase
      +ایران -عراق            require / exclude (also AND, NOT, OR, parentheses)
      title:تاریخ             only in titles
      کتاب*                  words starting with کتاب (at least two letters)

    \b
    Filters and sort (with them, --json adds "filters" and "facets"):
      kavosh search ایران --index ~/.kavosh-index --folder sport --folder history --sort newest
      kavosh search ایران --index ~/.kavosh-index --format txt --from 1400/01/01 --to 2030-12-31
    Days are Jalali when the year is below 1700 (1403/01/15, ۱۴۰۳-۱-۱۵), Gregorian otherwise
    (2024-04-03); a year alone means its first day.
    """
    if batch_path:
        if query:
            raise click.UsageError("give either QUERY or --batch, not both")
        if not run_path:
            raise click.UsageError("--batch needs --run RUN.tsv (use - for standard output)")
        _batch(ctx, index_dir, batch_path, run_path, depth, workers)
        return
    if not query:
        raise click.UsageError("give a QUERY (or --batch QUERIES.jsonl --run RUN.tsv)")
    try:
        filters = make_filters(folders, formats, date_from, date_to, sort)
    except FilterError as err:
        raise click.UsageError(f"{err.code}: {err}") from None
    with user_errors():
        engine = open_engine(index_dir)
        result = engine.search(query, page=page, limit=limit, filters=filters if filters.active else None)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_readable(result, color=sys.stdout.isatty())
    if result["total"] and not result["hits"]:
        last = -(-result["total"] // limit)
        click.echo(f"page {page} is past the last page ({last}) of {result['total']:,} results", err=True)
        sys.exit(1)
    sys.exit(0 if result["total"] else 1)


def _progress_bar(ctx: click.Context, total: int):
    if _quiet(ctx) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="query", dynamic_ncols=True, leave=False, file=sys.stderr)


def _run_queries(ctx: click.Context, index_dir: str, queries_path: str, depth: int, workers: int = 0):
    """Read the queries, answer them all; report bad lines and refusals on stderr."""
    qfile = read_queries(queries_path)
    quiet = _quiet(ctx)
    if not quiet:
        for bad in qfile.bad_lines[:20]:
            click.echo(f"skipped {queries_path} {bad}", err=True)
    with user_errors():
        engine = open_engine(index_dir)
        engine.ranked("", limit=1)  # opens the index: a missing one fails here, once, clearly
        bar = _progress_bar(ctx, len(qfile.queries))
        began = time.perf_counter()
        try:
            run = run_parallel(engine, qfile.queries, depth, workers, progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        elapsed = time.perf_counter() - began
    if not quiet:
        for qid, why in list(run.refused.items())[:20]:
            click.echo(f"refused query {qid}: {why}", err=True)
        n = len(qfile.queries)
        per = elapsed / n * 1000 if n else 0.0
        click.echo(
            f"answered {n:,} queries in {elapsed:.2f} s ({per:.2f} ms each); "
            f"{len(run.refused)} refused, {len(qfile.bad_lines)} bad lines skipped",
            err=True,
        )
    return qfile, run


def _batch(
    ctx: click.Context, index_dir: str, batch_path: str, run_path: str, depth: int, workers: int
) -> None:
    qfile, run = _run_queries(ctx, index_dir, batch_path, depth, workers)
    try:
        lines = write_run(run, run_path)
    except OSError as err:
        fail(f"cannot write {run_path}: {err.strerror or err}")
    if not _quiet(ctx):
        click.echo(f"wrote {lines:,} lines to {run_path}", err=True)
    sys.exit(1 if qfile.bad_lines or run.refused else 0)


@click.command()
@index_option("The index folder")
@input_file_option("--queries", "queries_path", 'JSON lines {"_id", "text", "source"}.', required=True)
@input_file_option(
    "--qrels", "qrels_path", "TSV query-id, doc-id, grade (a header line is allowed).", required=True
)
@click.option("--run", "run_path", type=click.Path(dir_okay=False), help="Also write the run file here.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@click.pass_context
def evaluate_command(
    ctx: click.Context,
    index_dir: str,
    queries_path: str,
    qrels_path: str,
    run_path: str | None,
    as_json: bool,
) -> None:
    """Score the ranking against relevance judgements: MRR@10, nDCG@10, Recall@10 and Recall@100,
    overall, per source group and per source."""
    try:
        qrels = read_qrels(qrels_path)
    except ValueError as err:
        fail(str(err))
    qfile, run = _run_queries(ctx, index_dir, queries_path, 100)
    if run_path:
        write_run(run, run_path)
    report = evaluate(run.ranked_ids(), qrels, qfile.queries)
    if as_json:
        click.echo(json.dumps({"rows": report.rows, "queries": report.counts, "unjudged": report.unjudged}))
    else:
        rows = report.table()
        headers = ["source", "queries", *METRICS]
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        for row in [headers, *rows]:
            click.echo(
                "  ".join(
                    str(c).ljust(w) if i == 0 else str(c).rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
        if report.unjudged:
            click.echo(f"({report.unjudged} queries without relevance judgements left out)")
    sys.exit(1 if qfile.bad_lines else 0)
