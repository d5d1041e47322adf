"""properties= and skipGeometry= on pages, OGC API items and exports."""

from __future__ import annotations

import csv
import io

import httpx
import orjson
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_event


@pytest.fixture
async def events(session: AsyncSession) -> None:
    for day, fatalities in (("2017-03-01", 4), ("2017-03-02", None), ("2017-03-03", 11)):
        await add_event(session, day, 36.2, 36.2, governorate="SY02", fatalities=fatalities)


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize("path", ["/events", "/collections/events/items"])
async def test_features_with_only_the_named_properties_and_no_geometry(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(
        f"{path}?properties=fatalities,event_date&skipGeometry=true&limit=10"
    )
    assert response.status_code == 200, response.text
    features = response.json()["features"]
    assert len(features) == 3
    for feature in features:
        assert set(feature) >= {"type", "id", "geometry", "properties"}
        assert feature["geometry"] is None
        assert list(feature["properties"]) == ["event_date", "fatalities"]  # the collection's order
    assert [f["properties"]["fatalities"] for f in features] == [11, None, 4]


@pytest.mark.usefixtures("events")
async def test_geometry_stays_unless_skipped(client: httpx.AsyncClient) -> None:
    [feature, *_] = (await client.get("/events?properties=event_type")).json()["features"]
    assert feature["geometry"]["type"] == "Point"
    assert list(feature["properties"]) == ["event_type"]
    [bare, *_] = (await client.get("/events?skipGeometry=true")).json()["features"]
    assert bare["geometry"] is None and "actors" in bare["properties"]


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize(
    "query",
    [
        "f=csv&limit=10&properties=fatalities,event_date&skipGeometry=true",
        "f=csv&properties=fatalities,event_date&skipGeometry=true&datetime=2017-01-01/2017-12-31"
        "&bbox=35,35,38,37",
    ],
)
async def test_csv_pages_and_exports_keep_the_id_and_the_named_columns(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/events?{query}")
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["id", "event_date", "fatalities"]
    assert [r[2] for r in rows[1:]] == ["11", "", "4"]


@pytest.mark.usefixtures("events")
async def test_ndjson_exports_and_ogc_csv_take_the_fields_too(client: httpx.AsyncClient) -> None:
    export = await client.get(
        "/events?f=ndjson&properties=description&datetime=2017-01-01/2017-12-31&bbox=35,35,38,37"
    )
    assert export.status_code == 200, export.text
    lines = [orjson.loads(line) for line in export.text.splitlines()]
    assert len(lines) == 3 and all(list(x["properties"]) == ["description"] for x in lines)
    items = await client.get("/collections/events/items?f=csv&properties=fatalities&skipGeometry=1")
    assert items.text.splitlines()[0] == "id,fatalities"


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize(
    ("query", "name", "words"),
    [
        ("properties=deaths", "properties", "no property 'deaths'"),
        ("properties=", "properties", "is empty"),
        ("f=csv&properties=actors", "properties", "no column 'actors'"),
        ("f=acled&properties=event_date", "properties", "use f=csv"),
        ("f=acled&skipGeometry=true", "skipGeometry", "use f=csv"),
        ("skipGeometry=maybe", "skipGeometry", "true or false"),
    ],
)
async def test_bad_field_choices_are_400s_naming_the_parameter(
    client: httpx.AsyncClient, query: str, name: str, words: str
) -> None:
    response = await client.get(f"/events?{query}&limit=5")
    assert response.status_code == 400
    problem = response.json()
    assert problem["invalid_params"][0]["name"] == name and words in problem["detail"]
