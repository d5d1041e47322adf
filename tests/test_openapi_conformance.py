"""Every operation of /openapi.json, fuzzed in-process by Schemathesis against a real, seeded
database: never a 5xx, and every answer as documented (status code, media type, headers, body).

The app runs on Schemathesis's own event loop and thread, and its writes commit, so it gets a
migrated throwaway database of its own (not the rolled-back one of the other tests). Runs are
derandomized: the same requests every time, so a failure in CI reproduces locally.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from rich.console import Console
from schemathesis import AuthContext, CheckContext, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case as GenericCase
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import text
from starlette.types import Receive, Scope, Send

from app.auth.keys import Role
from app.auth.service import create_key
from app.db import Database, make_engine
from app.demo.loader import load_demo
from app.errors import PROBLEM_JSON
from app.gazetteer.loader import load_gazetteer
from app.main import create_app
from app.settings import Settings

# Cases of OpenAPI operations (Schemathesis's Case is generic in its operation type).
Case = GenericCase[Any]

# Examples per operation in the fuzzing phase; the examples and coverage phases add their own
# (boundary values, each parameter missing or malformed, undocumented methods).
ADMIN_EXAMPLES = 100
ANONYMOUS_EXAMPLES = 25

COMMON = settings(
    deadline=None,
    derandomize=True,
    database=None,
    # Slow examples are the database's doing, not the generator's; large bodies are the point.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What a bad request may be answered with. Not 422: our contract says 400 for a bad parameter
# or body (the one documented 422, a reused Idempotency-Key, is not about the request's shape),
# and never a 5xx (Schemathesis's default list has both).
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "410", "412", "413", "415"]
REJECTIONS += ["428", "429"]

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REJECTIONS},
            # A required header left out: 400, 401 for Authorization, 428 for If-Match.
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "428"]},
        }
    }
)


@schemathesis.check
def errors_are_problems(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx/5xx is RFC 9457 problem+json with its own status; 422 only for a reused
    Idempotency-Key."""
    if response.status_code < 400:
        return None
    media = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    assert media == PROBLEM_JSON, f"{response.status_code} served as {media!r}"
    body = orjson.loads(response.content)
    assert body.get("status") == response.status_code, f"problem status {body.get('status')}"
    if response.status_code == 422:
        assert body.get("type") == "/problems/idempotency-key-reused", body
    return True


# Left out, and why: positive_data_acceptance (our parameters are strings with a grammar the
# schema cannot state, e.g. bbox's four numbers, so a schema-valid value may rightly be a 400);
# use_after_free, ensure_resource_availability and object_level_authorization (they judge chains
# of calls, which only Schemathesis's stateful runner makes).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    ignored_auth,
    unsupported_method,
    allow_header_conformance,
    errors_are_problems,
]

# Path parameters that should often name a stored row, so requests do more than 404.
ID_QUERIES = {
    "event_id": "SELECT public_id FROM events ORDER BY id",
    "report_id": "SELECT public_id FROM reports ORDER BY id",
    "place_id": "SELECT id FROM places ORDER BY id LIMIT 50",
    # OGC API items: events' ids, then places'
    "featureId": "(SELECT public_id FROM events ORDER BY id LIMIT 25)"
    " UNION ALL (SELECT id FROM places ORDER BY id LIMIT 25)",
}


@dataclass(frozen=True)
class Seeded:
    settings: Settings
    admin_key: str
    admin_key_id: int
    ids: dict[str, list[str | int]]


async def _seed(settings: Settings) -> Seeded:
    quiet = Console(quiet=True)
    await load_gazetteer(settings, geonames=[], admin=[], console=quiet)
    await load_demo(settings, console=quiet)
    db = Database(make_engine(settings))
    try:
        spares = [
            await create_key(db=db, name=f"conformance-spare-{n}", role=role)
            for n, role in enumerate(Role)
        ]
        admin = await create_key(db=db, name="conformance-admin", role=Role.admin)
        async with db.read_connection() as conn:
            ids: dict[str, list[str | int]] = {
                name: list((await conn.execute(text(sql))).scalars())
                for name, sql in ID_QUERIES.items()
            }
    finally:
        await db.dispose()
    ids["key_id"] = [k.id for k in spares]
    return Seeded(settings, admin.key, admin.id, ids)


@pytest.fixture(scope="module")
def seeded(module_committed_database_url: str) -> Seeded:
    # No rate limits: the fuzzer's thousand requests a minute would mostly meet 429s (the
    # limiter has tests of its own).
    settings = Settings(
        database_url=module_committed_database_url,
        rate_limit_anon_per_min=0,
        rate_limit_key_per_min=0,
    )
    return asyncio.run(_seed(settings))


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


# Stands for the admin key in generated cases: some (the coverage phase's) are made when the
# tests are collected, before the key exists; `_with_admin_key` puts the real one in.
ADMIN_KEY_PLACEHOLDER = "Bearer the-admin-key-of-this-run"


class AdminKey:
    """The admin pass's credentials, given as a Schemathesis auth provider (not as a header of
    every call) so that its negative cases, which leave the key out or mangle it, stay so."""

    def get(self, case: Case, ctx: AuthContext) -> str | None:
        return ADMIN_KEY_PLACEHOLDER

    def set(self, case: Case, data: str, ctx: AuthContext) -> None:
        case.headers["Authorization"] = data


def _with_admin_key(case: Case, seeded: Seeded) -> None:
    if case.headers.get("Authorization") == ADMIN_KEY_PLACEHOLDER:
        case.headers["Authorization"] = f"Bearer {seeded.admin_key}"


def _aim_at_stored_rows(case: Case, seeded: Seeded) -> None:
    """Half the time (by a checksum of the generated value, so runs stay reproducible), a
    stored id instead of the generated one, and the ETag of its current version instead of a
    generated If-Match: writes get past 404 and 412 to do their work."""
    for name, value in list(case.path_parameters.items()):
        ids = seeded.ids.get(name)
        pick = zlib.crc32(str(value).encode())
        if ids and pick % 2 == 0:
            case.path_parameters[name] = ids[pick // 2 % len(ids)]
        elif name == "key_id" and value == seeded.admin_key_id:
            # Revoking the key the run writes with would turn the rest of it into 401s.
            case.path_parameters[name] = seeded.admin_key_id + 1000
    if_match = case.headers.get("If-Match")
    event_id = case.path_parameters.get("event_id")
    if (
        if_match is not None
        and event_id in seeded.ids["event_id"]
        and zlib.crc32(str(if_match).encode()) % 2 == 0
    ):
        read = schema["/events/{event_id}"]["GET"].Case(
            path_parameters={"event_id": event_id},
            headers={"Authorization": f"Bearer {seeded.admin_key}"},
        )
        etag = read.call().headers.get("etag")
        if etag:
            case.headers["If-Match"] = etag[0]
    case.meta  # noqa: B018 - re-labels the case positive or negative from what is now sent


# The document /openapi.json serves, from an app that is never started (no database at import
# time); requests go to APP. Not `schemathesis.pytest.from_fixture`: its lazy loader sets
# `Node._nodeid`, which pytest 9.2 no longer has.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=CONFIG)
schema.app = APP


@settings(COMMON, max_examples=ADMIN_EXAMPLES)
@schema.auth.apply(AdminKey, refresh_interval=None)
@schema.parametrize()
def test_every_operation_as_admin(case: Case, seeded: Seeded, app: FastAPI) -> None:
    _aim_at_stored_rows(case, seeded)
    _with_admin_key(case, seeded)
    case.call_and_validate(checks=CHECKS)


@settings(COMMON, max_examples=ANONYMOUS_EXAMPLES)
@schema.parametrize()
def test_every_operation_without_a_key(case: Case, seeded: Seeded, app: FastAPI) -> None:
    _aim_at_stored_rows(case, seeded)
    case.call_and_validate(checks=CHECKS)
