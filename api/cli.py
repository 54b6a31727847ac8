"""The service's commands for the `matcher` console script: `serve`, `load-test` and `keys`.

They reach `matcher` through the `park_matcher.commands` entry points (pyproject.toml), so the core command
works without the service stack installed."""

from __future__ import annotations

import logging
import os
import sys

import click
from sqlalchemy.orm import Session

from .config import Settings
from .security import ROLES


def default_workers() -> int:
    """One server process per core this process may run on: the engine is CPU-bound and holds the GIL."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@click.command()
@click.option("--host", default=None, help="Bind address (default 127.0.0.1, env MATCHER_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 8000, env MATCHER_PORT).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    envvar="MATCHER_WORKERS",
    help="Server processes, each with its own engine (about 0.4 GB each; default one per core, env MATCHER_WORKERS).",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the API (and the map page) on an embedded SQLite database unless DATABASE_URL says otherwise."""
    import uvicorn

    settings = Settings()
    n = workers or default_workers()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    click.echo(f"serving on http://{host or settings.host}:{port or settings.port}/api/v1/docs ({n} workers)", err=True)
    # Each worker process builds its app from the environment (the factory); one of them runs the batch jobs.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        workers=n,
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,
        log_level="warning",
    )


@click.command(name="load-test")
@click.option("--clients", type=click.IntRange(1, 256), default=32, show_default=True)
@click.option(
    "--seconds", type=click.FloatRange(1, 600), default=30.0, show_default=True, help="Per side, over all rounds."
)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Server processes (default one per core).")
@click.option("--rounds", type=click.IntRange(1, 20), default=3, show_default=True, help="Engine/service pairs.")
def load_test(clients: int, seconds: float, workers: int | None, rounds: int) -> None:
    """The engine in process on every core, and the service on a loopback port under POST /match load, in turn:
    prints both rates and their ratio, p50, p95, errors, the load generator's CPU and the workers' peak memory."""
    from .loadtest import run_load

    res = run_load(clients, seconds, workers, rounds)
    click.echo("\n".join(res.lines()))
    if res.server_errors or res.errors:
        sys.exit(1)


@click.group()
def keys() -> None:
    """Create, revoke and list API keys (stored hashed)."""


def _session() -> Session:
    from .db.session import make_engine, migrate, session_factory

    settings = Settings()
    migrate(settings.db_url)
    session: Session = session_factory(make_engine(settings.db_url))()
    return session


@keys.command("create")
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--team", default="default", show_default=True, help="The office whose prospects and batches it sees.")
def keys_create(name: str, role: str, team: str) -> None:
    """Print a new key once; only its hash is kept."""
    from .db.repository import create_key

    with _session() as s:
        key, token = create_key(session=s, name=name, role=role, team=team)  # type: ignore[arg-type]
        click.echo(token)
        click.echo(
            f"created key {key.id} ({key.prefix}…) for {name!r}, role {role}, team {team}; it is shown only now",
            err=True,
        )


@keys.command("revoke")
@click.argument("ident")
def keys_revoke(ident: str) -> None:
    """Revoke by id or prefix."""
    from .db.repository import revoke_key

    with _session() as s:
        key = revoke_key(session=s, ident=ident)
        if key is None:
            raise click.ClickException(f"no key {ident!r}")
        click.echo(f"revoked key {key.id} ({key.prefix}…)")


@keys.command("list")
def keys_list() -> None:
    from .db.repository import list_keys

    with _session() as s:
        for k in list_keys(session=s):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            click.echo(f"{k.id:4}  {k.prefix}…  {k.role:7} {k.team:12} {state:18} {k.name}")


__all__ = ["keys", "load_test", "serve"]
