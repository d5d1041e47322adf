"""GET /: the map page for browsers, the OGC landing JSON for API clients; the page's static
files with their types, caching and Content-Security-Policy; the offline basemap; nothing on
the page names another host (the browser test is test_map_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import shapely
from sqlmodel.ext.asyncio.session import AsyncSession

from app.gazetteer.boundaries import read_boundaries
from app.gazetteer.importers import store_boundaries
from app.map import page
from app.map.negotiation import Page, choose
from app.taxonomy import EVENT_TYPES, SUB_EVENT_TYPES

CSP = "Content-Security-Policy"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _csp(response: httpx.Response) -> dict[str, list[str]]:
    directives = (d.split() for d in response.headers[CSP].split(";") if d.strip())
    return {name: sources for name, *sources in directives}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/map/[^"]+)"', html)


def _module_urls(html: str) -> dict[str, str]:
    """The URLs map.js loads itself, from the data- attributes of #map."""
    return dict(re.findall(r'data-(maplibre|worker|basemap)="(/static/map/[^"]+)"', html))


# The page's own files, and the modules map.js imports by relative URL.
OWN_FILES = ["map.js", "dom.js", "i18n.js", "detail.js", "timeline.js", "map.css"]
# A namespace name, never fetched (document.createElementNS).
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


async def test_a_browser_gets_the_map_page_with_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    for headers in ({}, {"Accept": BROWSER_ACCEPT}, {"Accept": "text/html"}, {"Accept": "*/*"}):
        response = await client.get("/", headers=headers)
        assert response.status_code == 200, headers
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert '<main id="map"' in response.text
    csp = _csp(response)
    # Only this server: no CDN, no tiles; data: for images only; no inline script anywhere.
    assert csp["default-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in s or "*" in s or "http" in s for v in csp.values() for s in v)
    assert "<script>" not in response.text and " style=" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]
    # The filters offer ACLED's types (named in both languages) and sub-types; the page names
    # its basemap; the interface can switch to Arabic.
    assert '<option value="Explosions/Remote violence" data-ar="' in response.text
    assert '<option value="Air/drone strike" data-ar="غارة جوية / بطائرة مسيّرة">' in response.text
    # Every type and sub-type has its Arabic name (none falls back to English).
    assert response.text.count(" data-ar=") == len(EVENT_TYPES) * 3 + len(SUB_EVENT_TYPES)
    assert "Natural Earth" in response.text
    assert '<html lang="en" dir="ltr">' in response.text
    assert '<button type="button" id="lang" lang="ar"' in response.text
    assert 'id="timeline-chart"' in response.text


async def test_api_clients_get_the_landing_page_as_json(client: httpx.AsyncClient) -> None:
    for params, headers in (
        ({"f": "json"}, {"Accept": BROWSER_ACCEPT}),
        ({}, {"Accept": "application/json"}),
        ({}, {"Accept": "application/json, text/plain, */*"}),
        ({}, {"Accept": "text/html;q=0.5, application/json"}),
    ):
        response = await client.get("/", params=params, headers=headers)
        assert response.status_code == 200, (params, headers)
        assert response.headers["content-type"] == "application/json", (params, headers)
        body = response.json()
        rels = {link["rel"]: link for link in body["links"]}
        assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels.keys()
        assert rels["alternate"]["type"] == "text/html"
        assert rels["alternate"]["href"].endswith("/?f=html")
    html = await client.get("/", params={"f": "html"}, headers={"Accept": "application/json"})
    assert html.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("f", ["xml", "JSON", "", "geojson"])
async def test_any_other_f_is_a_400_naming_it(client: httpx.AsyncClient, f: str) -> None:
    response = await client.get("/", params={"f": f})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid_params"][0]["name"] == "f"


async def test_unknown_parameters_are_refused_on_the_page_and_its_files(
    client: httpx.AsyncClient,
) -> None:
    for url in ("/?bbox=1,2,3,4", "/static/map/map.js?x=1"):
        response = await client.get(url)
        assert response.status_code == 400, url
        assert response.json()["invalid_params"][0]["reason"] == "unknown parameter"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Page.html),
        ("", Page.html),
        ("*/*", Page.html),
        (BROWSER_ACCEPT, Page.html),
        ("application/json, text/html", Page.html),  # a tie: the page
        ("image/png", Page.html),
        ("application/json", Page.json),
        ("application/*", Page.json),
        ("application/json, */*", Page.json),
        ("text/html;q=0.2, application/json;q=0.9", Page.json),
        ("application/json;q=0, */*", Page.html),
        ("application/json;q=oops, text/html", Page.html),
    ],
)
def test_accept_negotiation(accept: str | None, expected: Page) -> None:
    assert choose(None, accept) is expected


async def test_the_static_files_have_their_types_caching_and_policy(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/")).text
    urls = _asset_urls(html)
    # MapLibre's CSS and module (preloaded), the page's CSS and module
    assert len(urls) == 4
    modules = _module_urls(html)
    assert set(modules) == {"maplibre", "worker", "basemap"}
    types = {
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/geo+json",
    }
    for url in urls + list(modules.values()):
        response = await client.get(url)
        assert response.status_code == 200, url
        suffix = "." + url.split("?")[0].rsplit(".", 1)[1]
        assert response.headers["content-type"] == types[suffix], url
        # The URL names the content (?v= its hash): cacheable for a year.
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers[CSP] == page.CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "etag" in response.headers
    # Without the current ?v= (the modules map.js imports): revalidated each time, by ETag.
    for name in OWN_FILES[1:]:
        plain = await client.get(f"/static/map/{name}")
        assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache", name
    stale = await client.get("/static/map/map.js?v=0000")
    assert stale.headers["cache-control"] == "no-cache"
    etag = (await client.get("/static/map/map.js")).headers["etag"]
    again = await client.get("/static/map/map.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_nothing_on_the_page_names_another_host(client: httpx.AsyncClient) -> None:
    html = (await client.get("/")).text
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)
    assert "http://" not in html and "https://" not in html
    for name in OWN_FILES:
        text = (await client.get(f"/static/map/{name}")).text.replace(SVG_NAMESPACE, "")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
        assert "@import" not in text and "fonts." not in text, name
    # MapLibre's CSS inlines its icons; it loads no file of its own.
    css = (await client.get(_asset_urls(html)[0])).text
    assert css.count("url(") == css.count('url("data:')
    # The page builds its style itself: no style, glyph or sprite URL anywhere in map.js.
    script = (await client.get("/static/map/map.js")).text
    assert "glyphs" not in script and "sprite" not in script


async def test_the_basemap_is_syria_its_neighbours_and_governorates(
    client: httpx.AsyncClient,
) -> None:
    url = _module_urls((await client.get("/")).text)["basemap"]
    basemap = json.loads((await client.get(url)).content)
    assert "Natural Earth" in basemap["source"]
    by_kind: dict[str, list[dict[str, str]]] = {}
    for feature in basemap["features"]:
        by_kind.setdefault(feature["properties"]["kind"], []).append(feature["properties"])
    # The governorates carry OCHA's pcodes, as the gazetteer does, with a label point each.
    pcodes = [f"SY{n:02d}" for n in range(1, 15)]
    assert sorted(p["pcode"] for p in by_kind["governorate"]) == pcodes
    assert sorted(p["pcode"] for p in by_kind["governorate-label"]) == pcodes
    assert [p["iso"] for p in by_kind["syria"]] == ["SY"]
    assert {"TR", "IQ", "JO", "LB", "IL"} <= {p["iso"] for p in by_kind["country"]}
    assert {"TR", "IQ", "JO", "LB"} <= {p["iso"] for p in by_kind["country-label"]}


@pytest.mark.parametrize(
    "path",
    [
        "/static/map/nothing.js",
        "/static/map/%2e%2e/page.py",
        "/static/map/..%2f..%2fsettings.py",
        "/static/map/vendor",
        "/static/map/",
    ],
)
async def test_nothing_outside_the_static_folder_is_served(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_without_maplibre_copied_in_the_page_says_how_to_get_it(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page, "ASSETS", {**page.ASSETS, "maplibre_js": "vendor/missing.mjs"})
    response = await client.get("/")
    assert response.status_code == 503
    assert "make assets" in response.json()["detail"]
    assert (await client.get("/?f=json")).status_code == 200


async def test_the_landing_page_is_in_the_api_definition(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/html", "application/json"}
    assert [p["name"] for p in operation["parameters"]] == ["f"]
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not any(p.startswith("/static") for p in paths)


async def test_the_boundaries_are_empty_until_ocha_is_imported_then_simplified_polygons(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    empty = await client.get("/map/boundaries.geojson")
    assert empty.status_code == 200
    assert empty.headers["content-type"] == "application/geo+json"
    assert empty.json()["features"] == []

    # A governorate's polygon with a vertex every 0.0001 degrees along one edge.
    edge = [[40.0 + i / 10_000, 35.0] for i in range(2_001)]
    ring = [*edge, [40.2, 35.4], [40.0, 35.4], [40.0, 35.0]]
    path = tmp_path / "adm1.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "ADM1_PCODE": "SY09",
                            "ADM1_EN": "Deir-ez-Zor",
                            "ADM1_AR": "دير الزور",
                        },
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        )
    )
    assert await store_boundaries(session, read_boundaries(path)) == 1
    response = await client.get("/map/boundaries.geojson")
    body = response.json()
    assert "OCHA" in body["source"]
    [feature] = body["features"]
    assert feature["properties"]["pcode"] == feature["id"] == "SY09"
    assert feature["properties"]["kind"] == "governorate"
    assert feature["properties"]["name_ar"] == "دير الزور"
    shape = shapely.geometry.shape(feature["geometry"])
    assert shape.bounds == pytest.approx((40.0, 35.0, 40.2, 35.4))
    # Simplified by PostGIS: the 2,001 points of the straight edge are gone.
    assert shapely.get_num_coordinates(shape) < 10
    # Revalidated each time, and a 304 while it has not changed.
    assert response.headers["cache-control"] == "no-cache"
    again = await client.get(
        "/map/boundaries.geojson", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert empty.headers["etag"] != response.headers["etag"]
