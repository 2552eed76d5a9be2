"""`kavosh search` and `kavosh evaluate` (stub until the search core lands)."""

import click


@click.command()
def search_command() -> None:
    """Search an index (not built yet)."""
    raise click.ClickException("not built yet")


@click.command()
def evaluate_command() -> None:
    """Evaluate relevance (not built yet)."""
    raise click.ClickException("not built yet")
