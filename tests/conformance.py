"""What the Schemathesis runs share, in-process (test_openapi_conformance.py) and over HTTP
(test_openapi_conformance_http.py): the checks and what they accept, the Hypothesis settings,
the seeded database with an admin key, and how generated cases are aimed at stored rows."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from typing import Any

import orjson
import schemathesis
from hypothesis import HealthCheck, settings
from rich.console import Console
from schemathesis import AuthContext, CheckContext, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case as GenericCase
from schemathesis.schemas import BaseSchema
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

from app.auth.keys import Role
from app.auth.service import create_key
from app.db import Database
from app.demo.loader import load_demo
from app.errors import PROBLEM_JSON
from app.gazetteer.loader import load_gazetteer
from app.main import create_app
from app.settings import Settings

# Cases of OpenAPI operations (Schemathesis's Case is generic in its operation type).
Case = GenericCase[Any]

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


def openapi_schema() -> BaseSchema:
    """The document /openapi.json serves, from an app that is never started (no database at
    import time); each run says where its requests go."""
    return schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=CONFIG)


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
# ensure_resource_availability and object_level_authorization judge chains of calls, which only
# the stateful phase makes (it runs the first: STATEFUL_CHECKS); use_after_free does not fit an
# API whose DELETE retracts (test_openapi_conformance_http.py says why).
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
    db = Database.of(settings)
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


def seed(database_url: str) -> Seeded:
    """The gazetteer, the demo data and keys in a database whose writes commit."""
    # No rate limits: the fuzzer's thousand requests a minute would mostly meet 429s (the
    # limiter has tests of its own).
    settings = Settings(
        database_url=database_url, rate_limit_anon_per_min=0, rate_limit_key_per_min=0
    )
    return asyncio.run(_seed(settings))


# Stands for the admin key in generated cases: some (the coverage phase's) are made when the
# tests are collected, before the key exists; `with_admin_key` puts the real one in.
ADMIN_KEY_PLACEHOLDER = "Bearer the-admin-key-of-this-run"


class AdminKey:
    """The admin pass's credentials, given as a Schemathesis auth provider (not as a header of
    every call) so that its negative cases, which leave the key out or mangle it, stay so."""

    def get(self, case: Case, ctx: AuthContext) -> str | None:
        return ADMIN_KEY_PLACEHOLDER

    def set(self, case: Case, data: str, ctx: AuthContext) -> None:
        case.headers["Authorization"] = data


def with_admin_key(case: Case, seeded: Seeded) -> None:
    if case.headers.get("Authorization") == ADMIN_KEY_PLACEHOLDER:
        case.headers["Authorization"] = f"Bearer {seeded.admin_key}"


def spare_the_admin_key(case: Case, seeded: Seeded) -> None:
    """Revoking the key the run writes with would turn the rest of it into 401s."""
    # As links give it (the id of GET /keys) or as generated (a number, or its text).
    if str(case.path_parameters.get("key_id")) == str(seeded.admin_key_id):
        case.path_parameters["key_id"] = seeded.admin_key_id + 1000


def aim_at_stored_rows(
    case: Case, seeded: Seeded, schema: BaseSchema, base_url: str | None = None
) -> None:
    """Half the time (by a checksum of the generated value, so runs stay reproducible), a
    stored id instead of the generated one, and the ETag of its current version instead of a
    generated If-Match: writes get past 404 and 412 to do their work."""
    for name, value in list(case.path_parameters.items()):
        ids = seeded.ids.get(name)
        pick = zlib.crc32(str(value).encode())
        if ids and pick % 2 == 0:
            case.path_parameters[name] = ids[pick // 2 % len(ids)]
    spare_the_admin_key(case, seeded)
    if case.path_parameters.get("event_id") in seeded.ids["event_id"]:
        with_current_etag(case, seeded, schema, base_url)
    case.meta  # noqa: B018 - re-labels the case positive or negative from what is now sent


def with_current_etag(
    case: Case, seeded: Seeded, schema: BaseSchema, base_url: str | None = None
) -> None:
    """Half the time (by a checksum of the event and the If-Match sent), the ETag that GET
    answers for the case's event instead (read through ``schema``, at ``base_url`` over HTTP)."""
    if_match = case.headers.get("If-Match")
    event_id = case.path_parameters.get("event_id")
    if if_match is None or event_id is None or zlib.crc32(f"{event_id} {if_match}".encode()) % 2:
        return
    read = schema["/events/{event_id}"]["GET"].Case(
        path_parameters={"event_id": event_id},
        headers={"Authorization": f"Bearer {seeded.admin_key}"},
    )
    etag = read.call(base_url=base_url).headers.get("etag")
    if etag:
        case.headers["If-Match"] = etag[0]
