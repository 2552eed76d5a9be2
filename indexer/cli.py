"""The `kavosh` command group (stub until the indexer lands)."""

import click


@click.group()
def cli() -> None:
    """Kavosh: Persian full-text search."""
