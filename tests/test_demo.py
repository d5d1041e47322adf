"""The built-in gazetteer and demo data: consistent, idempotent, and the README's query works."""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo.loader import _data, load_demo_data
from app.gazetteer.loader import builtin_places, curated_places, upsert_places
from app.taxonomy import GOVERNORATES, PLACE_KINDS, SUB_EVENT_TYPES

KEY_PLACES = {
    "sy-deir-ez-zor-military-airport",
    "sy-al-tanf-crossing",
    "sy-hmeimim-air-base",
    "sy-qamishli-airport",
}


async def load_all(session: AsyncSession) -> tuple[int, int]:
    await upsert_places(session, builtin_places())
    return await load_demo_data(session)


def test_builtin_gazetteer_is_well_formed() -> None:
    places = curated_places()
    ids = [p["id"] for p in places]
    assert len(ids) == len(set(ids))
    governorates = {p["pcode"] for p in places if p["kind"] == "governorate"}
    assert governorates == set(GOVERNORATES)
    assert KEY_PLACES <= set(ids)
    for place in places:
        assert place["kind"] in PLACE_KINDS, place["id"]
        assert place["name_ar"] and place["name_en"], place["id"]
        if place["governorate_pcode"] is not None:
            # inside Syria's extent, longitude first
            assert 35.5 <= place["lon"] <= 42.5 and 32.2 <= place["lat"] <= 37.4, place["id"]
    everything = builtin_places()
    assert len({p["id"] for p in everything}) == len(everything)
    geonames = [p for p in everything if p["source"] == "geonames"]
    assert len(geonames) > 200
    assert all(p["country_code"] == "SY" and p["governorate_pcode"] for p in geonames)


def test_demo_events_cover_years_types_and_governorates() -> None:
    events = [e for e in _data("events") if e.get("status", "published") == "published"]
    years = {int(e["event_date"][:4]) for e in events}
    assert set(range(2015, 2025)) <= years
    assert len({SUB_EVENT_TYPES[e["sub_event_type"]] for e in events}) == 6
    assert all(SUB_EVENT_TYPES[e["sub_event_type"]] == e["event_type"] for e in _data("events"))
    languages = Counter(r["language"] for r in _data("reports"))
    assert languages["ar"] >= 5 and languages["en"] >= 5


async def test_demo_loads_once_and_links_everything(session: AsyncSession) -> None:
    reports, events = await load_all(session)
    assert reports == len(_data("reports")) and events == len(_data("events"))
    assert await load_all(session) == (0, 0)  # a re-run adds nothing
    conn = await session.connection()
    mentions_ok = (
        await conn.execute(
            text(
                "SELECT bool_and(substr(r.body, m.start_offset + 1, m.end_offset - m.start_offset)"
                " = m.text) FROM report_mentions m JOIN reports r ON r.id = m.report_id"
            )
        )
    ).scalar_one()
    quotes_ok = (
        await conn.execute(
            text(
                "SELECT bool_and(substr(r.body, q.quote_start + 1, q.quote_end - q.quote_start)"
                " = q.quote) FROM event_reports q JOIN reports r ON r.id = q.report_id"
            )
        )
    ).scalar_one()
    assert mentions_ok and quotes_ok
    governorates = (
        await conn.execute(
            text("SELECT count(DISTINCT governorate_pcode) FROM events WHERE source = 'demo'")
        )
    ).scalar_one()
    assert governorates >= 10


async def test_the_readme_query_answers_demo_events_in_the_box_and_year(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await load_all(session)
    response = await client.get("/events?bbox=38,33,41.5,36&datetime=2017-01-01/2017-12-31")
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) >= 5
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert 38 <= lon <= 41.5 and 33 <= lat <= 36
        assert feature["properties"]["event_date"].startswith("2017-")
        assert feature["properties"]["status"] == "published"
    everything = (await client.get("/events?datetime=2017-01-01/2017-12-31")).json()
    assert len(everything["features"]) > len(features)  # the box really filtered


async def test_demo_events_show_their_sources(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await load_all(session)
    body = (await client.get("/events?place=sy-deir-ez-zor-military-airport")).json()
    assert body["features"], "the demo has events at Deir ez-Zor military airport"
    linked = 0
    for feature in (await client.get("/events?limit=200")).json()["features"]:
        response = await client.get(f"/events/{feature['id']}")
        assert response.status_code == 200, response.text
        detail = response.json()
        for report in detail["properties"]["reports"]:
            linked += 1
            full = (await client.get(f"/reports/{report['id']}")).json()
            assert full["body"][report["quote_start"] : report["quote_end"]] == report["quote"]
    assert linked >= 20
