"""GeoJSON, CSV and NDJSON, chosen by f= or Accept; exports stream every match."""

from __future__ import annotations

import csv
import io

import httpx
import orjson
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.repository import CSV_COLUMNS
from tests.factories import add_event, add_place


async def _two_events(session: AsyncSession) -> None:
    await add_place(
        session,
        "sy-deir-test",
        40.14,
        35.33,
        name_en="Deir ez-Zor",
        name_ar="دير الزور",
        governorate="SY09",
    )
    await add_event(
        session,
        "2017-09-05",
        40.14,
        35.33,
        place="sy-deir-test",
        governorate="SY09",
        fatalities=None,
        description='Shelling, "heavy" at dawn; قصف مدفعي',
        actors=(
            ("Military Forces of Syria (2000-2024)", "actor1"),
            ("Islamic State (Syria)", "actor2"),
        ),
    )
    await add_event(session, "2017-09-04", 40.2, 35.3, governorate="SY09", fatalities=3)


async def test_geojson_is_rfc7946_with_lon_lat(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _two_events(session)
    response = await client.get("/events?governorate=SY09")
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["numberReturned"] == 2
    first = body["features"][0]
    assert first["geometry"]["coordinates"] == [40.14, 35.33]
    props = first["properties"]
    for key in (
        "event_date",
        "time_precision",
        "event_type",
        "sub_event_type",
        "description",
        "fatalities",
        "geo_precision",
        "governorate_pcode",
        "status",
        "version",
        "updated_at",
    ):
        assert key in props
    assert props["event_date"] == "2017-09-05"
    assert props["fatalities"] is None
    assert props["place_name"] == "Deir ez-Zor" and props["place_name_ar"] == "دير الزور"
    assert props["updated_at"].endswith("+00:00")
    assert {a["side"] for a in props["actors"]} == {"actor1", "actor2"}
    assert {link["rel"] for link in body["links"]} == {"self", "cite-as"}


async def test_csv_by_f_has_a_header_and_quotes_text(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _two_events(session)
    response = await client.get("/events?governorate=SY09&f=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["event_date"] for r in rows] == ["2017-09-05", "2017-09-04"]
    assert rows[0]["description"] == 'Shelling, "heavy" at dawn; قصف مدفعي'
    assert rows[0]["actor1"] == "Military Forces of Syria (2000-2024)"
    assert (rows[0]["longitude"], rows[0]["latitude"]) == ("40.140000", "35.330000")
    assert rows[0]["fatalities"] == "" and rows[1]["fatalities"] == "3"


async def test_ndjson_by_accept_is_one_feature_per_line(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _two_events(session)
    response = await client.get(
        "/events?governorate=SY09", headers={"Accept": "application/x-ndjson"}
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.strip().split("\n")
    features = [orjson.loads(line) for line in lines]
    assert [f["type"] for f in features] == ["Feature", "Feature"]


async def test_accept_csv_and_f_wins_over_accept(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _two_events(session)
    by_accept = await client.get("/events", headers={"Accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")
    by_f = await client.get("/events?f=geojson", headers={"Accept": "text/csv"})
    assert by_f.headers["content-type"] == "application/geo+json"


async def test_export_without_limit_streams_every_row(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2015-01-01", 36.3, 33.5)
    await session.flush()
    # 1,500 more rows, more than the default page of 100 and the stream's batch of 500
    await (await session.connection()).execute(
        text(
            "INSERT INTO events (event_date, event_type, sub_event_type, geom, status)"
            " SELECT date '2016-01-01' + i, 'Battles', 'Armed clash',"
            " ST_SetSRID(ST_MakePoint(36.3, 33.5), 4326), 'published'"
            " FROM generate_series(1, 1500) i"
        )
    )
    csv_rows = (await client.get("/events?f=csv")).text.strip().split("\n")
    assert len(csv_rows) == 1 + 1501
    ndjson_rows = (await client.get("/events?f=ndjson")).text.strip().split("\n")
    assert len(ndjson_rows) == 1501
    assert len({orjson.loads(line)["id"] for line in ndjson_rows}) == 1501


async def test_csv_with_limit_pages_by_link_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _two_events(session)
    first = await client.get("/events?f=csv&limit=1&count=true")
    assert len(first.text.strip().split("\n")) == 2
    assert first.headers["X-Total-Count"] == "2"
    link = first.headers["Link"]
    next_url = link[link.index("<") + 1 : link.index(">")]
    second = await client.get(next_url)
    assert second.text.strip().split("\n")[1].split(",")[1] == "2017-09-04"
    assert 'rel="next"' not in second.headers["Link"]  # the last page: only its cite-as
