"""`kavosh serve` (stub until the web page lands)."""

import click


@click.command()
def serve_command() -> None:
    """Serve the search page (not built yet)."""
    raise click.ClickException("not built yet")
