"""GET /events/{id}: the event with its places, its reports (quoted words) and its actors."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import EventPlace
from tests.conftest import Keys
from tests.factories import add_airport, add_event, add_place, add_report, link_report

BODY = (
    "Government forces said on Tuesday they had broken the siege of the military airport "
    "east of Deir ez-Zor after three years."
)
QUOTE = "broken the siege of the military airport"


async def test_detail_links_places_reports_with_quotes_and_actors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_airport(session)
    await add_place(
        session, "sy-city-test", 40.14, 35.33, name_en="Deir ez-Zor", governorate="SY09"
    )
    event = await add_event(
        session,
        "2017-09-05",
        40.17,
        35.28,
        place="sy-airport-test",
        governorate="SY09",
        event_type="Battles",
        sub_event_type="Government regains territory",
        actors=(
            ("Military Forces of Syria (2000-2024)", "actor1"),
            ("Islamic State (Syria)", "actor2"),
        ),
    )
    assert event.id is not None
    session.add(EventPlace(event_id=event.id, place_id="sy-city-test", role="mentioned"))
    report = await add_report(session, BODY, title="Siege broken")
    await link_report(session, event, report, QUOTE)

    response = await client.get(f"/events/{event.public_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    assert feature["id"] == event.public_id
    props = feature["properties"]
    assert [(p["id"], p["role"]) for p in props["places"]] == [
        ("sy-airport-test", "primary"),
        ("sy-city-test", "mentioned"),
    ]
    assert props["places"][0]["name_ar"] == "مطار دير الزور العسكري"
    assert props["places"][0]["longitude"] == 40.17
    [linked] = props["reports"]
    assert linked["id"] == report.public_id and linked["quote"] == QUOTE
    assert BODY[linked["quote_start"] : linked["quote_end"]] == QUOTE
    assert [(a["name"], a["side"]) for a in props["actors"]] == [
        ("Military Forces of Syria (2000-2024)", "actor1"),
        ("Islamic State (Syria)", "actor2"),
    ]


async def test_a_draft_is_hidden_from_readers_without_a_key(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    event = await add_event(session, "2017-09-05", 40.17, 35.28, status="draft")
    assert (await client.get(f"/events/{event.public_id}")).status_code == 404
    response = await client.get(f"/events/{event.public_id}", headers=keys.editor)
    assert response.json()["properties"]["status"] == "draft"


async def test_renaming_a_place_changes_the_etag_of_the_events_that_name_it(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    await add_place(session, "sy-hazano-test", 36.78, 36.13, name_en="Hazano")
    event = await add_event(session, "2024-03-02", 36.78, 36.13, place="sy-hazano-test")
    url = f"/events/{event.public_id}"
    read = await client.get(url)
    old = read.headers["etag"]
    assert read.json()["properties"]["place_name"] == "Hazano"
    assert (await client.get(url, headers={"If-None-Match": old})).status_code == 304

    renamed = await client.patch(
        "/places/sy-hazano-test", json={"name_en": "Hazanu"}, headers=keys.editor
    )
    assert renamed.status_code == 200, renamed.text

    fresh = await client.get(url, headers={"If-None-Match": old})
    assert fresh.status_code == 200, "the old copy names the old name"
    assert fresh.json()["properties"]["place_name"] == "Hazanu"
    new = fresh.headers["etag"]
    assert new != old and new.startswith('"1-'), "the event itself did not change"
    assert (await client.get(url, headers={"If-None-Match": new})).status_code == 304
    # A write based on the copy read before the rename still applies: If-Match guards the
    # event's own fields, which no one changed.
    patched = await client.patch(
        url, json={"properties": {"fatalities": 1}}, headers={**keys.editor, "If-Match": old}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == (await client.get(url)).headers["etag"]
