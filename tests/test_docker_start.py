"""scripts/docker-start.sh, the API container's start: on an empty database it gives what
``make run`` gives; a later start keeps editors' changes; a bad switch stops it at once.
(That a second demo load adds nothing is test_demo's.)"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.demo.loader import _data
from app.settings import Settings
from tests.cluster import ROOT, Api, free_port, stop, wait_until_ready
from tests.conftest import _admin, _new_name, _with_dbname

SCRIPT = ROOT / "scripts" / "docker-start.sh"
BIN = Path(sys.executable).parent


@pytest.fixture
def empty_database_url(settings: Settings) -> Iterator[str]:
    """What a new container meets: a database without even the schema."""
    base = settings.effective_database_url
    name = _new_name("start")
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_dbname(base, name)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _env(database_url: str, **switches: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SE_")}
    # The image has syria-events on PATH; here it is the virtualenv's.
    path = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "PATH": path, "DATABASE_URL": database_url, **switches}


def start_container(database_url: str, log_dir: Path, **switches: str) -> str:
    """Run the start script until the API is ready, then stop it as docker does; its output."""
    port = free_port()
    log = log_dir / f"start-{port}.log"
    with log.open("wb") as out:
        # Its serve options last: they win over the image's 0.0.0.0:8000.
        proc = subprocess.Popen(
            ["sh", str(SCRIPT), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=_env(database_url, **switches),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    api = Api(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_ready(api, within_s=120)
    finally:
        stop(proc, within_s=30)
    assert proc.returncode == 0, api.output()
    return api.output()


async def _fetch(url: str, sql: str) -> list[Any]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def query(url: str, sql: str) -> list[Any]:
    return asyncio.run(_fetch(url, sql))


COUNTS = "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM events WHERE source = 'demo')"


def test_first_start_loads_and_later_starts_keep_edits(
    empty_database_url: str, tmp_path: Path
) -> None:
    url = empty_database_url
    output = start_container(url, tmp_path, SE_LOAD_DEMO="false")
    assert "Gazetteer loaded." in output and "Demo:" not in output
    [(places, events)] = query(url, COUNTS)
    assert places > 700 and events == 0

    query(url, "UPDATE places SET name_en = 'Damascus (edited)' WHERE id = 'sy-gov-damascus'")
    output = start_container(url, tmp_path)
    assert "places are stored already; nothing loaded" in output
    assert query(url, "SELECT name_en FROM places WHERE id = 'sy-gov-damascus'") == [
        ("Damascus (edited)",)
    ], "a later start must not undo editors' changes to places"
    assert query(url, COUNTS) == [(places, len(_data("events")))], "the demo, once turned on"


def test_a_bad_switch_stops_the_start_before_any_work(empty_database_url: str) -> None:
    result = subprocess.run(
        ["sh", str(SCRIPT)],
        env=_env(empty_database_url, SE_LOAD_DEMO="maybe"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "SE_LOAD_DEMO must be true or false, not 'maybe'" in result.stderr
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    assert query(empty_database_url, tables) == [(0,)], "nothing migrated"
