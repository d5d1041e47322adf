"""As root, a clone in a private (0700) folder, as in /root, gets its own cluster all the same.

The server runs as ``postgres``, which cannot enter such a folder: its files go under
``/var/lib/syria-events`` and ``.data/server`` links there. The user's folders keep their modes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import asyncpg
import pytest

from app.cli import localdb
from app.settings import Settings
from tests.cluster import free_port

CLI = Path(sys.executable).with_name("syria-events")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="root only: only then does the server run as 'postgres', which a 0700 folder keeps out",
)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


@pytest.fixture
def private_clone() -> Iterator[Path]:
    """A 0700 folder (mkdtemp's mode) as a clone's; its cluster is stopped and removed after."""
    clone = Path(tempfile.mkdtemp(prefix="se-private-"))
    try:
        yield clone
    finally:
        link = clone / ".data" / "server"
        if link.is_symlink():
            settings = Settings(data_dir=clone / ".data", database_url=None)
            with suppress(localdb.LocalDbError, OSError):
                localdb.stop(settings)
            if settings.server_dir.parent == localdb.SERVER_HOMES:
                shutil.rmtree(settings.server_dir, ignore_errors=True)
        shutil.rmtree(clone, ignore_errors=True)


async def _postgis_version(url: str) -> str:
    conn = await asyncpg.connect(url, timeout=10)  # libpq's URL, socket folder and all
    try:
        version: str = await conn.fetchval("SELECT postgis_version()")
        return version
    finally:
        await conn.close()


def test_a_clone_in_a_private_folder_starts_migrates_and_stops(private_clone: Path) -> None:
    data_dir = private_clone / ".data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SE_")}
    env.pop("DATABASE_URL", None)
    env |= {"SE_DATA_DIR": str(data_dir), "SE_PG_PORT": str(port)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        # From inside the clone, as its user works: the server's tools cannot enter it either.
        return subprocess.run(
            [str(CLI), "db", *args],
            cwd=private_clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    started = cli("start")
    assert started.returncode == 0, started.stderr
    settings = Settings(data_dir=data_dir, pg_port=port, database_url=None)
    assert settings.server_dir.parent == localdb.SERVER_HOMES
    assert f"PostgreSQL running in {settings.cluster_dir} " in started.stderr
    assert f"{data_dir / 'server'} links there" in started.stderr

    migrated = cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert asyncio.run(_postgis_version(settings.local_database_url()))

    again = cli("start")
    assert again.returncode == 0, again.stderr
    assert str(settings.cluster_dir) in again.stderr, "the same cluster, not a new one"

    stopped = cli("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not localdb.is_running(settings)
    assert _mode(private_clone) == 0o700, "the user's folder keeps its mode"
    assert private_clone.stat().st_uid == 0 and data_dir.stat().st_uid == 0
