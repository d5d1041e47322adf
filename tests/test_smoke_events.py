import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_event


async def test_events_list_is_a_feature_collection(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    event = await add_event(
        session,
        "2017-09-05",
        40.17,
        35.28,
        governorate="SY09",
        description="Clashes near the airport",
        actors=(("Islamic State (Syria)", "actor1"),),
    )
    await session.commit()
    response = await client.get("/events")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [event.public_id]
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [40.17, 35.28]}
    assert feature["properties"]["actor1"] == "Islamic State (Syria)"
