"""The JSON that SQL builds matches the models OpenAPI documents, field for field."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.schemas import EventDetail, EventFeatureCollection
from app.places.schemas import PlaceFeature, PlaceFeatureCollection
from app.reports.schemas import ReportOut
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
