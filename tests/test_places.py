"""GET /places and /places/{id}: names in either script, kind, bbox and distance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.places.repository import search_sql
from tests.factories import add_place


async def _gazetteer(session: AsyncSession) -> None:
    await add_place(
        session,
        "sy-deir-ez-zor",
        40.14,
        35.33,
        name_en="Deir ez-Zor",
        name_ar="دير الزور",
        governorate="SY09",
        population=211857,
        aliases=("Dayr az-Zawr", "Deir Ezzor", "ديرالزور"),
    )
    await add_place(
        session,
        "sy-deir-ez-zor-airport",
        40.17,
        35.28,
        name_en="Deir ez-Zor military airport",
        name_ar="مطار دير الزور العسكري",
        kind="airport",
        governorate="SY09",
    )
    await add_place(
        session,
        "sy-idlib",
        36.63,
        35.93,
        name_en="Idlib",
        name_ar="إدلب",
        governorate="SY07",
        population=165000,
    )
    await add_place(session, "iq-baghdad", 44.36, 33.31, name_en="Baghdad", name_ar="بغداد")


async def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


async def test_q_finds_places_by_any_name_best_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _gazetteer(session)
    assert (await names(await client.get("/places?q=دير الزور")))[0] == "sy-deir-ez-zor"
    assert (await names(await client.get("/places?q=Dayr az-Zawr")))[0] == "sy-deir-ez-zor"
    assert (await names(await client.get("/places?q=deir ezzor")))[0] == "sy-deir-ez-zor"
    # without hamza, and with a diacritic: the Arabic orthography is folded
    assert (await names(await client.get("/places?q=ادلب")))[0] == "sy-idlib"
    assert (await names(await client.get("/places?q=إدْلِب")))[0] == "sy-idlib"
    found = await names(await client.get("/places?q=مطار دير الزور"))
    assert found[0] == "sy-deir-ez-zor-airport"


async def test_a_place_carries_the_contract_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _gazetteer(session)
    feature = (await client.get("/places/sy-deir-ez-zor")).json()
    props = feature["properties"]
    assert feature["geometry"]["coordinates"] == [40.14, 35.33]
    assert (props["longitude"], props["latitude"]) == (40.14, 35.33)
    assert props["name_ar"] == "دير الزور" and props["governorate_pcode"] == "SY09"
    assert set(props["aliases"]) == {"Dayr az-Zawr", "Deir Ezzor", "ديرالزور"}
    abroad = (await client.get("/places/iq-baghdad")).json()["properties"]
    assert abroad["governorate_pcode"] is None


async def test_kind_bbox_and_near(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _gazetteer(session)
    assert await names(await client.get("/places?kind=airport")) == ["sy-deir-ez-zor-airport"]
    assert set(await names(await client.get("/places?bbox=39,35,41,36"))) == {
        "sy-deir-ez-zor",
        "sy-deir-ez-zor-airport",
    }
    nearest = await names(await client.get("/places?near=40.16,35.29"))
    assert nearest[:2] == ["sy-deir-ez-zor-airport", "sy-deir-ez-zor"]
    within = await names(await client.get("/places?near=40.16,35.29&radius_km=10"))
    assert set(within) == {"sy-deir-ez-zor-airport", "sy-deir-ez-zor"}


async def test_plain_listing_pages_by_id(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _gazetteer(session)
    url = "/places?limit=3&bbox=30,30,50,40"
    seen: list[str] = []
    while url:
        body = (await client.get(url)).json()
        seen += [f["id"] for f in body["features"]]
        url = next((lk["href"] for lk in body["links"] if lk["rel"] == "next"), "")
    assert seen == sorted(seen) and len(seen) == 4


# About as many places as a full GeoNames import for Syria, spread over the country (the
# seed makes the same ones every run).
GEONAMES_SIZED = """
INSERT INTO places (id, name_en, kind, geom, source)
SELECT 'gn-' || n, 'Place ' || n, 'village',
       ST_SetSRID(ST_MakePoint(35.7 + random() * 6.7, 32.3 + random() * 5.1), 4326), 'test'
FROM (SELECT setseed(0.14)) s, generate_series(1, 50000) n
"""


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


async def test_a_radius_search_uses_the_spatial_index(conn: AsyncConnection) -> None:
    await conn.execute(text(GEONAMES_SIZED))
    await conn.execute(text("ANALYZE places"))
    criteria: dict[str, Any] = {"query": None, "kinds": [], "bbox": None, "after": None}
    sql, params = search_sql(**criteria, near=(36.3, 33.5), radius_km=25, limit=10_000)
    explained = (await conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params)).scalar_one()
    plan = json.loads(explained) if isinstance(explained, str) else explained
    scans = [n for n in _plan_nodes(plan[0]["Plan"]) if n.get("Index Name") == "ix_places_geom"]
    # The box narrows down in the index; ST_DWithin on geography could not use it.
    assert any("&&" in n.get("Index Cond", "") for n in scans), json.dumps(plan, indent=1)

    found = {r._id for r in (await conn.execute(text(sql), params)).all()}
    exact = (
        await conn.execute(
            text(
                "SELECT id FROM places WHERE ST_DWithin(geom::geography,"
                " ST_SetSRID(ST_MakePoint(36.3, 33.5), 4326)::geography, 25000)"
            )
        )
    ).scalars()
    assert found == set(exact) and len(found) > 100, "the box drops no place in the radius"
