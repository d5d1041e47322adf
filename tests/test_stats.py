"""Statistics: exact counts and fatalities from events arranged per test."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from pyproj import Transformer
from shapely.geometry import Point, shape
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Actor, EventActor
from app.stats import service
from tests.conftest import Keys, Live
from tests.factories import add_event
from tests.test_event_writes import feature

RAQQA = (39.01, 35.95)
IDLEB = (36.63, 35.93)


def tolls(fatalities: Any) -> dict[str, Any]:
    """Every sum of events that know no range (a number, or one per period): their low and
    high sums are their fatalities, their civilian deaths 0 (tests/test_fatality_ranges.py
    sums known ranges)."""
    none = [0] * len(fatalities) if isinstance(fatalities, list) else 0
    return {"fatalities": fatalities, "fatalities_low": fatalities,
            "fatalities_high": fatalities, "civilian_fatalities": none}  # fmt: skip


async def get(client: httpx.AsyncClient, path: str, **params: str) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_monthly_series_has_every_period_of_the_range_with_zeros(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2017-01-03", *RAQQA, fatalities=3)
    await add_event(session, "2017-01-31", *RAQQA, fatalities=4)
    await add_event(session, "2017-03-15", *RAQQA, fatalities=None)
    await add_event(session, "2016-12-31", *RAQQA, fatalities=100)  # outside the range
    doc = await get(client, "/stats/timeseries", datetime="2017-01-01/2017-04-30")
    assert doc == {
        "interval": "month",
        "group_by": None,
        "periods": ["2017-01-01", "2017-02-01", "2017-03-01", "2017-04-01"],
        "totals": {"count": [2, 0, 1, 0], **tolls([7, 0, 0, 0])},
        "series": [],
        "groups_matched": None,
    }
    # An open end runs to the last (or from the first) matching event's period.
    doc = await get(client, "/stats/timeseries", datetime="2017-01-01/..", interval="year")
    assert (doc["periods"], doc["totals"]["count"]) == (["2017-01-01"], [3])
    doc = await get(client, "/stats/timeseries")
    assert doc["periods"][0] == "2016-12-01" and doc["periods"][-1] == "2017-03-01"
    assert doc["totals"]["count"] == [1, 2, 0, 1]
    # Nothing matches and no range given: no periods at all.
    doc = await get(client, "/stats/timeseries", type="Riots")
    assert doc["periods"] == [] and doc["totals"] == {"count": [], **tolls([])}


async def test_weeks_by_type_are_iso_weeks_and_series_come_largest_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    strike = {"event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike"}
    await add_event(session, "2019-04-01", *IDLEB, fatalities=1)  # a Monday
    await add_event(session, "2019-04-07", *IDLEB, fatalities=2, **strike)  # Sunday, same week
    await add_event(session, "2019-04-08", *IDLEB, fatalities=5, **strike)
    await add_event(session, "2019-04-16", *IDLEB, fatalities=0, **strike)
    doc = await get(
        client,
        "/stats/timeseries",
        interval="week",
        group_by="type",
        datetime="2019-04-03/2019-04-20",
    )
    assert doc["periods"] == ["2019-04-01", "2019-04-08", "2019-04-15"]
    assert doc["totals"] == {"count": [1, 1, 1], **tolls([2, 5, 0])}, "from 04-03 on"
    assert doc["series"] == [
        {"group": "Explosions/Remote violence", "count": [1, 1, 1], **tolls([2, 5, 0])},
    ]
    assert doc["groups_matched"] == 1
    doc = await get(client, "/stats/timeseries", interval="week", group_by="sub_type")
    assert [(s["group"], s["count"]) for s in doc["series"]] == [
        ("Air/drone strike", [1, 1, 1]),
        ("Armed clash", [1, 0, 0]),
    ]
    doc = await get(client, "/stats/timeseries", interval="day", datetime="2019-04-06/2019-04-08")
    assert doc["totals"]["count"] == [0, 1, 1]


async def test_governorates_and_actors_as_groups(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    isis, sdf = "Islamic State (Syria)", "Syrian Democratic Forces"
    both = ((isis, "actor1"), (sdf, "actor2"))
    await add_event(session, "2017-06-10", *RAQQA, fatalities=10, governorate="SY11", actors=both)
    second = await add_event(session, "2017-06-20", *RAQQA, fatalities=1, governorate="SY11")
    actor = (await session.exec(select(Actor).where(Actor.name == sdf))).one()
    session.add(EventActor(event_id=second.id, actor_id=actor.id, side="actor1"))
    await add_event(session, "2017-07-02", 40.0, 36.5, fatalities=2)  # no governorate, no actor
    doc = await get(client, "/stats/timeseries", group_by="governorate")
    assert doc["periods"] == ["2017-06-01", "2017-07-01"]
    assert doc["series"] == [
        {"group": "SY11", "count": [2, 0], **tolls([11, 0])},
        {"group": None, "count": [0, 1], **tolls([0, 2])},
    ]
    doc = await get(client, "/stats/timeseries", group_by="actor")
    assert doc["series"] == [
        {"group": sdf, "count": [2, 0], **tolls([11, 0])},
        {"group": isis, "count": [1, 0], **tolls([10, 0])},
        {"group": None, "count": [0, 1], **tolls([0, 2])},
    ]
    # Each event once in the totals, whatever its number of actors.
    assert doc["totals"] == {"count": [2, 1], **tolls([11, 2])}
    assert doc["groups_matched"] == 3
    top = await get(client, "/stats/timeseries", group_by="actor", top="1")
    assert [s["group"] for s in top["series"]] == [sdf]
    assert top["groups_matched"] == 3
    filtered = await get(client, "/stats/timeseries", group_by="actor", actor="islamic")
    assert [s["group"] for s in filtered["series"]] == [isis, sdf], "ties by name"


async def test_timeseries_as_csv(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await add_event(session, "2020-01-05", *IDLEB, fatalities=2, governorate="SY07")
    await add_event(session, "2020-03-05", *RAQQA, fatalities=3, governorate="SY11")
    response = await client.get(
        "/stats/timeseries",
        params={"group_by": "governorate", "f": "csv", "datetime": "2020-01-01/2020-03-31"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text == (
        "period,group,count,fatalities,fatalities_low,fatalities_high,civilian_fatalities\n"
        "2020-01-01,SY07,1,2,2,2,0\n2020-02-01,SY07,0,0,0,0,0\n2020-03-01,SY07,0,0,0,0,0\n"
        "2020-01-01,SY11,0,0,0,0,0\n2020-02-01,SY11,0,0,0,0,0\n2020-03-01,SY11,1,3,3,3,0\n"
    )
    plain = await client.get(
        "/stats/timeseries",
        params={"datetime": "2020-01-01/2020-02-29"},
        headers={"Accept": "text/csv"},
    )
    assert plain.text == (
        "period,count,fatalities,fatalities_low,fatalities_high,civilian_fatalities\n"
        "2020-01-01,1,2,2,2,0\n2020-02-01,0,0,0,0,0\n"
    )


async def test_too_long_a_series_is_a_400_naming_interval(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/stats/timeseries",
        params={"interval": "day", "group_by": "sub_type", "datetime": "1990-01-01/2024-12-31"},
    )
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "interval"
    ok = await client.get(
        "/stats/timeseries",
        params={"interval": "month", "group_by": "sub_type", "datetime": "1990-01-01/2024-12-31"},
    )
    assert ok.status_code == 200 and len(ok.json()["periods"]) == 35 * 12


async def test_summary_by_governorate_and_type(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    riot = {"event_type": "Riots", "sub_event_type": "Mob violence"}
    await add_event(session, "2018-02-01", *IDLEB, fatalities=4, governorate="SY07")
    await add_event(session, "2018-05-01", *IDLEB, fatalities=None, governorate="SY07", **riot)
    await add_event(session, "2019-01-01", *RAQQA, fatalities=6, governorate="SY11")
    await add_event(session, "2019-03-01", 40.0, 36.5, fatalities=1)
    await add_event(session, "2019-03-01", *RAQQA, fatalities=50, status="retracted")
    doc = await get(client, "/stats/summary")
    assert doc["total"] == {
        "count": 4,
        **tolls(11),
        "first_date": "2018-02-01",
        "last_date": "2019-03-01",
    }
    by_gov = {g["governorate_pcode"]: g for g in doc["by_governorate"]}
    assert len(doc["by_governorate"]) == 15, "the 14 governorates and one row without"
    assert [g["governorate_pcode"] for g in doc["by_governorate"]][:3] == ["SY01", "SY02", "SY03"]
    assert by_gov["SY07"] == {
        "governorate_pcode": "SY07",
        "name": "Idleb",
        "count": 2,
        **tolls(4),
    }
    assert by_gov["SY11"]["count"] == 1 and by_gov["SY11"]["fatalities"] == 6
    assert by_gov[None] == {"governorate_pcode": None, "name": None, "count": 1, **tolls(1)}
    assert by_gov["SY01"] == {
        "governorate_pcode": "SY01",
        "name": "Damascus",
        "count": 0,
        **tolls(0),
    }
    by_type = {t["event_type"]: (t["count"], t["fatalities"]) for t in doc["by_type"]}
    assert by_type == {
        "Battles": (3, 11),
        "Explosions/Remote violence": (0, 0),
        "Violence against civilians": (0, 0),
        "Protests": (0, 0),
        "Riots": (1, 0),
        "Strategic developments": (0, 0),
    }
    filtered = await get(client, "/stats/summary", governorate="SY07", datetime="2018-03-01/..")
    assert filtered["total"]["count"] == 1 and filtered["total"]["fatalities"] == 0
    assert len(filtered["by_governorate"]) == 14, "no row without a governorate when none"
    empty = await get(client, "/stats/summary", q="nothing-matches-this")
    assert empty["total"] == {
        "count": 0,
        **tolls(0),
        "first_date": None,
        "last_date": None,
    }
    retracted = await get(client, "/stats/summary", status="retracted")
    assert retracted["total"]["fatalities"] == 50
    riots = await get(client, "/stats/summary", type="Riots")
    assert (riots["total"]["count"], riots["total"]["first_date"]) == (1, "2018-05-01")


TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)


def area_km2(polygon: dict[str, Any]) -> float:
    """The polygon's area on the equal-area projection (shoelace), from its GeoJSON ring."""
    ring = [TO_GRID.transform(lon, lat) for lon, lat in polygon["coordinates"][0]]
    twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    return abs(twice) / 2 / 1e6


@pytest.mark.parametrize(("shape_name", "area"), [("square", 100.0), ("hexagon", 259.808)])
async def test_grid_bins_events_into_equal_area_cells(
    client: httpx.AsyncClient, session: AsyncSession, shape_name: str, area: float
) -> None:
    city = [(39.0100, 35.9500, 2), (39.0110, 35.9505, None), (39.0105, 35.9495, 5)]
    for lon, lat, dead in city:
        await add_event(session, "2017-06-01", lon, lat, fatalities=dead)
    await add_event(session, "2017-06-01", *IDLEB, fatalities=9)
    doc = await get(client, "/stats/grid", shape=shape_name, size_km="10")
    assert doc["type"] == "FeatureCollection"
    assert doc["grid"] == {
        "shape": shape_name,
        "size_km": 10.0,
        "cell_area_km2": area,
        "crs": "EPSG:6933",
    }
    cells = sorted(doc["features"], key=lambda f: f["properties"]["count"])
    assert [(c["properties"]["count"], c["properties"]["fatalities"]) for c in cells] == [
        (1, 9),
        (3, 7),
    ]
    assert doc["numberReturned"] == 2
    for cell, points in ((cells[0], [IDLEB]), (cells[1], [(lon, lat) for lon, lat, _ in city])):
        polygon = shape(cell["geometry"])
        assert all(polygon.contains(Point(p)) for p in points)
        assert cell["id"] == f"{cell['properties']['col']}_{cell['properties']['row']}"
        assert abs(area_km2(cell["geometry"]) - area) / area < 0.001
    assert len(cells[1]["geometry"]["coordinates"][0]) == (5 if shape_name == "square" else 7)


async def test_grid_cells_keep_their_ids_and_filters_apply(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2017-06-01", *RAQQA, fatalities=1)
    await add_event(
        session,
        "2018-06-01",
        *RAQQA,
        fatalities=2,
        event_type="Riots",
        sub_event_type="Mob violence",
    )
    all_cells = (await get(client, "/stats/grid"))["features"]
    riots = (await get(client, "/stats/grid", type="Riots"))["features"]
    assert [c["properties"]["count"] for c in all_cells] == [2]
    assert [(c["properties"]["count"], c["properties"]["fatalities"]) for c in riots] == [(1, 2)]
    assert riots[0]["id"] == all_cells[0]["id"], "the same cell under other filters"
    none = await get(client, "/stats/grid", bbox="36,32,37,33")
    assert none["features"] == [] and none["numberReturned"] == 0
    response = await client.get("/stats/grid")
    assert response.headers["content-type"] == "application/geo+json"


async def test_too_many_cells_is_a_400_naming_size_km(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_event(session, "2017-06-01", *RAQQA)
    await add_event(session, "2017-06-01", *IDLEB)
    monkeypatch.setattr(service, "MAX_CELLS", 1)
    response = await client.get("/stats/grid", params={"size_km": "5"})
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "size_km"
    assert (await client.get("/stats/grid", params={"size_km": "500"})).status_code == 200


async def test_bad_statistics_parameters_are_400s_naming_them(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    cases = [
        ("/stats/timeseries", {"interval": "hour"}, "interval"),
        ("/stats/timeseries", {"group_by": "colour"}, "group_by"),
        ("/stats/timeseries", {"group_by": "type", "top": "0"}, "top"),
        ("/stats/timeseries", {"top": "many"}, "top"),
        ("/stats/timeseries", {"f": "xml"}, "f"),
        ("/stats/timeseries", {"datetime": "2017-13-01"}, "datetime"),
        ("/stats/timeseries", {"limit": "10"}, "limit"),
        ("/stats/summary", {"governorate": "SY15"}, "governorate"),
        ("/stats/summary", {"place": "sy-nowhere"}, "place"),
        ("/stats/summary", {"interval": "day"}, "interval"),
        ("/stats/grid", {"size_km": "0.5"}, "size_km"),
        ("/stats/grid", {"size_km": "501"}, "size_km"),
        ("/stats/grid", {"size_km": "nan"}, "size_km"),
        ("/stats/grid", {"shape": "circle"}, "shape"),
        ("/stats/grid", {"bbox": "1,2,3"}, "bbox"),
    ]
    for path, params, name in cases:
        response = await client.get(path, params=params)
        assert response.status_code == 400, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["invalid_params"][0]["name"] == name, (path, params)
    for path in ("/stats/timeseries", "/stats/summary", "/stats/grid"):
        assert (await client.get(path, params={"status": "draft"})).status_code == 401
        with_key = await client.get(path, params={"status": "draft"}, headers=keys.editor)
        assert with_key.status_code == 200


async def test_statistics_as_of_count_the_events_as_they_stood(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post(
        "/events", json=feature(fatalities=2, status="published"), headers=keys.editor
    )
    event_id = created.json()["id"]
    await client.delete(
        f"/events/{event_id}?reason=dup", headers={**keys.editor, "If-Match": '"1"'}
    )
    [version] = [
        v for v in (await client.get(f"/events/{event_id}/history")).json()["versions"]
        if v["op"] == "create"
    ]  # fmt: skip
    then = {"as_of": version["changed_at"]}
    summary = (await client.get("/stats/summary", params=then)).json()
    assert (summary["total"]["count"], summary["total"]["fatalities"]) == (1, 2)
    assert (await client.get("/stats/summary")).json()["total"]["count"] == 0
    series = (await client.get("/stats/timeseries", params={**then, "group_by": "actor"})).json()
    assert series["totals"] == {"count": [1], **tolls([2])}
    assert series["periods"] == ["2024-03-01"]
    grid = (await client.get("/stats/grid", params=then)).json()
    assert [c["properties"]["count"] for c in grid["features"]] == [1]
