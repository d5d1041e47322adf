"""A throwaway PostgreSQL cluster and the real API serving it, as processes a test may kill.

The cluster is made by ``app.cli.localdb`` as ``make run`` makes the project's own, in a temp
directory under /tmp (as root the server runs as ``postgres``, which must reach it), on a free
port; the API is ``syria-events serve`` in a subprocess, as an operator runs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.cli import localdb
from app.cli.main import migrate
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "syria-events"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Cluster:
    settings: Settings

    @property
    def url(self) -> str:
        return self.settings.local_database_url()

    @property
    def env(self) -> dict[str, str]:
        """The environment of a process that should use this cluster."""
        return environment(self.url)

    @property
    def lock_file(self) -> Path:
        return self.settings.cluster_dir / "postmaster.pid"

    def postmaster_pid(self) -> int:
        return int(self.lock_file.read_text().split()[0])

    def stop(self) -> None:
        localdb.stop(self.settings)

    def kill(self) -> None:
        """``kill -9`` the postmaster (no shutdown checkpoint, as in a crash); returns once it
        is dead, or else ``pg_ctl status`` could still find it running."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid):
            assert time.monotonic() < deadline, f"postmaster {pid} survived kill -9"
            time.sleep(0.01)

    def start(self, within_s: float = 30.0) -> None:
        """Start again; after a kill -9 the old backends may hold shared memory a moment."""
        deadline = time.monotonic() + within_s
        while True:
            self._drop_a_dead_postmasters_lock()
            try:
                localdb.start(self.settings)
                return
            except localdb.LocalDbError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _drop_a_dead_postmasters_lock(self) -> None:
        # Where PID 1 is slow to reap orphans (as in some containers), a killed postmaster stays
        # a zombie, which pg_ctl and PostgreSQL's lock file check take for a live server. A
        # zombie runs nothing: its lock goes (live backends still hold the shared memory, which
        # PostgreSQL checks on its own).
        with suppress(OSError, ValueError):
            pid = self.postmaster_pid()
            if Path(f"/proc/{pid}").exists() and not _alive(pid):
                self.lock_file.unlink()

    def create_key(self, name: str, role: str) -> str:
        """``syria-events keys create``: the key is the last line it prints."""
        out = subprocess.run(
            [str(CLI), "keys", "create", "--name", name, "--role", role],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip().splitlines()[-1]


def environment(database_url: str) -> dict[str, str]:
    """The environment of a process that should use that database (and no SE_ setting)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SE_")}
    return {**env, "DATABASE_URL": database_url}


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    data_dir = Path(tempfile.mkdtemp(prefix="se-faults-", dir="/tmp"))
    settings = Settings(data_dir=data_dir, pg_port=free_port(), database_url=None)
    cluster = Cluster(settings)
    try:
        localdb.start(settings)
        localdb.ensure_database(settings)
        migrate(cluster.url)
        yield cluster
    finally:
        # A clean stop (after a restart when a test killed it), so that no shared memory
        # segment outlives the directory.
        with suppress(localdb.LocalDbError, OSError):
            cluster.start()
            cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class Api:
    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_ready(api: Api, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    with httpx.Client(base_url=api.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if api.proc.poll() is not None:
                raise RuntimeError(f"the API exited ({api.proc.returncode}):\n{api.output()}")
            with suppress(httpx.TransportError):
                if client.get("/readyz").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"/readyz not ready in {within_s:.0f} s:\n{api.output()}")


def start_api(
    target: Cluster | str, log_dir: Path, env: dict[str, str], port: int | None = None
) -> Api:
    """``syria-events serve`` started (not yet ready) on ``port`` or a free one, for a cluster
    or a database URL; rate limits off unless ``env`` sets them."""
    port = port or free_port()
    limits_off = {"SE_RATE_LIMIT_ANON_PER_MIN": "0", "SE_RATE_LIMIT_KEY_PER_MIN": "0"}
    log = log_dir / f"api-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(CLI), "serve", "--port", str(port)],
            cwd=ROOT,
            env={
                **(target.env if isinstance(target, Cluster) else environment(target)),
                **limits_off,
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Api(proc, f"http://127.0.0.1:{port}", log)


@contextmanager
def running_api(target: Cluster | str, log_dir: Path, **env: str) -> Iterator[Api]:
    """``start_api``, ready; stopped on exit."""
    api = start_api(target, log_dir, env)
    try:
        wait_until_ready(api)
        yield api
    finally:
        stop(api.proc, within_s=15)


def stop(proc: subprocess.Popen[bytes], within_s: float) -> None:
    """SIGTERM, as an operator or docker stops a server; SIGKILL if it is not gone in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
