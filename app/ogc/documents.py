"""The collections this API serves and the JSON documents that describe them.

Conformance lists only what is implemented and tested (tests/test_ogc_*.py). Not claimed:
``oas30`` (FastAPI serves OpenAPI 3.1, not 3.0), ``html``, and of CQL2 the accent-insensitive,
array, property-property, function and arithmetic classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.events.sorting import SORTABLE
from app.ogc import queryables
from app.ogc.cql import CRS84
from app.ogc.queryables import Queryable

GEOJSON = "application/geo+json"
JSON = "application/json"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

_FEATURES = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{name}"
CONFORMANCE = [
    *(_FEATURES.format(part=1, name=n) for n in ("core", "geojson")),
    *(_FEATURES.format(part=3, name=n) for n in ("queryables", "filter", "features-filter")),
    # Part 8 (Sorting, a draft): sortby on the events' items, tests/test_sorting.py.
    _FEATURES.format(part=8, name="sorting"),
    *(
        _CQL2.format(name=n)
        for n in (
            "cql2-text",
            "cql2-json",
            "basic-cql2",
            "advanced-comparison-operators",
            "case-insensitive-comparison",
            "basic-spatial-functions",
            "basic-spatial-functions-plus",
            "spatial-functions",
            "temporal-functions",
        )
    ),
]


@dataclass(frozen=True)
class CollectionInfo:
    id: str
    title: str
    description: str
    queryables: dict[str, Queryable]
    formats: tuple[str, ...]  # the items' formats, the default first
    sortables: tuple[str, ...] = ()  # what sortby may name (app/events/sorting.py)


EVENTS = CollectionInfo(
    "events",
    "Conflict events",
    "Geotagged events of the war in Syria (ACLED's taxonomy), newest first; the same events "
    "and filters as GET /events, with CQL2 filters on top. Drafts need an API key.",
    queryables.EVENTS,
    ("geojson", "csv", "ndjson", "parquet", "fgb"),
    tuple(SORTABLE),
)
PLACES = CollectionInfo(
    "places",
    "Gazetteer",
    "Places of the bilingual (Arabic/English) gazetteer, by id: governorates, cities, towns, "
    "villages, airports, crossings and other facilities.",
    queryables.PLACES,
    ("geojson", "ndjson"),
)
COLLECTIONS = {c.id: c for c in (EVENTS, PLACES)}
MEDIA = {
    "geojson": GEOJSON,
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "fgb": "application/flatgeobuf",
}


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None
    first_day: str | None = None
    last_day: str | None = None


def link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": media}
    if title:
        out["title"] = title
    return out


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def collection(base: str, info: CollectionInfo, extent: Extent) -> dict[str, Any]:
    """A collection's metadata: what it holds, where, when, and links to its items."""
    here = f"{base}/collections/{info.id}"
    spatial = {"bbox": [list(extent.bbox or (-180.0, -90.0, 180.0, 90.0))], "crs": CRS84}
    doc: dict[str, Any] = {
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": spatial},
        "links": [
            link(here, "self", JSON, "This collection"),
            link(f"{here}/items", "items", GEOJSON, f"{info.title} (GeoJSON)"),
            *(
                link(f"{here}/items?f={f}", "items", MEDIA[f], f"{info.title} ({f})")
                for f in info.formats[1:]
            ),
            link(f"{here}/queryables", QUERYABLES_REL, SCHEMA_JSON, "What a filter may name"),
        ],
    }
    if info.sortables:
        doc["links"].append(
            link(f"{here}/sortables", SORTABLES_REL, SCHEMA_JSON, "What sortby may name")
        )
    if extent.first_day is not None:
        doc["extent"]["temporal"] = {
            "interval": [[f"{extent.first_day}T00:00:00Z", f"{extent.last_day}T23:59:59Z"]],
            "trs": GREGORIAN,
        }
    return doc


def collections(base: str, extents: dict[str, Extent]) -> dict[str, Any]:
    return {
        "collections": [collection(base, c, extents[c.id]) for c in COLLECTIONS.values()],
        "links": [link(f"{base}/collections", "self", JSON, "The collections")],
    }


def sortables_document(base: str, info: CollectionInfo) -> dict[str, Any]:
    url = f"{base}/collections/{info.id}/sortables"
    names = {n: info.queryables[n] for n in info.sortables}
    return queryables.schema_document(names, f"{info.title}: sortables", url)


def queryables_document(base: str, info: CollectionInfo) -> dict[str, Any]:
    url = f"{base}/collections/{info.id}/queryables"
    return queryables.schema_document(info.queryables, info.title, url)
