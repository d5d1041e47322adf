"""Every operation of /openapi.json, fuzzed in-process by Schemathesis against a real, seeded
database: never a 5xx, and every answer as documented (status code, media type, headers, body).

The app runs on Schemathesis's own event loop and thread, and its writes commit, so it gets a
migrated throwaway database of its own (not the rolled-back one of the other tests). Runs are
derandomized: the same requests every time, so a failure in CI reproduces locally. The same
checks run over HTTP against the real server in test_openapi_conformance_http.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from hypothesis import settings
from starlette.types import Receive, Scope, Send

from app.main import create_app
from tests.conformance import (
    CHECKS,
    COMMON,
    AdminKey,
    Case,
    Seeded,
    aim_at_stored_rows,
    openapi_schema,
    seed,
    with_admin_key,
)

# Examples per operation in the fuzzing phase; the examples and coverage phases add their own
# (boundary values, each parameter missing or malformed, undocumented methods).
ADMIN_EXAMPLES = 100
ANONYMOUS_EXAMPLES = 25


@pytest.fixture(scope="module")
def seeded(module_committed_database_url: str) -> Seeded:
    return seed(module_committed_database_url)


class AppUnderTest:
    """The ASGI app Schemathesis calls, including for its own probes (a request resent without
    the key): it forwards to the app of the module's database, lifespan included."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "the `app` fixture is not active"
        await self.app(scope, receive, send)


APP = AppUnderTest()


@pytest.fixture(scope="module")
def app(seeded: Seeded) -> Iterator[FastAPI]:
    # The app makes its own engine in its lifespan; Schemathesis starts that lifespan on the
    # first request of a test and ends it after the test.
    APP.app = create_app(seeded.settings)
    yield APP.app
    APP.app = None


# Requests go to APP. Not `schemathesis.pytest.from_fixture`: its lazy loader sets
# `Node._nodeid`, which pytest 9.2 no longer has.
schema = openapi_schema()
schema.app = APP


@settings(COMMON, max_examples=ADMIN_EXAMPLES)
@schema.auth.apply(AdminKey, refresh_interval=None)
@schema.parametrize()
def test_every_operation_as_admin(case: Case, seeded: Seeded, app: FastAPI) -> None:
    aim_at_stored_rows(case, seeded, schema)
    with_admin_key(case, seeded)
    case.call_and_validate(checks=CHECKS)


@settings(COMMON, max_examples=ANONYMOUS_EXAMPLES)
@schema.parametrize()
def test_every_operation_without_a_key(case: Case, seeded: Seeded, app: FastAPI) -> None:
    aim_at_stored_rows(case, seeded, schema)
    case.call_and_validate(checks=CHECKS)
