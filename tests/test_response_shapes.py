"""The JSON that SQL builds matches the models OpenAPI documents, field for field."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.schemas import EventDetail, EventFeatureCollection
from app.main import _fix_responses, create_app
from app.places.schemas import PlaceFeature, PlaceFeatureCollection
from app.reports.schemas import ReportOut
from app.settings import Settings
from app.web.schemas import problem_response
from tests.factories import add_event, add_place, add_report, link_report


async def test_every_body_matches_its_documented_model(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_place(session, "sy-x", 40.1, 35.3, name_ar="س", aliases=("X town",))
    event = await add_event(
        session,
        "2017-09-05",
        40.1,
        35.3,
        place="sy-x",
        actors=(("Islamic State (Syria)", "actor1"),),
    )
    report = await add_report(session, "Fighting near X town on Monday.")
    await link_report(session, event, report, "Fighting near X town")

    EventFeatureCollection.model_validate((await client.get("/events")).json())
    EventFeatureCollection.model_validate((await client.get("/places/sy-x/events")).json())
    detail = (await client.get(f"/events/{event.public_id}")).json()
    EventDetail.model_validate(detail)
    PlaceFeatureCollection.model_validate((await client.get("/places?q=x")).json())
    PlaceFeature.model_validate((await client.get("/places/sy-x")).json())
    ReportOut.model_validate((await client.get(f"/reports/{report.public_id}")).json())

    # and no undocumented property slips into an event Feature
    documented = set(EventDetail.model_fields["properties"].annotation.model_fields)  # type: ignore[union-attr]
    assert set(detail["properties"]) == documented


def test_openapi_documents_created_bodies_and_which_keys_are_optional() -> None:
    paths = create_app(Settings()).openapi()["paths"]
    # a 201 is documented with the route's model, not FastAPI's guess of a string
    created = paths["/reports"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"] == {"$ref": "#/components/schemas/ReportOut"}
    # reads take a key (to see drafts) but do not need one; a bad key is a documented 401
    read = paths["/events/{event_id}"]["get"]
    assert {} in read["security"] and "401" in read["responses"]
    # writes need one
    assert {} not in paths["/events/{event_id}"]["patch"]["security"]


def test_a_422_the_route_documents_is_kept() -> None:
    app = FastAPI()

    @app.post("/x", responses={422: problem_response("Idempotency-Key reused")})
    async def x() -> None: ...

    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/x")
    responses = {"200": {"description": "OK"}, "422": {"description": "Idempotency-Key reused"}}
    _fix_responses(route, responses)
    assert "422" in responses
    del route.responses[422]
    _fix_responses(route, responses)  # FastAPI's own validation 422 goes: ours is a 400
    assert "422" not in responses
