"""The project-local PostgreSQL cluster under ``.data/``: initdb + pg_ctl, no system service."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from app.settings import Settings


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


def _pg(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [*_run_as(), str(bindir() / "pg_ctl"), "-D", str(settings.cluster_dir), *args]
    result = subprocess.run(cmd, capture_output=True, text=True)
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
    for path in (settings.data_dir, settings.socket_dir, settings.cluster_dir):
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
    result = subprocess.run(cmd, capture_output=True, text=True)
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
    log = settings.data_dir / "postgres.log"
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
    exists = subprocess.run(
        [*psql, "-d", "postgres", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'"],
        capture_output=True,
        text=True,
    )
    if exists.returncode != 0:
        raise LocalDbError(exists.stderr)
    if exists.stdout.strip() != "1":
        subprocess.run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{dbname}"'], check=True)
