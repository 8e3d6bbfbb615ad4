"""`python -m crm`: migrate, seed, import and inspect the customer store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from crm.cli_errors import friendly_errors
from crm.db import make_engine
from crm.settings import PROJECT_ROOT, load_settings

app = typer.Typer(help="The customer store. DATABASE_URL selects the database (default: SQLite in var/).")

ONLINE_RETAIL = PROJECT_ROOT.parent / "shared" / "datasets" / "online_retail" / "online_retail.csv.gz"


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Create the database if needed and bring its schema up to date (safe to run again)."""
    from crm.migrate import upgrade

    with friendly_errors():
        engine = make_engine(load_settings().database_url, create_missing=True)
        result = upgrade(engine, revision)
        typer.echo(
            f"schema {'migrated from ' + str(result.before) + ' to' if result.changed else 'already at'} "
            f"{result.after}"
        )


@app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="target revision, e.g. base")]) -> None:
    """Undo migrations down to REVISION (this drops what those migrations created)."""
    from crm.migrate import downgrade as run_downgrade

    with friendly_errors():
        result = run_downgrade(make_engine(load_settings().database_url), revision)
        typer.echo(f"schema {result.before} -> {result.after}")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(help="number of demo customers")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed: the same seed and as-of give the same shop")] = 7,
    as_of: Annotated[
        datetime | None, typer.Option(help="the shop's 'now' (UTC); default: the current time")
    ] = None,
) -> None:
    """Fill an empty store with a deterministic demo shop."""
    from crm.demo.writer import seed_demo

    moment = (as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of) or datetime.now(UTC)
    with friendly_errors():
        counts = seed_demo(
            make_engine(load_settings().database_url), as_of=moment, seed=seed, customers=customers
        )
        typer.echo(_format_counts(counts))


@app.command("import-online-retail")
def import_online_retail(
    path: Annotated[Path, typer.Argument(help="the UCI Online Retail CSV (.csv.gz)")] = ONLINE_RETAIL,
) -> None:
    """Import the real UCI Online Retail transactions (customers, products, orders, cancellations)."""
    from crm.importers.online_retail import import_online_retail as run_import
    from crm.services.data_rights import load_suppression_secret, suppressed_for_import
    from crm.uow import UnitOfWork

    with friendly_errors():
        engine = make_engine(load_settings().database_url)
        # Customers erased on request stay out, recognised by a keyed hash of their reference.
        erased = suppressed_for_import(UnitOfWork.for_engine(engine), load_suppression_secret())
        report = run_import(engine, path, suppressed=erased)
        typer.echo(report)


@app.command("chat-token")
def chat_token(
    customer: Annotated[str, typer.Argument(help="the customer's reference, e.g. C00001")],
    hours: Annotated[float, typer.Option(help="how long the token is valid")] = 8.0,
) -> None:
    """Print a signed chat token for a customer: what the storefront hands out at login.

    For local testing: send it as {"metadata": {"token": "..."}} to the REST channel. The
    secret is CHAT_TOKEN_SECRET or var/chat-token-secret (created by `make run`).
    """
    from datetime import timedelta

    from crm.chat_tokens import load_or_create_secret, mint
    from crm.services.customers import customer_by_ref
    from crm.uow import UnitOfWork

    with friendly_errors():
        settings = load_settings()
        found = customer_by_ref(UnitOfWork.for_engine(make_engine(settings.database_url)), customer)
        if found is None:
            typer.echo(f"no customer {customer!r} in the store", err=True)
            raise typer.Exit(1)
        secret = settings.chat_token_secret or load_or_create_secret(
            PROJECT_ROOT / "var" / "chat-token-secret"
        )
        typer.echo(mint(found.external_ref, secret, settings.now(), timedelta(hours=hours)))


@app.command()
def status() -> None:
    """Show the schema revision and the rows per table."""
    from crm.migrate import current_revision, head_revision
    from crm.uow import UnitOfWork

    with friendly_errors():
        settings = load_settings()
        engine = make_engine(settings.database_url)
        revision = current_revision(engine)
        typer.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
        typer.echo(f"schema:   {revision} (latest: {head_revision()})")
        if revision is None:
            typer.echo("the schema is not created yet: run `python -m crm migrate`")
            raise typer.Exit(1)
        with UnitOfWork.for_engine(engine) as uow:
            typer.echo(_format_counts(uow.stats.row_counts()))


def _format_counts(counts: dict[str, int]) -> str:
    width = max(len(name) for name in counts)
    return "\n".join(f"  {name:<{width}}  {count:>9,}" for name, count in counts.items())
