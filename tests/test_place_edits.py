"""Editors add and correct places; the geoparser finds them in the next report."""

from __future__ import annotations

import httpx

from tests.conftest import Keys

HAZANO = {
    "id": "sy-hazano-test",
    "name_en": "Hazano",
    "name_ar": "حزانو",
    "kind": "town",
    "geometry": {"type": "Point", "coordinates": [36.78, 36.13]},
    "governorate_pcode": "SY07",
    "aliases": ["Hazzano"],
}


async def test_editors_add_places_that_reports_then_name(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    assert (await client.post("/places", json=HAZANO, headers=keys.analyst)).status_code == 403
    created = await client.post("/places", json=HAZANO, headers=keys.editor)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/places/sy-hazano-test"
    assert created.json()["properties"]["aliases"] == ["Hazzano"]
    again = await client.post("/places", json=HAZANO, headers=keys.editor)
    assert again.status_code == 409
    report = await client.post(
        "/reports",
        json={"body": "قصفت طائرات مسيّرة سيارة في بلدة حزانو بريف إدلب."},
        headers=keys.analyst,
    )
    assert report.status_code == 201
    assert "sy-hazano-test" in {m["place"]["id"] for m in report.json()["mentions"]}


async def test_editors_correct_a_place(client: httpx.AsyncClient, keys: Keys) -> None:
    await client.post("/places", json=HAZANO, headers=keys.editor)
    url = "/places/sy-hazano-test"
    patched = await client.patch(
        url,
        json={"name_en": "Hazanu", "aliases": ["Hazzano", "Hazano"], "population": 9000},
        headers=keys.editor,
    )
    assert patched.status_code == 200, patched.text
    props = patched.json()["properties"]
    assert (props["name_en"], props["population"]) == ("Hazanu", 9000)
    assert props["name_ar"] == "حزانو", "untouched members stay"
    found = await client.get("/places", params={"q": "Hazano"})
    assert found.json()["features"][0]["id"] == "sy-hazano-test"
    for bad in ({"kind": "castle"}, {"name_en": None}, {"geometry": {"type": "Point"}}):
        response = await client.patch(url, json=bad, headers=keys.editor)
        assert response.status_code == 400, bad
    assert (
        await client.patch("/places/sy-nowhere", json={}, headers=keys.editor)
    ).status_code == 404
    assert (await client.patch(url, json={}, headers=keys.analyst)).status_code == 403
