"""Schemathesis over HTTP against the real server (``syria-events serve`` in a subprocess, as an
operator runs it): every operation fuzzed, then chains of calls by the stateful phase, with the
checks of the in-process run (tests/conformance.py), an admin key and rate limits off.

In-process, the app shares Schemathesis's event loop and httpx's ASGI transport; here requests
cross uvicorn's HTTP parser and a real socket, and the server keeps its own pool and lifespan.
Fewer examples than in-process (which runs the same generator on the same operations), so the
run stays bounded in time; derandomized, so a failure reproduces.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis import Response
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import ensure_resource_availability

from tests.cluster import Api, running_api
from tests.conformance import (
    CHECKS,
    COMMON,
    AdminKey,
    Case,
    Seeded,
    aim_at_stored_rows,
    openapi_schema,
    seed,
    spare_the_admin_key,
    with_admin_key,
    with_current_etag,
)

# Per operation, in the fuzzing phase (the examples and coverage phases add their own).
EXAMPLES = 10
# Scenarios of the stateful phase, and calls per scenario at most; no shrinking, as in
# Schemathesis's own stateful runner (a replay meets a server that has changed since).
SCENARIOS = 60
STATEFUL = settings(COMMON, phases=[Phase.generate], stateful_step_count=10)

# Not use_after_free: DELETE /events/{id} retracts, it never erases. Afterwards the event is a
# 410 with the reason and its history stays a 200, as the contract says (a CI run found it
# calling that a deleted resource still available).
STATEFUL_CHECKS = [*CHECKS, ensure_resource_availability]

schema = openapi_schema()
# The stateful phase's own, whose every call carries the admin key (as an auth provider, so
# that Schemathesis knows the key was given, not generated, when it judges ignored_auth).
workflows = openapi_schema()
workflows.auth(refresh_interval=None)(AdminKey)


@pytest.fixture(scope="module")
def seeded(module_committed_database_url: str) -> Seeded:
    return seed(module_committed_database_url)


@pytest.fixture(scope="module")
def server(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    log_dir: Path = tmp_path_factory.mktemp("conformance-http")
    with running_api(seeded.settings.effective_database_url, log_dir) as api:
        yield api
    assert "Traceback" not in api.output(), api.output()


@settings(COMMON, max_examples=EXAMPLES)
@schema.auth.apply(AdminKey, refresh_interval=None)
@schema.parametrize()
def test_every_operation_over_http(case: Case, seeded: Seeded, server: Api) -> None:
    aim_at_stored_rows(case, seeded, schema, server.base_url)
    with_admin_key(case, seeded)
    case.call_and_validate(base_url=server.base_url, checks=CHECKS)


def test_chains_of_calls_over_http(seeded: Seeded, server: Api) -> None:
    """Links Schemathesis infers (POST /events, then GET, PATCH or DELETE of its Location;
    GET /places, then PATCH /places/{id}; ...) followed with the admin key."""
    calls: list[int] = []
    failures: list[FailureGroup] = []

    class Workflow(workflows.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            with_admin_key(case, seeded)
            spare_the_admin_key(case, seeded)
            if case.method != "GET" and "event_id" in case.path_parameters:
                # Links give the event, not its ETag: a stale one, or half the time its own.
                case.headers.setdefault("If-Match", '"0"')
                with_current_etag(case, seeded, workflows, server.base_url)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": server.base_url}

        def validate_response(
            self,
            response: Response,
            case: Case,
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            calls.append(response.status_code)
            try:
                case.validate_response(
                    response,
                    checks=STATEFUL_CHECKS,
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except FailureGroup as failure:
                failures.append(failure)
                raise

    # Every scenario writes, so a prefix Hypothesis replays may meet other data and other
    # links than when it was first drawn. Schemathesis's own runner takes that as the end of
    # the phase, not as a failure; a failure, replayed or not, is raised as itself below.
    with suppress(FlakyStrategyDefinition):
        Workflow.run(settings=settings(STATEFUL, max_examples=SCENARIOS))
    if failures:
        raise failures[0]
    assert len(calls) >= SCENARIOS, f"the stateful phase made only {len(calls)} calls"
