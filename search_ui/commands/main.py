"""The `kavosh` console script: the indexer's command group plus the search-side commands."""

from indexer.cli import cli
from search_ui.commands.search import evaluate_command, search_command
from search_ui.commands.serve import serve_command

cli.add_command(search_command, "search")
cli.add_command(evaluate_command, "evaluate")
cli.add_command(serve_command, "serve")


def main() -> None:
    """Entry point of the `kavosh` command."""
    cli()
