"""Vector tiles: decoded with mapbox-vector-tile, checked feature by feature against events
arranged per test (positions recomputed independently with morecantile)."""

from __future__ import annotations

from typing import Any

import httpx
import mapbox_vector_tile
import morecantile
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Event
from tests.conftest import Keys, Live
from tests.factories import add_event, add_place
from tests.test_event_writes import feature

MVT = "application/vnd.mapbox-vector-tile"
GRID = morecantile.tms.get("WebMercatorQuad")
ALEPPO = (37.1343, 36.2021)
DAMASCUS = (36.2913, 33.5138)


def tile_of(lon: float, lat: float, z: int) -> morecantile.Tile:
    return GRID.tile(lon, lat, z)


def url(tile: morecantile.Tile, query: str = "") -> str:
    return f"/tiles/{tile.z}/{tile.x}/{tile.y}.mvt" + (f"?{query}" if query else "")


def position(lon: float, lat: float, tile: morecantile.Tile) -> tuple[float, float]:
    """Where a point falls in a tile, in MVT units (4096 a side, y down)."""
    box = GRID.xy_bounds(tile)
    x, y = GRID.xy(lon, lat)
    size = box.right - box.left
    return (x - box.left) / size * 4096, (box.top - y) / size * 4096


def features(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    layers = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    assert list(layers) == ["events"]
    assert layers["events"]["extent"] == 4096
    found: list[dict[str, Any]] = layers["events"]["features"]
    return found


async def ids(client: httpx.AsyncClient, tile: morecantile.Tile, query: str = "") -> set[str]:
    response = await client.get(url(tile, query))
    if response.status_code == 204:
        return set()
    return {f["properties"]["id"] for f in features(response)}


def pid(*events: Event) -> set[str]:
    return {e.public_id for e in events if e.public_id}


async def test_a_tile_holds_each_matching_event_where_it_is_with_its_properties(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_place(session, "sy-aleppo-test", *ALEPPO, name_en="Aleppo", governorate="SY02")
    strike = await add_event(
        session, "2016-08-01", 37.1343, 36.2021, event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike", fatalities=12, governorate="SY02",
        place="sy-aleppo-test", time_precision=2, geo_precision=1,
    )  # fmt: skip
    clash = await add_event(session, "2016-08-03", 37.1400, 36.2050, fatalities=None)
    await add_event(session, "2016-08-01", 37.1343, 36.2021, status="draft")
    await add_event(session, "2016-08-01", DAMASCUS[0], DAMASCUS[1])  # another tile
    tile = tile_of(*ALEPPO, 14)
    assert tile_of(37.1400, 36.2050, 14) == tile

    response = await client.get(url(tile))
    found = {f["properties"]["id"]: f for f in features(response)}
    assert set(found) == pid(strike, clash)
    assert found[strike.public_id]["properties"] == {
        "id": strike.public_id,
        "event_date": "2016-08-01",
        "time_precision": 2,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "fatalities": 12,
        "geo_precision": 1,
        "governorate_pcode": "SY02",
        "place_id": "sy-aleppo-test",
        "place_name": "Aleppo",
        "status": "published",
        "count": 1,
    }
    # Unknown values are left out, as MVT has no null.
    assert "fatalities" not in found[clash.public_id]["properties"]
    assert "place_id" not in found[clash.public_id]["properties"]
    for event, (lon, lat) in ((strike, ALEPPO), (clash, (37.14, 36.205))):
        geometry = found[event.public_id]["geometry"]
        assert geometry["type"] == "Point"
        expected = position(lon, lat, tile)
        assert abs(geometry["coordinates"][0] - expected[0]) <= 1
        assert abs(geometry["coordinates"][1] - expected[1]) <= 1
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"].startswith('W/"') and len(response.headers["etag"]) == 36
    assert response.headers["last-modified"].endswith(" GMT")


async def test_every_events_filter_applies_to_tiles(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    await add_place(session, "sy-aleppo-test", *ALEPPO, name_en="Aleppo", governorate="SY02")
    battle = await add_event(
        session, "2016-08-01", 37.14, 36.20, governorate="SY02", place="sy-aleppo-test",
        description="clashes in the old city", actors=(("Hayat Tahrir al-Sham", "actor1"),),
    )  # fmt: skip
    strike = await add_event(
        session, "2019-02-01", 37.165, 36.185, event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike", governorate="SY02", description="airstrike on a market",
    )  # fmt: skip
    retracted = await add_event(session, "2017-01-01", 37.15, 36.19, status="retracted")
    tile = tile_of(37.14, 36.20, 13)
    assert {tile_of(37.165, 36.185, 13), tile_of(37.15, 36.19, 13)} == {tile}

    assert await ids(client, tile) == pid(battle, strike)
    assert await ids(client, tile, "datetime=2019-01-01/..") == pid(strike)
    assert await ids(client, tile, "type=Battles") == pid(battle)
    assert await ids(client, tile, "sub_type=Air/drone%20strike") == pid(strike)
    assert await ids(client, tile, "actor=tahrir") == pid(battle)
    assert await ids(client, tile, "q=market") == pid(strike)
    assert await ids(client, tile, "governorate=SY02") == pid(battle, strike)
    assert await ids(client, tile, "governorate=SY01") == set()
    assert await ids(client, tile, "place=sy-aleppo-test") == pid(battle)
    assert await ids(client, tile, "place=sy-aleppo-test&radius_km=1") == pid(battle)
    assert await ids(client, tile, "place=sy-aleppo-test&radius_km=5") == pid(battle, strike)
    assert await ids(client, tile, "status=retracted") == pid(retracted)
    assert await ids(client, tile, "bbox=37.15,36,38,37") == pid(strike)
    assert await ids(client, tile, "updated_since=2999-01-01T00:00:00Z") == set()


async def test_low_zooms_cluster_events_and_keep_single_ones_whole(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    near = [(37.13, 36.19), (37.15, 36.20), (37.17, 36.22)]
    first = await add_event(session, "2015-03-01", *near[0], fatalities=3)
    await add_event(session, "2016-07-09", *near[1], fatalities=None)
    await add_event(session, "2014-01-20", *near[2], fatalities=4)
    alone = await add_event(session, "2013-05-05", *DAMASCUS, fatalities=1, governorate="SY01")
    tile = tile_of(*ALEPPO, 6)
    assert tile_of(*DAMASCUS, 6) == tile
    # A z=6 tile is cut into 16 x 16 cells: each is the z=10 tile under it.
    assert len({tile_of(lon, lat, 10) for lon, lat in near}) == 1
    assert tile_of(*DAMASCUS, 10) != tile_of(*near[0], 10)

    found = features(await client.get(url(tile)))
    assert len(found) == 2
    cluster = next(f for f in found if f["properties"]["count"] == 3)
    single = next(f for f in found if f["properties"]["count"] == 1)
    assert cluster["properties"] == {
        "count": 3,
        "fatalities": 7,
        "first_date": "2014-01-20",
        "last_date": "2016-07-09",
    }
    assert single["properties"]["id"] == alone.public_id
    assert single["properties"]["event_date"] == "2013-05-05"
    assert single["properties"]["governorate_pcode"] == "SY01"
    # A cluster sits at the mean of its events (in Web Mercator).
    xs, ys = zip(*(position(lon, lat, tile) for lon, lat in near), strict=True)
    assert abs(cluster["geometry"]["coordinates"][0] - sum(xs) / 3) <= 1
    assert abs(cluster["geometry"]["coordinates"][1] - sum(ys) / 3) <= 1
    expected = position(*DAMASCUS, tile)
    assert abs(single["geometry"]["coordinates"][0] - expected[0]) <= 1
    # The same events at z=13 are points again.
    assert await ids(client, tile_of(*near[0], 13)) >= pid(first)


async def test_a_point_on_a_tile_edge_is_counted_by_one_tile(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    west, east = morecantile.Tile(38, 25, 6), morecantile.Tile(39, 25, 6)
    edge = GRID.bounds(east).left  # 39.375
    await add_event(session, "2018-01-01", edge, 35.0)
    counts = []
    for tile in (west, east):
        response = await client.get(url(tile))
        counts.append(
            0
            if response.status_code == 204
            else sum(f["properties"]["count"] for f in features(response))
        )
    assert sorted(counts) == [0, 1]


async def test_an_empty_tile_is_a_204_with_validators(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2018-01-01", *ALEPPO)
    response = await client.get(url(tile_of(*DAMASCUS, 10)))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"]
    filtered = await client.get(url(tile_of(*ALEPPO, 10), "type=Riots"))
    assert filtered.status_code == 204


async def test_etag_is_stable_and_if_none_match_gives_a_304(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2018-01-01", *ALEPPO)
    tile = tile_of(*ALEPPO, 8)
    first = await client.get(url(tile))
    again = await client.get(url(tile))
    assert first.status_code == again.status_code == 200
    assert first.headers["etag"] == again.headers["etag"]
    assert first.content == again.content

    cached = await client.get(url(tile), headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"]
    strong = first.headers["etag"].removeprefix("W/")
    weak = await client.get(url(tile), headers={"If-None-Match": strong})
    assert weak.status_code == 304, "If-None-Match compares weakly (RFC 9110 13.1.2)"

    await add_event(session, "2018-01-02", 37.2, 36.1)
    changed = await client.get(url(tile), headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    other_filter = await client.get(url(tile, "datetime=2018-01-01"))
    assert other_filter.headers["etag"] != changed.headers["etag"], "another URL, another tag"


async def test_bad_tiles_and_parameters_are_400s_naming_them(client: httpx.AsyncClient) -> None:
    cases = {
        "/tiles/23/0/0.mvt": "z",
        "/tiles/3/8/0.mvt": "x",
        "/tiles/3/0/8.mvt": "y",
        "/tiles/0/1/0.mvt": "x",
        "/tiles/3/0/-1.mvt": "y",
        "/tiles/3/0/one.mvt": "y",
        "/tiles/x/0/0.mvt": "z",
        "/tiles/3/0/0.mvt?type=Skirmish": "type",
        "/tiles/3/0/0.mvt?datetime=yesterday": "datetime",
        "/tiles/3/0/0.mvt?place=sy-nowhere": "place",
        "/tiles/3/0/0.mvt?radius_km=5": "radius_km",
        "/tiles/3/0/0.mvt?zoom=3": "zoom",
        "/tiles/tilejson.json?governorate=SY15": "governorate",
    }
    for path, name in cases.items():
        response = await client.get(path)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["invalid_params"][0]["name"] == name, path
    assert (await client.get("/tiles/3/0/0.pbf")).status_code == 404


async def test_drafts_need_a_key_and_such_tiles_stay_private(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    mine = await add_event(session, "2018-01-01", *ALEPPO, status="draft", created_by="amal")
    await add_event(session, "2018-01-01", *ALEPPO, status="draft", created_by="omar")
    tile = tile_of(*ALEPPO, 14)
    anonymous = await client.get(url(tile, "status=draft"))
    assert anonymous.status_code == 401
    response = await client.get(url(tile, "status=draft"), headers=keys.analyst)
    assert {f["properties"]["id"] for f in features(response)} == pid(mine)
    assert response.headers["cache-control"] == "private, no-cache"
    editor = await client.get(url(tile, "status=draft"), headers=keys.editor)
    assert len(features(editor)) == 2


async def test_as_of_tiles_show_the_events_as_they_stood(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post(
        "/events", json=feature(fatalities=2, status="published"), headers=keys.editor
    )
    event_id = created.json()["id"]
    await client.patch(
        f"/events/{event_id}",
        json={"properties": {"fatalities": 7}},
        headers={**keys.editor, "If-Match": '"1"'},
    )
    history = (await client.get(f"/events/{event_id}/history")).json()["versions"]
    await client.delete(
        f"/events/{event_id}?reason=dup", headers={**keys.editor, "If-Match": '"2"'}
    )
    tile = tile_of(36.78, 36.13, 14)

    def fatalities(response: httpx.Response) -> list[int]:
        return [f["properties"]["fatalities"] for f in features(response)]

    assert fatalities(await client.get(url(tile), params={"as_of": history[0]["changed_at"]})) == [
        2
    ]
    assert fatalities(await client.get(url(tile), params={"as_of": history[1]["changed_at"]})) == [
        7
    ]
    assert (await client.get(url(tile))).status_code == 204
    at_zoom_6 = await client.get(
        url(tile_of(36.78, 36.13, 6)), params={"as_of": history[1]["changed_at"]}
    )
    assert fatalities(at_zoom_6) == [7]


async def test_tilejson_describes_the_tiles_of_the_same_filters(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2018-01-01", *ALEPPO, fatalities=5)
    await add_event(
        session, "2018-01-01", 37.2, 36.1, event_type="Riots", sub_event_type="Mob violence"
    )
    response = await client.get(
        "/tiles/tilejson.json", params={"type": "Battles", "datetime": "2018-01-01/.."}
    )
    assert response.status_code == 200
    doc = response.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["scheme"] == "xyz"
    assert 0 == doc["minzoom"] < doc["maxzoom"] <= 22
    west, south, east, north = doc["bounds"]
    assert west < ALEPPO[0] < east and south < ALEPPO[1] < north
    assert west < DAMASCUS[0] < east and south < DAMASCUS[1] < north
    lon, lat, zoom = doc["center"]
    assert west < lon < east and south < lat < north and doc["minzoom"] <= zoom <= doc["maxzoom"]
    [template] = doc["tiles"]
    assert template.startswith("http://testserver/tiles/{z}/{x}/{y}.mvt?")
    assert "type=Battles" in template and "datetime=2018-01-01%2F.." in template
    [layer] = doc["vector_layers"]
    assert layer["id"] == "events"

    tile = tile_of(*ALEPPO, 6)
    tile_url = template.format(z=tile.z, x=tile.x, y=tile.y).removeprefix("http://testserver")
    found = features(await client.get(tile_url))
    assert [f["properties"]["count"] for f in found] == [1], "the Riots event is filtered out"
    described = set(layer["fields"])
    assert set(found[0]["properties"]) <= described
    await add_event(session, "2018-01-02", 37.13, 36.2)
    cluster = features(await client.get(tile_url))[0]["properties"]
    assert cluster["count"] == 2 and set(cluster) <= described

    plain = (await client.get("/tiles/tilejson.json")).json()
    assert plain["tiles"] == ["http://testserver/tiles/{z}/{x}/{y}.mvt"]
