"""syria-events keys: a key printed once, listed without its secret, revoked at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = Path(sys.executable).with_name("syria-events")


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(CLI), "keys", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_keys_create_list_revoke(committed_database_url: str) -> None:
    created = run(committed_database_url, "create", "--name", "rania", "--role", "editor")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("se_") and len(key) > 40, "stdout is the key alone, for $(...)"
    assert "rania" in created.stderr

    listed = run(committed_database_url, "list")
    assert "rania" in listed.stdout and key not in listed.stdout
    assert key[:9] in listed.stdout, "the prefix identifies it"

    twice = run(committed_database_url, "create", "--name", "rania", "--role", "analyst")
    assert twice.returncode == 1 and "already named" in twice.stderr
    bad_role = run(committed_database_url, "create", "--name", "x", "--role", "overlord")
    assert bad_role.returncode != 0

    key_id = created.stderr.split("API key ")[1].split(" ")[0]
    revoked = run(committed_database_url, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert "rania" not in run(committed_database_url, "list").stdout
    assert "rania" in run(committed_database_url, "list", "--revoked").stdout
