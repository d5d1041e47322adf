"""The map page in headless Chromium (Debian's, driven by Playwright; WebGL by SwiftShader)
against the real API: a uvicorn subprocess on a migrated throwaway database with the gazetteer
and the demo data.

What the browser draws is checked against what the API answers for the same filters: at
country zoom the tiles' clusters add up to GET /stats/summary, zoomed in the points are exactly
the events of GET /events for the view; the filters and a range dragged on the timeline go into
the tile requests; the language switch flips the words and the page's direction; an Arabic
place search moves the map there; a click on an event shows its report quotes. Every test
records every request the page makes and asserts that none went to another host, and that the
page logged no console error (a CSP violation is one). Screenshots are left in
test-artifacts/map.png (English) and test-artifacts/map-ar.png (Arabic).
"""

from __future__ import annotations

import asyncio
import calendar
import os
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright
from rich.console import Console

from app.demo.loader import load_demo
from app.gazetteer.loader import load_gazetteer
from app.settings import Settings
from bench import database as bench_database
from bench.server import running_api

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("SE_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 20_000
DEIR_EZ_ZOR = (35.3359, 40.1408)  # lat, lon of the gazetteer's city
# WebGL without a GPU: SwiftShader, which Chromium only uses when asked to.
CHROMIUM_ARGS = ["--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: run `make chromium`"
)

# What the map draws in the view, one entry per event or cluster (tiles overlap at their edges).
RENDERED = """() => {
    const map = window.syriaEventsMap;
    const seen = new Map();
    for (const f of map.queryRenderedFeatures({ layers: ["clusters", "events"] })) {
        const [lon, lat] = f.geometry.coordinates;
        const key = f.properties.id || `${lon.toFixed(6)},${lat.toFixed(6)}`;
        seen.set(key, { id: f.properties.id || null, count: f.properties.count, lon, lat });
    }
    return [...seen.values()];
}"""


async def _seed(settings: Settings) -> None:
    quiet = Console(quiet=True)
    await load_gazetteer(settings, geonames=[], admin=[], console=quiet)
    await load_demo(settings, console=quiet)


@pytest.fixture(scope="module")
def base_url(module_committed_database_url: str) -> Iterator[str]:
    settings = Settings(
        database_url=module_committed_database_url,
        rate_limit_anon_per_min=0,
        rate_limit_key_per_min=0,
    )
    asyncio.run(_seed(settings))
    with running_api(module_committed_database_url, ARTIFACTS / "map-server.log") as api:
        yield api.base_url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Browser]:
    # After the server (which needs asyncio.run to seed), before it stops: Playwright's sync
    # API runs an event loop of its own in this thread while it is open.
    with sync_playwright() as playwright:
        # Debian's Chromium; Playwright's own browser downloads are never used.
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Visit:
    """A fresh browser tab on the page, with what it logged and every request it made."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def open(self, fragment: str = "") -> dict[str, str]:
        self.page.goto(f"{self.base_url}/{fragment}")
        return self.wait_ready()

    def wait_ready(self, tiles_has: str = "") -> dict[str, str]:
        """Waits until the tiles of filters containing ``tiles_has`` are drawn and counted;
        returns the filters of the tile URLs."""
        self.page.wait_for_function(
            """(part) => {
                const map = document.getElementById("map");
                return map.dataset.state === "ready" && (map.dataset.tiles ?? "-").includes(part);
            }""",
            arg=tiles_has,
            timeout=TIMEOUT_MS,
        )
        return self.dataset_query("tiles")

    def dataset_query(self, name: str) -> dict[str, str]:
        query = self.page.get_attribute("#map", f"data-{name}") or ""
        return {k: v[0] for k, v in parse_qs(query).items()}

    def rendered(self) -> list[dict[str, Any]]:
        features: list[dict[str, Any]] = self.page.evaluate(RENDERED)
        return features

    def tile_requests(self, since: int = 0) -> list[dict[str, str]]:
        """The filters of each tile request made after the ``since``-th request."""
        return [
            {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
            for url in self.requests[since:]
            if urlsplit(url).path.startswith("/tiles/")
        ]

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.foreign_requests == []
        assert self.requests and all(u.startswith(self.base_url) for u in self.requests)


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(page, base_url)
    origin = urlsplit(base_url).netloc

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            visit.foreign_requests.append(route.request.url)
            route.abort()

    def record(request: Request) -> None:
        if not request.url.startswith(("data:", "blob:")):
            visit.requests.append(request.url)

    context.route("**/*", only_this_server)
    context.on("request", record)  # the page's and its worker's (the tiles are fetched there)
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    try:
        yield visit
    finally:
        context.close()


def _summary(api: httpx.Client, params: dict[str, str]) -> int:
    response = api.get("/stats/summary", params=params)
    assert response.status_code == 200, response.text
    count: int = response.json()["total"]["count"]
    return count


def _api_events(api: httpx.Client, params: dict[str, str]) -> list[dict[str, Any]]:
    response = api.get("/events", params={"limit": "10000", **params})
    assert response.status_code == 200, response.text
    features: list[dict[str, Any]] = response.json()["features"]
    return features


def _bbox(params: dict[str, str]) -> list[float]:
    return [float(v) for v in params["bbox"].split(",")]


def test_country_zoom_shows_clusters_that_add_up_to_the_statistics(
    visit: Visit, api: httpx.Client
) -> None:
    assert visit.open() == {}  # no filter
    assert float(visit.page.get_attribute("#map", "data-zoom") or 99) <= 12
    view = visit.dataset_query("summary")
    west, south, east, north = _bbox(view)
    assert west < 35.7 and east > 42.3 and south < 32.4 and north > 37.3  # all of Syria
    drawn = visit.rendered()
    clusters = [f for f in drawn if f["count"] > 1]
    assert clusters, "no cluster at country zoom"
    # Every event of the country once: in a cluster's count or as a point of its own.
    total = _summary(api, {})
    assert sum(f["count"] for f in drawn) == total == _summary(api, view) > 30
    assert visit.page.get_attribute("#map", "data-total") == str(total)
    assert visit.page.inner_text("#status").startswith(f"{total} events in view")
    # Each cluster shows its count.
    counts = visit.page.evaluate(
        """() => window.syriaEventsMap.queryRenderedFeatures({ layers: ["cluster-counts"] })
            .map((f) => f.properties.count)"""
    )
    assert Counter(counts) == Counter(f["count"] for f in clusters)
    # The tiles came from this API, with no filter.
    assert visit.tile_requests() and all(q == {} for q in visit.tile_requests())
    # The offline basemap's labels: the 14 governorates and the neighbours, in both scripts.
    governorates = visit.page.locator(".governorate-label")
    assert governorates.count() == 14
    assert "Deir-ez-Zor" in governorates.all_inner_texts()[8]
    assert "دير الزور" in governorates.all_inner_texts()[8]
    countries = visit.page.locator(".country-label").all_inner_texts()
    assert any("TURKEY" in c.upper() and "تركيا" in c for c in countries)
    visit.assert_clean()


def _dense_spot(api: httpx.Client) -> tuple[float, float]:
    """The demo's place with the most events at one point (lat, lon)."""
    spots = Counter(
        (round(f["geometry"]["coordinates"][1], 4), round(f["geometry"]["coordinates"][0], 4))
        for f in _api_events(api, {})
    )
    return spots.most_common(1)[0][0]


def test_zoomed_in_every_event_is_a_point(visit: Visit, api: httpx.Client) -> None:
    lat, lon = _dense_spot(api)
    visit.open(f"#map=13.5/{lat}/{lon}")
    west, south, east, north = _bbox(visit.dataset_query("summary"))
    drawn = visit.rendered()
    assert drawn and all(f["count"] == 1 and f["id"] for f in drawn)
    inside = {f["id"] for f in drawn if west <= f["lon"] <= east and south <= f["lat"] <= north}
    expected = {f["id"] for f in _api_events(api, {"bbox": f"{west},{south},{east},{north}"})}
    assert inside == expected and len(expected) >= 2
    assert visit.page.get_attribute("#map", "data-total") == str(len(expected))
    visit.assert_clean()


def test_filters_go_into_the_tiles(visit: Visit, api: httpx.Client) -> None:
    visit.open()
    before = len(visit.requests)
    visit.page.select_option("#type", "Battles")
    assert visit.wait_ready("type=Battles") == {"type": "Battles"}
    asked = visit.tile_requests(before)
    assert asked and all(q == {"type": "Battles"} for q in asked)
    drawn = visit.rendered()
    assert sum(f["count"] for f in drawn) == _summary(api, {"type": "Battles"}) > 0
    assert sum(f["count"] for f in drawn) < _summary(api, {})

    visit.page.fill("#date-from", "2017-01-01")
    visit.page.fill("#date-to", "2017-12-31")
    tiles = visit.wait_ready("datetime=2017-01-01%2F2017-12-31")
    assert tiles == {"type": "Battles", "datetime": "2017-01-01/2017-12-31"}
    assert sum(f["count"] for f in visit.rendered()) == _summary(api, tiles)

    # The filters are kept in the fragment: a reload draws the same.
    assert "from=2017-01-01" in visit.page.url and "type=Battles" in visit.page.url
    visit.page.reload()
    assert visit.wait_ready("datetime=") == tiles
    assert visit.page.input_value("#type") == "Battles"
    visit.assert_clean()


def _last_day(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{period[:7]}-{calendar.monthrange(year, month)[1]:02d}"


def test_dragging_on_the_timeline_chooses_the_dates_of_the_tiles(
    visit: Visit, api: httpx.Client
) -> None:
    visit.open()
    visit.page.wait_for_selector("#timeline[data-state='ready']")
    # The months of the view: the same bbox as the count in view, and the same total.
    viewed = _timeline_query(visit)
    assert viewed["bbox"] == visit.dataset_query("summary")["bbox"]
    series = api.get("/stats/timeseries", params={**viewed, "interval": "month"}).json()
    periods = series["periods"]
    assert visit.page.get_attribute("#timeline", "data-months") == str(len(periods))
    total = sum(series["totals"]["count"])
    assert visit.page.get_attribute("#timeline", "data-total") == str(total)
    assert visit.page.get_attribute("#map", "data-total") == str(total)
    start, end = periods[len(periods) // 4], periods[(3 * len(periods)) // 4]

    def centre(period: str) -> tuple[float, float]:
        box = visit.page.locator(f"#timeline-chart rect.hit >> nth={periods.index(period)}")
        rect = box.bounding_box()
        assert rect is not None
        return rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2

    before = len(visit.requests)
    visit.page.mouse.move(*centre(start))
    visit.page.mouse.down()
    visit.page.mouse.move(*centre(end), steps=8)
    visit.page.mouse.up()
    datetime = f"{start}/{_last_day(end)}"
    tiles = visit.wait_ready("datetime=")
    assert tiles == {"datetime": datetime}
    assert visit.page.input_value("#date-from") == start
    assert visit.page.input_value("#date-to") == _last_day(end)
    # The next tile requests carry that datetime, and what they hold adds up.
    asked = visit.tile_requests(before)
    assert asked and all(q == {"datetime": datetime} for q in asked)
    assert sum(f["count"] for f in visit.rendered()) == _summary(api, tiles)
    chosen = visit.page.eval_on_selector_all(
        "#timeline-chart rect.bar.selected", "bars => bars.map(b => b.dataset.period)"
    )
    assert chosen == periods[periods.index(start) : periods.index(end) + 1]
    # "All dates" lifts it.
    visit.page.click("#timeline-clear")
    visit.page.wait_for_function("!document.getElementById('map').dataset.tiles")
    assert visit.wait_ready() == {}
    visit.assert_clean()


def test_the_timeline_follows_the_view(visit: Visit, api: httpx.Client) -> None:
    visit.open()
    visit.page.wait_for_selector("#timeline[data-state='ready']")
    country = int(visit.page.get_attribute("#timeline", "data-total") or 0)
    lat, lon = _dense_spot(api)
    visit.page.evaluate(
        "([lon, lat]) => window.syriaEventsMap.jumpTo({ center: [lon, lat], zoom: 12 })",
        [lon, lat],
    )
    visit.page.wait_for_function(
        """(bbox) => {
            const line = document.getElementById("timeline");
            return line.dataset.state === "ready" && !line.dataset.query.includes(bbox);
        }""",
        arg=_timeline_query(visit)["bbox"],
        timeout=TIMEOUT_MS,
    )
    visit.wait_ready()
    viewed = _timeline_query(visit)
    series = api.get("/stats/timeseries", params={**viewed, "interval": "month"}).json()
    near = int(visit.page.get_attribute("#timeline", "data-total") or 0)
    assert near == sum(series["totals"]["count"]) == _summary(api, viewed)
    assert 0 < near < country
    visit.assert_clean()


def _timeline_query(visit: Visit) -> dict[str, str]:
    query = visit.page.get_attribute("#timeline", "data-query") or ""
    return {k: v[0] for k, v in parse_qs(query).items()}


def test_the_language_switch_flips_the_words_and_the_direction(visit: Visit) -> None:
    visit.open()
    html = visit.page.locator("html")
    assert html.get_attribute("dir") == "ltr" and html.get_attribute("lang") == "en"
    assert visit.page.inner_text("h1") == "Syria Events"

    visit.page.click("#lang")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert visit.page.inner_text("h1") == "أحداث سوريا"
    assert visit.page.inner_text("#lang") == "English"
    assert visit.page.inner_text("label[for='type']") == "نوع الحدث"
    assert visit.page.inner_text("#type option[value='Battles']") == "معارك"
    assert visit.page.inner_text("#sub-type option[value='Armed clash']") == "اشتباك مسلح"
    assert visit.page.inner_text("#status").endswith("حدثًا في العرض")
    assert visit.page.inner_text(".governorate-label .primary >> nth=8") == "دير الزور"
    # The layout mirrors: the sidebar moves to the right of the map.
    sidebar = visit.page.locator("#sidebar").bounding_box()
    assert sidebar is not None and sidebar["x"] > 600
    assert "lang=ar" in visit.page.url

    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.mouse.move(5, 795)
    visit.page.screenshot(path=str(ARTIFACTS / "map-ar.png"))

    # Kept: in the fragment, and for the next visit without one.
    visit.page.reload()
    visit.wait_ready()
    assert html.get_attribute("dir") == "rtl"
    visit.page.goto(f"{visit.base_url}/")
    visit.wait_ready()
    assert html.get_attribute("dir") == "rtl"
    visit.page.click("#lang")
    assert html.get_attribute("dir") == "ltr" and visit.page.inner_text("h1") == "Syria Events"
    assert "lang=" not in visit.page.url
    visit.assert_clean()


def test_an_arabic_place_search_flies_there(visit: Visit, api: httpx.Client) -> None:
    visit.open()
    visit.page.fill("#place-q", "دير الزور")
    visit.page.press("#place-q", "Enter")
    visit.page.wait_for_selector("#map[data-place='sy-deir-ez-zor']")
    # The results list names the places in both scripts.
    assert "Deir ez-Zor" in visit.page.inner_text("#place-results")
    assert "دير الزور" in visit.page.inner_text("#place-results")
    visit.page.wait_for_function(
        """([lat, lon]) => {
            const map = document.getElementById("map");
            const [y, x] = (map.dataset.center || "0,0").split(",").map(Number);
            const bbox = new URLSearchParams(map.dataset.summary).get("bbox").split(",");
            return Math.abs(y - lat) < 0.01 && Math.abs(x - lon) < 0.01
                && map.dataset.state === "ready" && bbox[2] - bbox[0] < 1;
        }""",
        arg=list(DEIR_EZ_ZOR),
    )
    assert float(visit.page.get_attribute("#map", "data-zoom") or 0) >= 10
    view = visit.dataset_query("summary")
    west, south, east, north = _bbox(view)
    assert west < DEIR_EZ_ZOR[1] < east and south < DEIR_EZ_ZOR[0] < north
    total = _summary(api, view)
    assert total > 0 and visit.page.get_attribute("#map", "data-total") == str(total)
    assert visit.rendered()
    visit.assert_clean()


def _quoted_events(api: httpx.Client) -> list[dict[str, Any]]:
    """Events whose reports have a located quote, alone at their point first, then those with
    an Arabic report first."""
    features = _api_events(api, {})
    at = Counter(tuple(f["geometry"]["coordinates"]) for f in features)
    found = []
    for feature in features:
        detail = api.get(f"/events/{feature['id']}").json()
        located = [
            r
            for r in detail["properties"]["reports"]
            if r["quote"] and r["quote_start"] is not None
        ]
        if located:
            found.append(detail)
    found.sort(
        key=lambda d: (
            at[tuple(d["geometry"]["coordinates"])] > 1,
            d["properties"]["reports"][0]["language"] != "ar",
        )
    )
    return found


def test_clicking_an_event_shows_its_reports_quotes(
    visit: Visit, api: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _quoted_events(api)[0]
    lon, lat = event["geometry"]["coordinates"]
    visit.open(f"#map=15/{lat}/{lon}")
    assert any(f["id"] == event["id"] for f in visit.rendered())
    x, y = visit.page.evaluate(
        """([lon, lat]) => {
            const map = window.syriaEventsMap;
            const box = map.getCanvas().getBoundingClientRect();
            const p = map.project([lon, lat]);
            return [box.left + p.x, box.top + p.y];
        }""",
        [lon, lat],
    )
    visit.page.mouse.click(x, y)
    visit.page.wait_for_selector(f"#detail[data-id='{event['id']}'][data-state='ready']")
    selected = visit.page.evaluate(
        """(id) => window.syriaEventsMap.getFeatureState(
            { source: "events", sourceLayer: "events", id }).selected""",
        event["id"],
    )
    assert selected is True

    props = event["properties"]
    detail = visit.page.locator("#detail")
    text = detail.inner_text()
    assert props["event_date"] in text and props["sub_event_type"] in text
    fatalities = "unknown" if props["fatalities"] is None else str(props["fatalities"])
    assert detail.locator(".fatalities").inner_text() == fatalities
    for actor in props["actors"]:
        assert actor["name"] in text
    for place in props["places"]:
        assert place["name_en"] in text

    reports = detail.locator("article.report")
    assert reports.count() == len(props["reports"])
    for i, link in enumerate(props["reports"]):
        report = reports.nth(i)
        anchor = report.locator("a.report-link")
        assert anchor.get_attribute("href") == f"/reports/{link['id']}"
        if not link["quote"]:
            continue
        quote = report.locator("blockquote.quote")
        assert quote.get_attribute("dir") == "auto"
        # The quoted words are highlighted, inside a little of the report around them.
        assert report.locator("mark.quoted").inner_text() == link["quote"]
        assert link["quote"] in quote.inner_text()
        if link["language"] == "ar":
            direction = quote.evaluate("q => getComputedStyle(q).direction")
            assert direction == "rtl"
        # Place names the report's mentions found inside the quote are marked in it.
        body = api.get(f"/reports/{link['id']}").json()
        inside = [
            m["text"]
            for m in sorted(body["mentions"], key=lambda m: m["start"])
            if link["quote_start"] <= m["start"] and m["end"] <= link["quote_end"]
        ]
        assert report.locator("mark.quoted .mention").all_inner_texts() == inside

    # The English screenshot: the country, its clusters and the timeline, with the event open.
    visit.page.evaluate(
        "() => window.syriaEventsMap.fitBounds([[35.6, 32.3], [42.4, 37.4]], "
        "{ padding: 20, duration: 0 })"
    )
    visit.wait_ready()
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "map.png"
    visit.page.mouse.move(5, 795)  # no tooltip over the map
    reports.last.scroll_into_view_if_needed()
    visit.page.screenshot(path=str(screenshot))
    with capsys.disabled():  # shown in a normal (captured) run too
        print(f"\nscreenshots of the map page: {screenshot}, {ARTIFACTS / 'map-ar.png'}")
    assert re.match(rb"\x89PNG", screenshot.read_bytes()[:4])
    visit.assert_clean()


def _set_governorate_area(database_url: str, pcode: str, wkt: str | None) -> None:
    """An OCHA polygon on a governorate of the committed database, or none: in a thread of
    its own, since Playwright's sync API keeps an event loop in this one."""

    async def write() -> None:
        conn = await bench_database.connect(database_url)
        try:
            await conn.execute(
                "UPDATE places SET area = ST_Multi(ST_GeomFromText($2, 4326))"
                " WHERE kind = 'governorate' AND pcode = $1",
                pcode,
                wkt,
            )
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, write()).result()


def test_imported_ocha_governorates_replace_natural_earths(
    visit: Visit, module_committed_database_url: str
) -> None:
    visit.open()
    visit.page.wait_for_selector("#map[data-boundary-source='natural-earth']")
    square = "POLYGON((39.5 34.5, 41.0 34.5, 41.0 35.8, 39.5 35.8, 39.5 34.5))"
    _set_governorate_area(module_committed_database_url, "SY09", square)
    try:
        visit.open("#map=7/35.2/40.2")
        visit.page.reload()  # a new fragment alone is no new load
        visit.page.wait_for_selector("#map[data-boundary-source='ocha']")
        hidden = visit.page.evaluate(
            "() => window.syriaEventsMap.getLayoutProperty('governorates', 'visibility')"
        )
        assert hidden == "none"
        visit.page.wait_for_function(
            """() => window.syriaEventsMap.queryRenderedFeatures(
                { layers: ["ocha-governorates"] }).length > 0"""
        )
        drawn = visit.page.evaluate(
            """() => [...new Set(window.syriaEventsMap.queryRenderedFeatures(
                { layers: ["ocha-governorates"] }).map(f => f.properties.pcode))]"""
        )
        assert drawn == ["SY09"]
        assert "OCHA COD-AB" in visit.page.inner_text("#basemap-note")
        visit.assert_clean()
    finally:
        _set_governorate_area(module_committed_database_url, "SY09", None)
