"""The servers beside ours: tipg, in a venv of its own, and the floor (bench/floor.py).

tipg (developmentseed's OGC API - Features server) is a bench-only install: pinned in
bench/tipg/requirements.txt, made into bench/.venv-tipg (git-ignored) on first use and again
when the pins change, never in the product's dependencies.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from app.connecting import asyncpg_dsn, server_settings
from app.settings import Settings
from bench.server import ROOT, Api, running_uvicorn

TIPG_VENV = ROOT / "bench" / ".venv-tipg"
TIPG_REQUIREMENTS = ROOT / "bench" / "tipg" / "requirements.txt"
TIPG_COLLECTION = "public.events"
# The columns of ``events`` that our list Features carry as properties (app/events/sql.py
# PROPERTIES), so that both servers send about the same JSON. Left out: search_text (a
# normalised copy of the description) and the bookkeeping columns; what ours joins in
# (actors, place names) a table server cannot.
TIPG_PROPERTIES = [
    "public_id", "event_date", "time_precision", "event_type", "sub_event_type",
    "description", "fatalities", "geo_precision", "governorate_pcode", "place_id",
    "source", "status", "version", "created_at", "updated_at",
]  # fmt: skip
_TABLE = "TIPG_TABLE_CONFIG__public_events__"
TIPG_ENV = {
    # The one table, and no SQL functions as collections.
    "TIPG_DB_TABLES": json.dumps([TIPG_COLLECTION]),
    "TIPG_DB_FUNCTIONS": "[]",
    # Without these tipg takes the first date/time column in name order, created_at, as
    # the one that `datetime` filters.
    f"{_TABLE}DATETIMECOL": "event_date",
    f"{_TABLE}GEOMCOL": "geom",
    f"{_TABLE}PK": "id",
    f"{_TABLE}PROPERTIES": json.dumps(TIPG_PROPERTIES),
    # The table does not change during the run: no catalog refresh (every 300 s by default)
    # in the middle of a measurement.
    "TIPG_CATALOG_TTL": "0",
}


# The session settings our API gives each of its connections that change how PostgreSQL
# plans and runs a query (app/db.py; jit is on in this cluster): tipg gets them too, in its
# DATABASE_URL (asyncpg takes unknown URL parameters as settings), so that the comparison is
# of the servers, not of a database setting.
TIPG_SESSION = ("jit", "plan_cache_mode", "timezone")


class TipgUnavailable(RuntimeError):
    """tipg's venv could not be made; the message is one line."""


def _pins_digest() -> str:
    return hashlib.sha256(TIPG_REQUIREMENTS.read_bytes()).hexdigest()[:16]


def ensure_tipg(log_path: Path) -> Path:
    """bench/.venv-tipg made from the pinned requirements (reused while they are unchanged);
    its uvicorn."""
    uvicorn = TIPG_VENV / "bin" / "uvicorn"
    marker = TIPG_VENV / ".installed"
    digest = _pins_digest()
    if uvicorn.exists() and marker.exists() and marker.read_text().strip() == digest:
        return uvicorn
    log_path.parent.mkdir(parents=True, exist_ok=True)
    steps = (
        [sys.executable, "-m", "venv", "--clear", str(TIPG_VENV)],
        [str(TIPG_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
         "-r", str(TIPG_REQUIREMENTS)],
    )  # fmt: skip
    with log_path.open("w") as log:
        for cmd in steps:
            done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                raise TipgUnavailable(
                    f"could not make {TIPG_VENV.relative_to(ROOT)}: `{' '.join(cmd[:3])} ...` "
                    f"exited {done.returncode} (see {log_path.relative_to(ROOT)}); "
                    "run with --no-tipg to compare this API with the floor only"
                )
    marker.write_text(digest + "\n")
    return uvicorn


def tipg_database_url(url: str, session: dict[str, str] | None = None) -> str:
    """The URL as tipg takes it, with ``session`` settings as URL parameters. tipg validates
    DATABASE_URL as a pydantic PostgresDsn, which wants a host in the netloc, so a Unix
    socket given as ``?host=/dir`` moves there, percent-encoded (asyncpg reads it so)."""
    parts = urlsplit(asyncpg_dsn(url))
    query = {**dict(parse_qsl(parts.query)), **(session or {})}
    host = query.pop("host", None)
    if parts.hostname or not host:
        return urlunsplit(parts._replace(query=urlencode(query)))
    port = query.pop("port", None) or parts.port
    user = parts.netloc.rpartition("@")[0]
    netloc = (f"{user}@" if user else "") + quote(host, safe="") + (f":{port}" if port else "")
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


@contextmanager
def running_tipg(database_url: str, uvicorn: Path, log_path: Path) -> Iterator[Api]:
    """``uvicorn tipg.main:app`` from its own venv, on the bench database's events only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "POSTGRES_"))}
    ours = server_settings(Settings())
    session = {name: ours[name] for name in TIPG_SESSION}
    env.update(TIPG_ENV, DATABASE_URL=tipg_database_url(database_url, session))
    # tipg also reads a .env in its working directory: bench/tipg has none.
    cmd = [str(uvicorn), "tipg.main:app"]
    folder = TIPG_REQUIREMENTS.parent
    with running_uvicorn(cmd, env, log_path, ready_path="/healthz", cwd=folder) as api:
        yield api


@contextmanager
def running_floor(database_url: str, log_path: Path) -> Iterator[Api]:
    """``uvicorn bench.floor:create_app --factory`` with the API's own uvicorn."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("SE_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "uvicorn", "bench.floor:create_app", "--factory"]
    with running_uvicorn(cmd, env, log_path, ready_path="/?limit=1") as api:
        yield api
