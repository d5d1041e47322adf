"""The ``syria-events`` command line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from app.auth.keys import Role
from app.cli import localdb
from app.db import Database
from app.errors import DomainError
from app.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="Syria Events API: database, data loading and the HTTP server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: local cluster and migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="Built-in demo reports and events.", no_args_is_help=True)
gazetteer_app = typer.Typer(help="The gazetteer of places.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for writes (analyst, editor, admin).", no_args_is_help=True)
import_app = typer.Typer(help="Events from ACLED and UCDP GED exports.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(gazetteer_app, name="gazetteer")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")

console = Console(stderr=True)
ROOT = Path(__file__).resolve().parents[2]


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@db_app.command("start")
def db_start() -> None:
    """Start the project-local PostgreSQL cluster under .data/ (no-op with DATABASE_URL)."""
    settings = Settings()
    if not settings.uses_local_cluster:
        console.print("DATABASE_URL is set: using that server, no local cluster.")
        return
    try:
        localdb.start(settings)
        localdb.ensure_database(settings)
    except localdb.LocalDbError as exc:
        _fail(str(exc))
    # Whole lines (soft_wrap): paths that can be copied.
    console.print(
        f"PostgreSQL running in {settings.cluster_dir} (port {settings.pg_port}).", soft_wrap=True
    )
    if settings.server_dir != settings.data_dir:
        console.print(
            f"  {settings.server_link} links there: the postgres user cannot enter "
            f"{settings.data_dir.parent}.",
            soft_wrap=True,
            highlight=False,
        )
    for unused in localdb.unused_homes(settings):
        console.print(
            f"  [yellow]unused[/yellow] {unused}: an earlier cluster of this folder's .data; "
            "remove it when its data is not needed.",
            soft_wrap=True,
            highlight=False,
        )


@db_app.command("stop")
def db_stop() -> None:
    """Stop the project-local cluster (no-op with DATABASE_URL)."""
    settings = Settings()
    if settings.uses_local_cluster:
        localdb.stop(settings)
        console.print("PostgreSQL stopped.")


def migrate(database_url: str) -> None:
    from alembic.config import Config

    from alembic import command

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply every migration (alembic upgrade head) to DATABASE_URL."""
    settings = Settings()
    migrate(settings.effective_database_url)
    console.print("Database schema is up to date.")


@gazetteer_app.command("load")
def gazetteer_load(
    geonames: Annotated[
        list[Path] | None,
        typer.Option("--geonames", help="a GeoNames country dump (SY.txt), repeatable"),
    ] = None,
    admin: Annotated[
        list[Path] | None,
        typer.Option(
            "--admin", help="OCHA COD-AB boundaries, admin 1-3 (.shp or GeoJSON), repeatable"
        ),
    ] = None,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="load nothing when places are stored already (a container's start): a "
            "load rewrites every place it holds, editors' changes too",
        ),
    ] = False,
) -> None:
    """Load the built-in gazetteer, and users' GeoNames dumps and OCHA boundaries."""
    from app.gazetteer.loader import load_gazetteer

    for path in [*(geonames or []), *(admin or [])]:
        if not path.is_file():
            _fail(f"{path}: no such file")
    if if_empty and asyncio.run(_with_database(_places_stored)):
        console.print("Gazetteer: places are stored already; nothing loaded.")
        return
    counts = asyncio.run(
        load_gazetteer(Settings(), geonames=geonames or [], admin=admin or [], console=console)
    )
    for what, count in counts.items():
        console.print(f"  {what}: {count}")
    console.print("Gazetteer loaded.")


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo reports and events (needs the gazetteer); re-runs add nothing twice."""
    from app.demo.loader import load_demo

    reports, events = asyncio.run(load_demo(Settings(), console))
    console.print(f"Demo: {reports} reports and {events} events added.")


@app.command("ingest")
def ingest(
    paths: Annotated[
        list[str], typer.Argument(help="JSONL or text files, folders, or - for stdin")
    ],
) -> None:
    """Store and geoparse reports; a re-run skips what is already stored (text or url)."""
    from app.reports.batch import ingest as run

    summary = asyncio.run(run(Settings(), paths, console))
    for failure in summary.failed[:50]:
        console.print(f"[yellow]skipped[/yellow] {failure}", highlight=False)
    console.print(
        f"Ingest: {summary.stored} stored, {summary.skipped} already stored, "
        f"{len(summary.failed)} refused."
    )
    if summary.failed and not summary.stored and not summary.skipped:
        raise typer.Exit(1)


def _import(source: str, files: list[Path]) -> None:
    from rich.markup import escape

    from app.exchange.service import SOURCES, import_files, summary_lines

    label = SOURCES[source].label
    summary = asyncio.run(_with_database(lambda db: import_files(db, source, files, console)))
    shown = [*summary.problems, *summary.notes]
    for problem in shown[:50]:
        console.print(f"[yellow]skipped[/yellow] {escape(problem)}", highlight=False)
    if len(shown) > 50:
        console.print(f"… and {len(shown) - 50} more.")
    for line in summary_lines(summary, label):
        console.print(line, highlight=False, markup=False)
    console.print(
        f"Events whose rows are not in these files were left as they are ({label} exports "
        "are selections; nothing is deleted).",
        style="dim",
    )
    if summary.imported == 0 and summary.problems:
        raise typer.Exit(1)


@app.command("fetch")
def fetch(
    what: Annotated[
        str,
        typer.Argument(
            help="ucdp (UCDP GED), geonames (GeoNames' SY.zip), boundaries (OCHA COD-AB "
            "from HDX) or all"
        ),
    ],
    version: Annotated[
        str | None,
        typer.Option(
            "--version", help="UCDP GED release: 26.1 (yearly) or 26.0.3 (monthly candidate)"
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache", help="download folder (default: SE_FETCH_CACHE_DIR, else .data/downloads)"
        ),
    ] = None,
) -> None:
    """Download the published files, verify them and import them; re-runs write only what
    changed. Needs the network; offline, load files with `import ucdp` / `gazetteer load`."""
    from app.cli.fetch import TARGETS, run

    if what not in TARGETS:
        _fail(f"fetch what? one of {', '.join(TARGETS)}, not {what!r}")
    run(what, version, cache, console)


@import_app.command("acled")
def import_acled(
    files: Annotated[list[Path], typer.Argument(help="ACLED CSV exports (any countries)")],
) -> None:
    """ACLED CSV exports: Syria's rows as published events; re-runs update newer rows only."""
    _import("acled", files)


@import_app.command("ucdp")
def import_ucdp(
    files: Annotated[list[Path], typer.Argument(help="UCDP GED CSV files (any countries)")],
) -> None:
    """UCDP GED CSV files: Syria's rows as published events; re-runs update changed rows only."""
    _import("ucdp", files)


async def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    database = Database.of(Settings())
    try:
        return await work(database)
    finally:
        await database.dispose()


async def _places_stored(db: Database) -> bool:
    from sqlmodel import select

    from app.models import Place

    async with db.session() as session:
        return (await session.exec(select(Place.id).limit(1))).first() is not None


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="who holds the key (owns its drafts)")],
    role: Annotated[Role, typer.Option(help="analyst, editor or admin")],
) -> None:
    """Create an API key and print it once: only its hash is stored."""
    from app.auth.service import create_key

    try:
        created = asyncio.run(
            _with_database(lambda db: create_key(db=db, name=name, role=role, by="cli"))
        )
    except DomainError as exc:
        _fail(exc.detail)
    console.print(f"API key {created.id} for {created.name} ({created.role.value}):", style="dim")
    print(created.key)


@keys_app.command("list")
def keys_list(
    revoked: Annotated[bool, typer.Option("--revoked", help="include revoked keys")] = False,
) -> None:
    """The keys, their roles and last use (never their secrets)."""
    from rich.table import Table

    from app.auth.service import list_keys

    keys = asyncio.run(_with_database(lambda db: list_keys(db=db, include_revoked=revoked)))
    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    for k in keys:
        table.add_row(
            str(k.id),
            k.name,
            k.role.value,
            k.key_prefix + "…",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    Console().print(table)  # the answer itself: stdout, unlike progress and notes


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="the key's id (keys list)")]) -> None:
    """Revoke a key at once."""
    from app.auth.service import revoke_key

    try:
        key = asyncio.run(_with_database(lambda db: revoke_key(db=db, key_id=key_id)))
    except DomainError as exc:
        _fail(exc.detail)
    console.print(f"Revoked key {key.id} ({key.name}).")


def _exit_cleanly(signum: int, frame: object) -> NoReturn:
    raise SystemExit(0)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the HTTP API; on SIGTERM, finish the requests in flight, then exit."""
    import signal

    import uvicorn

    base = f"http://{host}:{port}"
    console.print(f"[bold]Syria Events API[/bold] on {base}  (docs: {base}/docs)")
    for example in (
        f"curl '{base}/events?bbox=38,33,41.5,36&datetime=2017-01-01/2017-12-31'",
        f"curl '{base}/events?governorate=SY09&f=csv'",
        f"curl -G '{base}/places' --data-urlencode 'q=دير الزور'",
        f"curl '{base}/readyz'",
        f"curl '{base}/changes?limit=100'",
        "writes: .venv/bin/syria-events keys create --name you --role editor  (then "
        "Authorization: Bearer <key>)",
    ):
        console.print(f"  {example}", soft_wrap=True, highlight=False, markup=False)
    grace_s = Settings().shutdown_grace_s
    # Once shut down, uvicorn raises the signal it stopped on again, which would end the process
    # as killed by it; a finished graceful shutdown is a clean exit (status 0) instead.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_cleanly)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        timeout_graceful_shutdown=grace_s,
    )


def main() -> None:
    """Entry point: a database that cannot be reached is a one-line error, not a traceback."""
    from pydantic import ValidationError
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    try:
        app()
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            console.print(f"[red]invalid setting[/red] {name}: {error['msg']}")
        raise SystemExit(2) from None
    except (OSError, OperationalError) as exc:
        console.print(f"[red]error:[/red] cannot reach the database: {exc}")
        console.print("Is it running? 'syria-events db start', or check DATABASE_URL.")
        raise SystemExit(1) from None
    except ValueError as exc:  # unreadable input files: boundaries, dumps
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None
    except SQLAlchemyError as exc:
        console.print(f"[red]error:[/red] {type(exc).__name__}: {exc}".splitlines()[0])
        raise SystemExit(1) from None
