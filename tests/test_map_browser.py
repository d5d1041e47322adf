"""The map page in headless Chromium (Debian's, driven by Playwright) against the real API: a
uvicorn subprocess on a migrated throwaway database with the gazetteer and the demo data.

What the browser shows is checked against what the API answers for the same query: the markers
are exactly the events of GET /events for the view and filters, they change with the dates and
the type, an Arabic place search moves the map there, and a click on an event shows its report
quotes. Every test also asserts that the page logged no console error (a CSP violation is one)
and asked no other host for anything. A screenshot is left in test-artifacts/map.png.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from rich.console import Console

from app.demo.loader import load_demo
from app.gazetteer.loader import load_gazetteer
from app.settings import Settings
from bench.server import running_api

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("SE_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 10_000
DEIR_EZ_ZOR = (35.3359, 40.1408)  # lat, lon of the gazetteer's city

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: run `make chromium`"
)


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
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A fresh browser tab on the page, with what it logged and where it tried to go."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.base_url}/{fragment}")
        self.wait_ready()

    def wait_ready(self, query_has: str = "") -> dict[str, str]:
        """Waits until the markers of an /events query containing ``query_has`` are drawn."""
        self.page.wait_for_function(
            """(part) => {
                const map = document.getElementById("map");
                return map.dataset.state === "ready" && (map.dataset.query || "").includes(part);
            }""",
            arg=query_has,
            timeout=TIMEOUT_MS,
        )
        query = self.page.get_attribute("#map", "data-query") or ""
        return {k: v[0] for k, v in parse_qs(query).items()}

    def marker_ids(self) -> set[str]:
        ids = self.page.eval_on_selector_all(
            "path.event-marker", "paths => paths.map(p => p.dataset.id)"
        )
        assert len(ids) == len(set(ids)), "an event drawn twice"
        return set(ids)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.foreign_requests == []


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

    context.route("**/*", only_this_server)
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    try:
        yield visit
    finally:
        context.close()


def _api_ids(api: httpx.Client, params: dict[str, str]) -> set[str]:
    response = api.get("/events", params=params)
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def _bbox(params: dict[str, str]) -> list[float]:
    return [float(v) for v in params["bbox"].split(",")]


def test_the_markers_are_the_events_of_the_view(visit: Visit, api: httpx.Client) -> None:
    visit.open()
    params = visit.wait_ready()
    west, south, east, north = _bbox(params)
    assert west < 35.7 and east > 42.3 and south < 32.4 and north > 37.3  # all of Syria
    assert set(params) == {"bbox", "limit"}
    shown = visit.marker_ids()
    assert shown == _api_ids(api, params)
    # Nothing of the demo data is left out of the country view.
    assert shown == _api_ids(api, {"limit": "1000"}) and len(shown) > 30
    assert visit.page.is_hidden("#truncated")
    assert visit.page.inner_text("#status").startswith(f"{len(shown)} events in view")
    # Orientation without a basemap: the 14 governorates, labelled in both scripts.
    assert visit.page.locator(".governorate-label").count() == 14
    visit.assert_clean()


def test_dates_and_type_change_the_markers(visit: Visit, api: httpx.Client) -> None:
    visit.open()
    everything = visit.marker_ids()

    visit.page.fill("#date-from", "2017-01-01")
    visit.page.fill("#date-to", "2017-12-31")
    params = visit.wait_ready("datetime=2017-01-01%2F2017-12-31")
    in_2017 = visit.marker_ids()
    assert in_2017 == _api_ids(api, params)
    assert 0 < len(in_2017) < len(everything)
    dates = {
        f["properties"]["event_date"] for f in api.get("/events", params=params).json()["features"]
    }
    assert all(d.startswith("2017-") for d in dates)

    visit.page.select_option("#type", "Battles")
    params = visit.wait_ready("type=Battles")
    battles = visit.marker_ids()
    assert battles == _api_ids(api, params)
    assert 0 < len(battles) < len(in_2017)
    classes = visit.page.eval_on_selector_all(
        "path.event-marker", "paths => paths.map(p => p.getAttribute('class'))"
    )
    assert all("ev-battles" in c for c in classes)

    # A sub-type narrows further; only the chosen type's sub-types are offered.
    visit.page.select_option("#sub-type", "Armed clash")
    params = visit.wait_ready("sub_type=Armed+clash")
    assert visit.marker_ids() == _api_ids(api, params) <= battles
    offered = visit.page.eval_on_selector_all(
        "#sub-type optgroup:not([hidden])", "groups => groups.map(g => g.label)"
    )
    assert offered == ["Battles"]

    # The filters are kept in the fragment: a reload shows the same markers.
    assert "from=2017-01-01" in visit.page.url and "type=Battles" in visit.page.url
    visit.page.reload()
    assert visit.wait_ready("sub_type=Armed+clash")["datetime"] == "2017-01-01/2017-12-31"
    assert visit.page.input_value("#type") == "Battles"
    visit.assert_clean()


def test_a_truncated_page_says_so(visit: Visit, api: httpx.Client) -> None:
    visit.open("#limit=5")
    params = visit.wait_ready("limit=5")
    assert visit.marker_ids() == _api_ids(api, params) and len(visit.marker_ids()) == 5
    note = visit.page.inner_text("#truncated")
    assert visit.page.is_visible("#truncated") and "newest 5" in note and "more match" in note
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
            const [y, x] = (document.getElementById("map").dataset.center || "0,0")
                .split(",").map(Number);
            return Math.abs(y - lat) < 0.01 && Math.abs(x - lon) < 0.01;
        }""",
        arg=list(DEIR_EZ_ZOR),
    )
    assert float(visit.page.get_attribute("#map", "data-zoom") or 0) >= 10
    # The events reload for the new, smaller view, and are again exactly the API's.
    visit.page.wait_for_function(
        """() => {
            const map = document.getElementById("map");
            const bbox = new URLSearchParams(map.dataset.query).get("bbox").split(",");
            return map.dataset.state === "ready" && bbox[2] - bbox[0] < 1;
        }"""
    )
    params = visit.wait_ready()
    west, south, east, north = _bbox(params)
    assert west < DEIR_EZ_ZOR[1] < east and south < DEIR_EZ_ZOR[0] < north
    shown = visit.marker_ids()
    assert shown == _api_ids(api, params) and shown  # the airport and the city's events
    visit.assert_clean()


def _quoted_events(api: httpx.Client) -> list[dict[str, Any]]:
    """Events whose reports have a located quote, those with an Arabic report first."""
    found = []
    for feature in api.get("/events", params={"limit": "1000"}).json()["features"]:
        detail = api.get(f"/events/{feature['id']}").json()
        located = [
            r
            for r in detail["properties"]["reports"]
            if r["quote"] and r["quote_start"] is not None
        ]
        if located:
            found.append(detail)
    found.sort(key=lambda d: d["properties"]["reports"][0]["language"] != "ar")
    return found


def test_clicking_an_event_shows_its_reports_quotes(
    visit: Visit, api: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    candidates = _quoted_events(api)
    assert candidates
    visit.open()
    # The first candidate whose marker is not covered by another one, to click it for real.
    event = next(
        d
        for d in candidates
        if visit.page.evaluate(
            """(id) => {
                const path = document.querySelector(`path[data-id="${id}"]`);
                const box = path.getBoundingClientRect();
                const x = box.left + box.width / 2, y = box.top + box.height / 2;
                return document.elementFromPoint(x, y) === path;
            }""",
            d["id"],
        )
    )
    visit.page.click(f"path[data-id='{event['id']}']")
    visit.page.wait_for_selector(f"#detail[data-id='{event['id']}'][data-state='ready']")

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
    assert "selected" in (visit.page.get_attribute(f"path[data-id='{event['id']}']", "class") or "")

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

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "map.png"
    visit.page.mouse.move(5, 795)  # no tooltip over the map
    reports.last.scroll_into_view_if_needed()
    visit.page.screenshot(path=str(screenshot))
    with capsys.disabled():  # shown in a normal (captured) run too
        print(f"\nscreenshot of the map page: {screenshot}")
    assert re.match(rb"\x89PNG", screenshot.read_bytes()[:4])
    visit.assert_clean()
