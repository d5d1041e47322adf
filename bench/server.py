"""The real API (or another ASGI server) in a uvicorn subprocess, and its memory as /proc
reports it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Api:
    base_url: str
    pid: int


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _uvicorn() -> str:
    local = ROOT / ".venv" / "bin" / "uvicorn"
    return str(local if local.exists() else Path(sys.executable).parent / "uvicorn")


def _wait_ready(
    base_url: str, proc: subprocess.Popen[bytes], log_path: Path, ready_path: str
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited ({proc.returncode}); see {log_path}")
            try:
                if client.get(ready_path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{ready_path} not ready after {READY_TIMEOUT_S:.0f}s; see {log_path}")


@contextmanager
def running_api(database_url: str, log_path: Path) -> Iterator[Api]:
    """``uvicorn app.main:create_app --factory`` on a free port; stopped on exit or error."""
    # The bench measures the API as fast as it answers: the rate limiters are not under test.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SE_RATE_LIMIT_ANON_PER_MIN": "0",
        "SE_RATE_LIMIT_KEY_PER_MIN": "0",
    }
    env.pop("SE_DATABASE_URL", None)
    cmd = [_uvicorn(), "app.main:create_app", "--factory"]
    with running_uvicorn(cmd, env, log_path, ready_path="/readyz") as api:
        yield api


@contextmanager
def running_uvicorn(
    cmd: list[str], env: dict[str, str], log_path: Path, *, ready_path: str, cwd: Path = ROOT
) -> Iterator[Api]:
    """A uvicorn command (without host and port) on a free loopback port, ready once
    ``ready_path`` answers 200; stopped on exit, on error and on Ctrl-C."""
    port = _free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port), "--host", "127.0.0.1"],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(base_url, proc, log_path, ready_path)
            yield Api(base_url=base_url, pid=proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, same user); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def machine() -> dict[str, object]:
    """Cores, memory and kernel of this host."""
    mem_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    uname = os.uname()
    return {
        "cpu_count": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": f"{uname.sysname} {uname.release}",
        "python": sys.version.split()[0],
    }
