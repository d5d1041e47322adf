"""The scaled-out topology of deploy/ as processes on loopback, for tests to start and break.

A PostgreSQL primary (migrated through PgBouncer, as the containers migrate) and a hot standby
copied from it with ``pg_basebackup -R -X stream``, PgBouncer in front of the primary, Redis,
N ``syria-events serve`` processes and nginx in front of them: each on a free port of
127.0.0.1, all under one temp dir, every process stopped and the dir removed on exit.
nginx and PgBouncer read deploy/'s own nginx.conf and pgbouncer.ini, rendered with loopback
addresses and temp paths; Redis is the suite's (tests/redis_server.py). The clusters are made
by ``app.cli.localdb`` as tests/cluster.py makes its own (as root, PostgreSQL and PgBouncer run
as ``postgres``). On failure every log is printed and copied to test-artifacts/topology/.

    with topology(apis=2) as topo:
        httpx.get(f"{topo.nginx_url}/readyz")
        topo.primary.execute("..."); topo.wait_for_standby(); topo.standby.fetchval("...")
        topo.standby.stop(); topo.redis.stop(); topo.stop_api(0); topo.start_api(0)
"""

from __future__ import annotations

import asyncio
import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.cli import localdb
from app.cli.main import migrate
from app.connecting import asyncpg_dsn
from app.settings import Settings
from tests.cluster import (
    CLI,
    ROOT,
    Api,
    Cluster,
    environment,
    free_port,
    start_api,
    stop,
    wait_until_ready,
)
from tests.redis_server import RedisServer

DEPLOY = ROOT / "deploy"
ARTIFACTS = ROOT / "test-artifacts" / "topology"
# Of the PgBouncer login and the replication role: loopback only, gone with the temp dir.
PASSWORD = "topology"
SLOT = "standby"


@dataclass(frozen=True)
class Postgres(Cluster):
    """A cluster of the topology, with SQL as its superuser over its unix socket."""

    def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = run_sql(self.url, "fetch", sql, *args)
        return rows

    def fetchval(self, sql: str, *args: Any) -> Any:
        return run_sql(self.url, "fetchval", sql, *args)

    def execute(self, sql: str, *args: Any) -> None:
        run_sql(self.url, "execute", sql, *args)


def run_sql(url: str, method: str, sql: str, *args: Any) -> Any:
    """One statement on a connection of its own: asyncpg's ``method`` (fetch, fetchval, ...)."""

    async def run() -> Any:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
        try:
            return await getattr(conn, method)(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class Server:
    """A server process (PgBouncer, Redis, nginx): stopped and started again on its port."""

    name: str
    argv: list[str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, within_s: float = 10.0) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd="/", stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + within_s
        while not _accepts(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not listening in {within_s:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, within_s=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


ACCESS_LINE = re.compile(r'"(.*)" (\d+) \d+ cache=(\S+) upstream=(.*) rt=')


@dataclass(frozen=True)
class Access:
    """A line of nginx's access log (deploy/nginx.conf's ``upstream`` format)."""

    request: str
    status: int
    cache: str
    upstreams: list[str]

    @classmethod
    def parse(cls, line: str) -> Access:
        match = ACCESS_LINE.search(line)
        if match is None:
            raise ValueError(f"not an access log line of deploy/nginx.conf: {line}")
        request, status, cache, upstreams = match.groups()
        # The API processes tried in turn, "a, b"; "-" when the cache answered alone.
        tried = [u for u in re.split(r", | : ", upstreams) if u != "-"]
        return cls(request, int(status), cache, tried)


@dataclass
class Topology:
    root: Path
    primary: Postgres
    standby: Postgres
    pgbouncer: Server
    redis: RedisServer
    nginx: Server
    apis: list[Api]
    api_database_url: str
    api_env: dict[str, str] = field(repr=False)

    @property
    def nginx_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}"

    @property
    def pgbouncer_url(self) -> str:
        return _pgbouncer_url(self.pgbouncer.port)

    def client(self, **options: Any) -> httpx.Client:
        """A client of nginx, as the public reaches the API."""
        return httpx.Client(base_url=self.nginx_url, **options)

    def access_log(self) -> list[Access]:
        """nginx's access log so far, oldest first."""
        path = self.root / "logs" / "nginx-access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [Access.parse(line) for line in lines]

    def wait_for_standby(self, within_s: float = 10.0) -> str:
        """Wait until the standby has replayed the primary's WAL up to now; that LSN."""
        lsn: str = self.primary.fetchval("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + within_s
        query = "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn"
        while not self.standby.fetchval(query, lsn):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby has not replayed {lsn} in {within_s:.0f} s")
            time.sleep(0.05)
        return lsn

    def stop_api(self, index: int) -> None:
        """SIGTERM, as docker stops a container: it drains its requests, then exits."""
        stop(self.apis[index].proc, within_s=15)

    def start_api(self, index: int) -> None:
        """The API process started again on its port, ready."""
        port = int(self.apis[index].base_url.rsplit(":", 1)[1])
        logs = self.root / "logs"
        api = start_api(self.api_database_url, logs, self.api_env, port=port)
        self.apis[index] = api
        wait_until_ready(api)


@contextmanager
def topology(
    *,
    apis: int = 2,
    api_via_pgbouncer: bool = True,
    load_gazetteer: bool = False,
    load_demo: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[Topology]:
    """The whole topology, ready: nginx answers /readyz. ``api_via_pgbouncer``: the API's
    DATABASE_URL goes through PgBouncer (as deployed) or straight to the primary; the loads
    run before the standby is copied; ``env``: more settings of every API process (rate
    limits are off unless it sets them)."""
    binaries = _binaries()
    root = Path(tempfile.mkdtemp(prefix="se-topology-", dir="/tmp"))
    # The server user (postgres, as root) must pass through to its folders, not list them.
    root.chmod(0o711)
    logs = root / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        try:
            loads = [["gazetteer", "load"]] * load_gazetteer + [["demo", "load"]] * load_demo
            yield _start(stack, root, binaries, apis, api_via_pgbouncer, loads, env or {})
        except BaseException:
            _report_logs(root)
            raise


def _start(
    stack: ExitStack,
    root: Path,
    binaries: dict[str, str],
    apis: int,
    api_via_pgbouncer: bool,
    loads: list[list[str]],
    env: dict[str, str],
) -> Topology:
    logs = root / "logs"
    primary = _primary(stack, root / "primary")
    pgbouncer = _pgbouncer(stack, root / "pgbouncer", binaries["pgbouncer"], primary)
    redis = _redis(stack, root / "redis", binaries["redis-server"])
    # Migrated and loaded through PgBouncer, as the first API container does; before the
    # standby is copied, which then holds it all from its first start.
    pgbouncer_url = _pgbouncer_url(pgbouncer.port)
    migrate(pgbouncer_url)
    for command in loads:
        _cli(command, pgbouncer_url)
    standby = _standby(stack, root / "standby", primary)

    nginx_port = free_port()
    api_url = pgbouncer_url if api_via_pgbouncer else primary.url
    api_env = {
        "DATABASE_READ_URL": standby.url,
        "SE_RATE_LIMIT_STORAGE": redis.url,
        "SE_PUBLIC_URL": f"http://127.0.0.1:{nginx_port}",
        **env,
    }
    # Started together, then waited for: they import and connect at the same time. The list
    # is the topology's: an API a test restarts replaces its entry, and is stopped in turn.
    started: list[Api] = []

    def stop_apis() -> None:
        for api in started:
            stop(api.proc, within_s=15)

    stack.callback(stop_apis)
    started.extend(start_api(api_url, logs, api_env) for _ in range(apis))
    for api in started:
        wait_until_ready(api)

    nginx = _nginx(stack, root / "nginx", binaries["nginx"], nginx_port, started)
    topo = Topology(root, primary, standby, pgbouncer, redis, nginx, started, api_url, api_env)
    with topo.client(timeout=5) as client:
        ready = client.get("/readyz")
        if ready.status_code != 200:
            raise RuntimeError(f"nginx /readyz: {ready.status_code} {ready.text}")
    return topo


def _primary(stack: ExitStack, data_dir: Path) -> Postgres:
    primary = Postgres(Settings(data_dir=data_dir, pg_port=free_port(), database_url=None))
    localdb.init(primary.settings)
    with (primary.settings.cluster_dir / "postgresql.conf").open("a") as conf:
        # PostgreSQL 15's defaults, said here because the standby depends on them.
        conf.write("wal_level = replica\nmax_wal_senders = 10\nmax_replication_slots = 10\n")
    stack.callback(_shut_down, primary)
    localdb.start(primary.settings)
    localdb.ensure_database(primary.settings)
    # initdb's pg_hba.conf lets replication in from 127.0.0.1 with a password (scram).
    primary.execute(f"CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '{PASSWORD}'")
    return primary


def _standby(stack: ExitStack, data_dir: Path, primary: Postgres) -> Postgres:
    """A copy of the primary by pg_basebackup, streaming from it through its own slot."""
    standby = Postgres(Settings(data_dir=data_dir, pg_port=free_port(), database_url=None))
    settings = standby.settings
    for folder in (settings.data_dir, settings.socket_dir):
        folder.mkdir(parents=True)
        localdb._chown_for_server(folder)
    source = ["-h", "127.0.0.1", "-p", str(primary.settings.pg_port), "-U", "replicator"]
    # -R: standby.signal and primary_conninfo (with the password); -C -S: a slot, so that the
    # primary keeps the WAL a stopped standby has not had yet.
    target = ["-D", str(settings.cluster_dir), "-R", "-X", "stream", "-C", "-S", SLOT]
    basebackup = [str(localdb.bindir() / "pg_basebackup"), "-c", "fast", "--no-password"]
    copy = subprocess.run(
        [*localdb._run_as(), *basebackup, *source, *target],
        env={**os.environ, "PGPASSWORD": PASSWORD},
        cwd="/",
        capture_output=True,
        text=True,
    )
    if copy.returncode != 0:
        raise RuntimeError(f"pg_basebackup failed:\n{copy.stdout}{copy.stderr}")
    with (settings.cluster_dir / "postgresql.conf").open("a") as conf:
        # The primary's file, copied: the last setting wins.
        conf.write(
            "\n# the standby's own\n"
            f"port = {settings.pg_port}\n"
            f"unix_socket_directories = '{settings.socket_dir}'\n"
            "hot_standby = on\n"
            "hot_standby_feedback = on\n"
        )
    stack.callback(_shut_down, standby)
    localdb.start(settings)
    return standby


def _shut_down(cluster: Cluster) -> None:
    """A clean stop, after a start when a test killed it: no shared memory outlives the dir."""
    with suppress(localdb.LocalDbError, OSError):
        if cluster.lock_file.exists():
            cluster.start()
            cluster.stop()


def _redis(stack: ExitStack, folder: Path, binary: str) -> RedisServer:
    folder.mkdir()
    server = RedisServer(binary, folder)
    server.start()
    stack.callback(server.stop)
    return server


def _pgbouncer_url(port: int) -> str:
    return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/syria_events"


def _pgbouncer(stack: ExitStack, folder: Path, binary: str, primary: Postgres) -> Server:
    """deploy/pgbouncer.ini, with loopback addresses and the primary's unix socket."""
    folder.mkdir()
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str  # type: ignore[assignment,method-assign]
    ini.read(DEPLOY / "pgbouncer.ini")
    port = free_port()
    socket_dir, pg_port = primary.settings.socket_dir, primary.settings.pg_port
    ini["databases"] = {"syria_events": f"host={socket_dir} port={pg_port} dbname=syria_events"}
    ini["pgbouncer"].update(
        listen_addr="127.0.0.1", listen_port=str(port), auth_file=str(folder / "userlist.txt")
    )
    # The server login goes over the unix socket, which trusts local users.
    (folder / "userlist.txt").write_text(f'"postgres" "{PASSWORD}"\n')
    with (folder / "pgbouncer.ini").open("w") as out:
        ini.write(out)
    # PgBouncer will not run as root: it switches to the server's user itself.
    as_user = ["-u", "postgres"] if localdb._run_as() else []
    server = Server(
        "pgbouncer",
        [binary, *as_user, str(folder / "pgbouncer.ini")],
        port=port,
        log=folder.parent / "logs" / "pgbouncer.log",
    )
    server.start()
    stack.callback(server.stop)
    return server


def nginx_conf(folder: Path, logs: Path, port: int, upstreams: list[str]) -> str:
    """deploy/nginx.conf on loopback: its listen, upstream servers and paths replaced."""
    text = (DEPLOY / "nginx.conf").read_text()
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "/var/cache/nginx/": f"{folder}/cache/",
        "/var/log/nginx/": f"{logs}/nginx-",
        "/var/run/nginx.pid": f"{folder}/nginx.pid",
    }.items():
        if old not in text:
            raise RuntimeError(f"deploy/nginx.conf has no {old!r}: update tests/topology.py")
        text = text.replace(old, new)
    servers = list(re.finditer(r"^( *)server api\d+:8000( [^;]*)?;\n", text, re.MULTILINE))
    if not servers:
        raise RuntimeError("deploy/nginx.conf has no `server apiN:8000` line")
    indent, options = servers[0].group(1), servers[0].group(2) or ""
    mine = "".join(f"{indent}server {address}{options};\n" for address in upstreams)
    first, last = servers[0].start(), servers[-1].end()
    text = text[:first] + mine + text[last:]
    # As root, nginx's workers would be `nobody`, who cannot enter the temp dir.
    return ("user root;\n" if os.geteuid() == 0 else "") + text


def _nginx(stack: ExitStack, folder: Path, binary: str, port: int, apis: list[Api]) -> Server:
    (folder / "cache").mkdir(parents=True)
    upstreams = [api.base_url.removeprefix("http://") for api in apis]
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, folder.parent / "logs", port, upstreams))
    server = Server(
        "nginx",
        [binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        port=port,
        log=folder.parent / "logs" / "nginx.log",
    )
    server.start()
    stack.callback(server.stop)
    return server


def _cli(command: list[str], database_url: str) -> None:
    done = subprocess.run(
        [str(CLI), *command], env=environment(database_url), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def _binaries() -> dict[str, str]:
    """The servers' binaries; a clear failure when one is missing (make servers, make postgis)."""
    found = {name: _which(name) for name in ("nginx", "redis-server", "pgbouncer")}
    missing = [name for name, path in found.items() if not path]
    try:
        if not (localdb.bindir() / "pg_basebackup").exists():
            missing.append("pg_basebackup")
    except localdb.LocalDbError:
        missing.append("PostgreSQL (initdb, pg_basebackup)")
    if missing:
        raise RuntimeError(
            f"the topology needs {', '.join(missing)}: run `make servers` (nginx, Redis, "
            "PgBouncer) and `make postgis`"
        )
    return found


def _which(name: str) -> str:
    """On PATH, or in /usr/sbin, which a user's PATH may lack."""
    sbin = Path("/usr/sbin") / name
    return shutil.which(name) or (str(sbin) if sbin.exists() else "")


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _report_logs(root: Path) -> None:
    """Every process's log: its tail printed (pytest shows it), all of it kept."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    for log in sorted(root.rglob("*.log")):
        name = str(log.relative_to(root)).removeprefix("logs/").replace("/", "-")
        with suppress(OSError):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, ARTIFACTS / name)
        tail = log.read_text(errors="replace").splitlines()[-60:]
        print(f"----- {name} (last {len(tail)} lines) -----", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
    print(f"----- logs kept in {ARTIFACTS} -----", file=sys.stderr)
