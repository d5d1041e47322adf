"""The scaled-out topology of deploy/ runs: a primary and its streaming standby, PgBouncer,
Redis, two API processes and nginx, started as processes on loopback (tests/topology.py)."""

from __future__ import annotations

import httpx

from tests.topology import run_sql, topology


def test_the_whole_topology_starts_and_answers() -> None:
    with topology(apis=2) as topo, topo.client() as nginx:
        assert nginx.get("/readyz").status_code == 200

        assert topo.primary.fetchval("SELECT pg_is_in_recovery()") is False
        assert topo.standby.fetchval("SELECT pg_is_in_recovery()") is True
        replication = topo.primary.fetch("SELECT state FROM pg_stat_replication")
        assert [row["state"] for row in replication] == ["streaming"]

        topo.primary.execute("CREATE TABLE topology_probe (note text)")
        topo.primary.execute("INSERT INTO topology_probe VALUES ('written on the primary')")
        topo.wait_for_standby()
        assert topo.standby.fetchval("SELECT note FROM topology_probe") == (
            "written on the primary"
        )

        # The API processes reach the primary through PgBouncer, as deployed.
        assert topo.api_database_url == topo.pgbouncer_url
        port = run_sql(topo.pgbouncer_url, "fetchval", "SELECT current_setting('port')")
        assert int(port) == topo.primary.settings.pg_port

        for _ in range(4):
            health = nginx.get("/healthz")
            assert health.status_code == 200
            # /healthz says nothing a cache may keep: a miss, every time.
            assert health.headers["X-Cache-Status"] == "MISS"
        for api in topo.apis:
            assert httpx.get(f"{api.base_url}/healthz").json() == {"status": "ok"}
        # nginx sends requests to both.
        served_by = {u for line in topo.access_log() for u in line.upstreams}
        assert served_by == {api.base_url.removeprefix("http://") for api in topo.apis}
