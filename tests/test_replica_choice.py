"""The choice among replicas and their lag, from what checks observed (no server needed: the
real standby is in tests/test_replicas.py), and the Commit-LSN token's form."""

from __future__ import annotations

import asyncpg
import pytest

from app.replicas import ReplicaSet, format_lsn, parse_lsn, replica_failure


def test_lsn_round_trip() -> None:
    for text in ("0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"):
        assert format_lsn(parse_lsn(text)) == text
    assert parse_lsn("1/0") == 1 << 32
    assert parse_lsn("0/16b3748") == parse_lsn("0/16B3748")


@pytest.mark.parametrize(
    "bad", ["", "0", "/1", "1/", "x/1", "1/2/3", "123456789/0", "0/-1", "0x1/0", "+1/0"]
)
def test_lsn_refuses_what_is_not_one(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_lsn(bad)


def _two(max_lag_s: float = 5) -> ReplicaSet:
    return ReplicaSet(["postgresql://u@a:5432/db", "postgresql://u@b:5433/db"], max_lag_s)


def test_nothing_is_chosen_before_a_check() -> None:
    replicas = _two()
    assert replicas.pick(0) is None


def test_caught_up_replicas_take_turns() -> None:
    replicas = _two()
    a, b = replicas.replicas
    for r in (a, b):
        replicas.observe(r, primary_lsn=1000, at=10.0, replayed=1000, error=None)
    assert a.state == b.state == "ok" and a.lag_s == 0
    chosen = [replicas.pick(0) for _ in range(4)]
    assert chosen[0] is not chosen[1] and chosen[0] is chosen[2]


def test_lag_is_the_age_of_the_newest_primary_position_held() -> None:
    replicas = _two(max_lag_s=5)
    a = replicas.replicas[0]
    # The primary wrote on: 100 at t=0, 200 at t=1, ... 900 at t=8; the replica stopped at 300.
    for t in range(9):
        replicas.observe(a, primary_lsn=100 * (t + 1), at=float(t), replayed=300, error=None)
    assert a.lag_s == 6.0  # it holds what the primary had at t=2
    assert a.lag_bytes == 600
    assert a.state == "lagging"
    assert replicas.pick(0) is None
    replicas.observe(a, primary_lsn=900, at=9.0, replayed=900, error=None)
    assert (a.state, a.lag_s) == ("ok", 0.0)
    assert replicas.pick(0) is a


def test_a_replica_behind_a_clients_write_is_not_chosen_for_it() -> None:
    replicas = _two()
    a, b = replicas.replicas
    replicas.observe(a, primary_lsn=500, at=1.0, replayed=400, error=None)
    replicas.observe(b, primary_lsn=500, at=1.0, replayed=500, error=None)
    assert all(replicas.pick(450) is b for _ in range(3))
    assert replicas.pick(501) is None  # the primary, then


def test_down_until_a_check_finds_it_up() -> None:
    replicas = _two()
    a = replicas.replicas[0]
    replicas.observe(a, primary_lsn=10, at=1.0, replayed=10, error=None)
    replicas.failed(a, ConnectionRefusedError("refused"))
    assert a.state == "down" and replicas.pick(0) is None
    replicas.observe(a, primary_lsn=10, at=2.0, replayed=None, error="OSError: refused")
    assert a.state == "down" and a.lag_s is None
    replicas.observe(a, primary_lsn=10, at=3.0, replayed=10, error=None)
    assert replicas.pick(0) is a
    report = replicas.report()
    assert report[0]["state"] == "ok" and report[0]["name"] == "a:5432/db"
    assert report[1]["state"] == "unknown"
    assert "u@" not in str(report)


def test_which_errors_send_a_read_elsewhere() -> None:
    assert replica_failure(ConnectionRefusedError())
    assert replica_failure(asyncpg.ConnectionDoesNotExistError("closed"))
    assert replica_failure(asyncpg.CannotConnectNowError("starting up"))
    assert replica_failure(asyncpg.AdminShutdownError("terminating"))
    assert replica_failure(asyncpg.InternalClientError("another operation is in progress"))
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = asyncpg.AdminShutdownError("terminating")
    assert replica_failure(wrapped)
    assert not replica_failure(asyncpg.UndefinedColumnError("no such column"))
    assert not replica_failure(asyncpg.QueryCanceledError("statement timeout"))
    assert not replica_failure(ValueError("bad input"))
