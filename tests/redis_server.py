"""A real ``redis-server`` on a free loopback port, for the tests of shared rate limits.

Use it with ``pytest_plugins = ["tests.redis_server"]`` in the test module. The server keeps
nothing on disk (``--save '' --appendonly no``, its folder a temp one); a test may ``stop()``
it and ``start()`` it again on the same port. No redis-server is a failure that says how to
get one (``make servers``), never a skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cluster import free_port


@dataclass
class RedisServer:
    binary: str
    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, within_s: float = 10.0) -> None:
        argv = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + within_s
        while not self.answers_ping():
            if self.proc.poll() is not None:
                log_text = (self.folder / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited ({self.proc.returncode}):\n{log_text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer PING in {within_s:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (and wait until its port is closed)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A started redis-server of its own, stopped after the test."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        pytest.fail("redis-server is not installed: `make servers` installs it (apt)")
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
