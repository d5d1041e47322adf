"""The project-local PostgreSQL cluster under ``.data/``: initdb + pg_ctl, no system service.

As root, the server runs as ``postgres``, which must enter every folder above ``.data/``. When
it cannot (a clone in ``/root`` or any other 0700 folder), the server's files go to a folder of
their own under ``SERVER_HOMES`` and ``.data/server`` links there; nobody's folder changes mode.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from app.settings import Settings

# /var/lib, not /var/tmp or /run: the data must outlive reboots and systemd-tmpfiles' clean-up
# of old files in /var/tmp; and only root writes here, so no other user can take a name first.
SERVER_HOMES = Path("/var/lib/syria-events")


class LocalDbError(RuntimeError):
    pass


def bindir() -> Path:
    """The server binaries: pg_config's when it has initdb, else Debian's newest version."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if versions:
        return Path(versions[-1])
    if shutil.which("initdb"):
        return Path(shutil.which("initdb") or "").parent
    raise LocalDbError("PostgreSQL server binaries not found: run scripts/ensure-postgis.sh")


def _run_as() -> list[str]:
    """initdb and postgres refuse to run as root: hand them to the ``postgres`` user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise LocalDbError("running as root needs a 'postgres' system user") from exc
    return ["runuser", "-u", "postgres", "--"]


def _chown_for_server(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    # From /: as ``postgres`` the tools warn when they cannot enter the caller's folder.
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/")


def _server_can_enter(path: Path) -> bool:
    return os.geteuid() != 0 or _run([*_run_as(), "test", "-x", str(path)]).returncode == 0


def _home_prefix(settings: Settings) -> str:
    """``<project folder>-<hash of data_dir>-``: whose server folder this is, at a glance."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", settings.data_dir.parent.name)[:24] or "project"
    digest = hashlib.sha256(str(settings.data_dir).encode()).hexdigest()[:10]
    return f"{slug}-{digest}-"


def _place_server(settings: Settings) -> None:
    """Before the first initdb: give the server a folder of its own when it cannot enter
    ``data_dir``'s. A new one each time (mkdtemp), so that a deleted ``.data`` means a new
    cluster, as it does without the link."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    linked = settings.server_link.is_symlink()
    if not linked and _server_can_enter(settings.data_dir.parent):
        return
    # Made again when someone removed it, whatever root's umask: postgres must pass through.
    SERVER_HOMES.mkdir(parents=True, exist_ok=True)
    SERVER_HOMES.chmod(0o755)
    if not linked:
        home = tempfile.mkdtemp(prefix=_home_prefix(settings), dir=SERVER_HOMES)
        try:
            settings.server_link.symlink_to(home, target_is_directory=True)
        except FileExistsError:  # another start linked one first: that one it is
            os.rmdir(home)


def unused_homes(settings: Settings) -> list[Path]:
    """Server folders made for this ``data_dir`` that it no longer links to (a ``.data``
    deleted since): their data stays until someone removes them."""
    if not SERVER_HOMES.is_dir():
        return []
    made_here = SERVER_HOMES.glob(_home_prefix(settings) + "*")
    return sorted(p for p in made_here if p != settings.server_dir)


def _pg(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [*_run_as(), str(bindir() / "pg_ctl"), "-D", str(settings.cluster_dir), *args]
    result = _run(cmd)
    if check and result.returncode != 0:
        raise LocalDbError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result


def is_running(settings: Settings) -> bool:
    if not (settings.cluster_dir / "PG_VERSION").exists():
        return False
    return _pg(settings, "status", check=False).returncode == 0


def init(settings: Settings) -> bool:
    """Create the cluster once; returns True when it was created now."""
    if (settings.cluster_dir / "PG_VERSION").exists():
        return False
    _place_server(settings)
    for path in (settings.server_dir, settings.socket_dir, settings.cluster_dir):
        path.mkdir(parents=True, exist_ok=True)
        _chown_for_server(path)
    settings.socket_dir.chmod(0o700 if os.geteuid() != 0 else 0o755)
    cmd = [
        *_run_as(),
        str(bindir() / "initdb"),
        "-D",
        str(settings.cluster_dir),
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]
    result = _run(cmd)
    if result.returncode != 0:
        raise LocalDbError(f"initdb failed:\n{result.stdout}{result.stderr}")
    conf = settings.cluster_dir / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# syria-events: a private cluster on a unix socket and loopback only\n"
            f"port = {settings.pg_port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{settings.socket_dir}'\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "fsync = on\n"
            "synchronous_commit = on\n"
        )
    return True


def start(settings: Settings) -> None:
    init(settings)
    if is_running(settings):
        return
    log = settings.server_dir / "postgres.log"
    if not log.exists():
        log.touch()
    _chown_for_server(log)
    _pg(settings, "start", "-w", "-t", "60", "-l", str(log))


def stop(settings: Settings) -> None:
    if is_running(settings):
        _pg(settings, "stop", "-m", "fast", "-w")


def ensure_database(settings: Settings, dbname: str = "syria_events") -> None:
    """Create the database (with PostGIS) in the local cluster when it does not exist."""
    psql = [
        *_run_as(),
        str(bindir() / "psql"),
        "-h",
        str(settings.socket_dir),
        "-p",
        str(settings.pg_port),
        "-U",
        "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-qAt",
    ]
    exists = _run(
        [*psql, "-d", "postgres", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'"]
    )
    if exists.returncode != 0:
        raise LocalDbError(exists.stderr)
    if exists.stdout.strip() != "1":
        created = _run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{dbname}"'])
        if created.returncode != 0:
            raise LocalDbError(created.stderr)
