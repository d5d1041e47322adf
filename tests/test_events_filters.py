"""Each common filter of GET /events, on small data arranged per test."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Event
from tests.conftest import Keys
from tests.factories import add_event, add_place


async def ids(client: httpx.AsyncClient, query: str) -> set[str]:
    response = await client.get(f"/events?{query}")
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def pid(*events: Event) -> set[str]:
    return {e.public_id for e in events if e.public_id}


async def test_bbox_keeps_only_events_inside(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    deir = await add_event(session, "2017-09-05", 40.14, 35.33)
    palmyra = await add_event(session, "2017-03-02", 38.27, 34.56)
    idlib = await add_event(session, "2017-04-04", 36.63, 35.93)
    assert await ids(client, "bbox=38,33,41.5,36") == pid(deir, palmyra)
    assert await ids(client, "bbox=36,35,37,36") == pid(idlib)
    # a box edge touching a point counts as inside (closed box, as in OGC API - Features)
    assert await ids(client, "bbox=36.63,35.93,37,36") == pid(idlib)


async def test_datetime_instant_interval_and_open_ends(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    a = await add_event(session, "2016-12-31", 36.3, 33.5)
    b = await add_event(session, "2017-01-01", 36.3, 33.5)
    c = await add_event(session, "2017-12-31", 36.3, 33.5)
    d = await add_event(session, "2018-01-01", 36.3, 33.5)
    assert await ids(client, "datetime=2017-01-01/2017-12-31") == pid(b, c)
    assert await ids(client, "datetime=2017-01-01") == pid(b)
    assert await ids(client, "datetime=2017-01-01T10:00:00Z") == pid(b)
    # a date-time with an offset counts on the UTC day it falls on
    assert await ids(client, "datetime=2017-01-01T01:00:00%2B03:00") == pid(a)
    assert await ids(client, "datetime=../2016-12-31") == pid(a)
    assert await ids(client, "datetime=2017-12-31/..") == pid(c, d)
    assert await ids(client, "datetime=2017-12-31/") == pid(c, d)


async def test_type_and_sub_type_by_acled_names(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    clash = await add_event(session, "2019-05-01", 36.6, 35.9)
    strike = await add_event(
        session,
        "2019-05-02",
        36.6,
        35.9,
        event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike",
    )
    protest = await add_event(
        session, "2019-05-03", 36.6, 35.9, event_type="Protests", sub_event_type="Peaceful protest"
    )
    assert await ids(client, "type=Battles") == pid(clash)
    assert await ids(client, "type=battles,protests") == pid(clash, protest)
    assert await ids(client, "sub_type=Air/drone%20strike") == pid(strike)
    assert await ids(client, "type=Explosions/Remote%20violence&sub_type=Armed%20clash") == set()


async def test_actor_matches_part_of_a_name_in_either_script(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    sdf = await add_event(
        session,
        "2019-03-01",
        40.9,
        34.4,
        actors=(("SDF: Syrian Democratic Forces", "actor1"), ("Islamic State (Syria)", "actor2")),
    )
    other = await add_event(
        session, "2019-03-02", 40.9, 34.4, actors=(("قوات سوريا الديمقراطية", "actor1"),)
    )
    assert await ids(client, "actor=democratic") == pid(sdf)
    assert await ids(client, "actor=Islamic%20State") == pid(sdf)
    # hamza and taa marbuta folded: "الديموقراطيه" is not the same word, "الديمقراطيه" is
    assert await ids(client, "actor=الديمقراطيه") == pid(other)


async def test_governorate_by_ocha_pcode(client: httpx.AsyncClient, session: AsyncSession) -> None:
    deir = await add_event(session, "2020-01-01", 40.14, 35.33, governorate="SY09")
    homs = await add_event(session, "2020-01-01", 36.72, 34.73, governorate="SY04")
    assert await ids(client, "governorate=SY09") == pid(deir)
    assert await ids(client, "governorate=sy09,SY04") == pid(deir, homs)


async def test_q_searches_descriptions_in_arabic_and_english(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    en = await add_event(
        session,
        "2018-02-01",
        36.3,
        33.5,
        description="Airstrikes hit a market in Douma, killing 12 civilians.",
    )
    ar = await add_event(
        session,
        "2018-02-02",
        36.3,
        33.5,
        description="قصفت طائرات حربية مدينةَ إدلب وأدّى القصف إلى مقتل مدنيين.",
    )
    assert await ids(client, "q=airstrikes%20douma") == pid(en)
    assert await ids(client, "q=MARKET") == pid(en)
    assert await ids(client, "q=douma%20aleppo") == set()  # every word must match
    # written without hamza, shadda or case ending, still found
    assert await ids(client, "q=ادلب") == pid(ar)
    assert await ids(client, "q=ادى%20القصف") == pid(ar)
    # a LIKE wildcard in q is a literal character, not "anything"
    assert await ids(client, "q=%25") == set()


async def test_status_defaults_to_published(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    published = await add_event(session, "2021-01-01", 36.3, 33.5)
    draft = await add_event(session, "2021-01-02", 36.3, 33.5, status="draft")
    retracted = await add_event(session, "2021-01-03", 36.3, 33.5, status="retracted")
    assert await ids(client, "") == pid(published)
    assert await ids(client, "status=retracted") == pid(retracted)
    client.headers.update(keys.editor)
    assert await ids(client, "status=draft,published") == pid(draft, published)


async def test_place_matches_linked_events_and_events_inside_its_area(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_place(
        session, "sy-gov-test", 40.1, 35.3, kind="governorate", area=(39.0, 34.0, 41.0, 36.0)
    )
    await add_place(session, "sy-airport-test", 40.17, 35.28, kind="airport")
    linked = await add_event(session, "2017-01-10", 40.17, 35.28, place="sy-airport-test")
    inside = await add_event(session, "2017-01-11", 39.5, 34.5)
    outside = await add_event(session, "2017-01-12", 36.3, 33.5)
    assert await ids(client, "place=sy-airport-test") == pid(linked)
    assert await ids(client, "place=sy-gov-test") == pid(linked, inside)
    assert outside.public_id not in await ids(client, "place=sy-gov-test")


async def test_place_with_radius_uses_true_distance(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_place(session, "sy-centre", 38.0, 34.0)
    # 0.1 degree of latitude is about 11.1 km
    near = await add_event(session, "2022-01-01", 38.0, 34.1)
    far = await add_event(session, "2022-01-01", 38.0, 34.2)
    assert await ids(client, "place=sy-centre&radius_km=12") == pid(near)
    assert await ids(client, "place=sy-centre&radius_km=25") == pid(near, far)


@pytest.mark.parametrize(
    "query", ["bbox=38,33,41.5,36&datetime=2017", "governorate=SY15", "type=Skirmish"]
)
async def test_filters_reject_bad_values_with_400(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/events?{query}")
    assert response.status_code == 400


async def test_places_events_is_the_place_filter(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_place(session, "sy-tanf-test", 38.63, 33.50, kind="border_crossing")
    at = await add_event(session, "2017-06-08", 38.63, 33.50, place="sy-tanf-test")
    near = await add_event(session, "2017-06-09", 38.70, 33.52)
    response = await client.get("/places/sy-tanf-test/events")
    assert {f["id"] for f in response.json()["features"]} == pid(at)
    response = await client.get("/places/sy-tanf-test/events?radius_km=20")
    assert {f["id"] for f in response.json()["features"]} == pid(at, near)
    assert (await client.get("/places/nowhere/events")).status_code == 404
