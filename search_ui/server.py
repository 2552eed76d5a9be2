"""`kavosh serve`: the page and API on waitress, a production WSGI server (never Flask's debug server)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _urls(server: object) -> str:
    """The address(es) waitress really listens on (several when a name resolves to IPv4 and IPv6)."""
    listen = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return ", ".join(f"http://[{h}]:{p}/" if ":" in str(h) else f"http://{h}:{p}/" for h, p in listen)


@click.command()
@click.option(
    "--index",
    "index_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The index folder built by `kavosh index`.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
def serve_command(index_dir: Path, host: str, port: int, threads: int) -> None:
    """Serve the search page and the JSON API for the index in INDEX until interrupted."""
    from waitress import create_server

    from indexer.store import KavoshIndexError, open_generation
    from search_ui.web import create_app

    try:
        app = create_app(index_dir)
        health = app.extensions["kavosh_engine"].health()
    except KavoshIndexError as err:
        raise click.ClickException(str(err)) from None
    if not health.get("loaded"):
        try:  # the store says why (missing, built by another analyzer version, ...)
            open_generation(index_dir)
        except KavoshIndexError as err:
            raise click.ClickException(str(err)) from None
        raise click.ClickException(
            f"no usable index in {index_dir}: build one with `kavosh index FOLDER --index DIR`"
        )
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="kavosh")
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    click.echo(
        f"Kavosh is serving {index_dir} (generation {health.get('generation')}, {health.get('documents')} "
        f"documents) on {_urls(server)} with {threads} threads; Ctrl+C stops it."
    )
    if not _is_loopback(host):
        click.echo(f"warning: listening on {host}, reachable from other machines", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
