"""Where each source publishes its files, under what licence, and what users must cite.

- UCDP GED: ``<url>/ged/ged261-csv.zip`` (the yearly release 26.1) or
  ``<url>/candidateged/GEDEvent_v26_0_3.csv`` (the monthly candidate 26.0.3); the version is
  the release; UCDP publishes no checksum.
- GeoNames: ``<url>/SY.zip``; the version is the file's Last-Modified day; no checksum.
- OCHA COD-AB: HDX's ``cod-ab-syr`` dataset, found with CKAN's ``package_show``: its GeoJSON
  zip resource; the version is the resource's last modification; its ``hash`` (when HDX
  lists one) and ``size`` are checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.fetch import formats
from app.fetch.download import Expected, FetchError
from app.settings import Settings

# Published with each file: the licence and what users must cite.
UCDP_CITATION = (
    "Sundberg, Ralph and Erik Melander (2013), 'Introducing the UCDP Georeferenced Event "
    "Dataset', Journal of Peace Research 50(4); and Davies, Shawn et al., 'Organized "
    "violence 1989-<the release's last year>', Journal of Peace Research (the article of "
    "the release used, named in its codebook)"
)
GEONAMES_CITATION = "GeoNames (https://www.geonames.org), CC BY 4.0"
OCHA_CITATION = (
    "Syrian Arab Republic - Subnational Administrative Boundaries (COD-AB), United Nations "
    "Cartographic Section and OCHA, via the Humanitarian Data Exchange (HDX), CC BY-IGO"
)


@dataclass(frozen=True)
class Remote:
    """One file of a source: where it is, its release, what the source says about it."""

    url: str
    version: str
    file_name: str
    expected: Expected = field(default_factory=Expected)


@dataclass(frozen=True)
class Source:
    name: str  # as stored in ``sources.name``
    title: str
    licence: str
    citation: str
    manual: str  # how to load the file by hand
    check: Callable[[Path, str, str], None]


UCDP = Source(
    "ucdp",
    "UCDP GED",
    "CC BY 4.0",
    UCDP_CITATION,
    "to load it by hand: download it, then syria-events import ucdp GEDEvent_vXX_X.csv",
    formats.check_ucdp,
)
GEONAMES = Source(
    "geonames",
    "GeoNames",
    "CC BY 4.0",
    GEONAMES_CITATION,
    "to load it by hand: download SY.zip, unzip it, then syria-events gazetteer load "
    "--geonames SY.txt",
    formats.check_geonames,
)
OCHA = Source(
    "ocha",
    "OCHA COD-AB",
    "CC BY-IGO",
    OCHA_CITATION,
    "to load it by hand: download the boundaries from https://data.humdata.org/dataset/"
    "cod-ab-syr, unzip them, then syria-events gazetteer load --admin syr_admin1.geojson "
    "--admin syr_admin2.geojson --admin syr_admin3.geojson",
    formats.check_boundaries,
)
SOURCES = {s.name: s for s in (GEONAMES, OCHA, UCDP)}  # the order of `fetch all`

_YEARLY = re.compile(r"^(\d{2})\.(\d)$")
_CANDIDATE = re.compile(r"^\d{2}(\.\d{1,2}){2,3}$")


def ucdp_remote(settings: Settings, version: str | None) -> Remote:
    """The yearly release (``26.1``: ``ged261-csv.zip``) or a candidate (``26.0.3``:
    ``GEDEvent_v26_0_3.csv``; ``24.01.24.12``: the quarterly ``GEDEvent_v24_01_24_12.csv``)."""
    version = version or settings.fetch_ucdp_version
    base = settings.fetch_ucdp_url.rstrip("/")
    if yearly := _YEARLY.match(version):
        name = f"ged{yearly.group(1)}{yearly.group(2)}-csv.zip"
        return Remote(f"{base}/ged/{name}", version, name)
    if _CANDIDATE.match(version):
        name = f"GEDEvent_v{version.replace('.', '_')}.csv"
        return Remote(f"{base}/candidateged/{name}", version, name)
    raise FetchError(
        f"UCDP GED: no such release {version!r}",
        "a yearly release is like 25.1, a monthly candidate like 26.0.3",
    )


def geonames_remote(settings: Settings) -> Remote:
    return Remote(f"{settings.fetch_geonames_url.rstrip('/')}/SY.zip", "", "SY.zip")


def _hash(value: object) -> Expected:
    text = str(value or "").lower().removeprefix("sha256:").removeprefix("md5:")
    if re.fullmatch(r"[0-9a-f]{64}", text):
        return Expected(sha256=text)
    if re.fullmatch(r"[0-9a-f]{32}", text):
        return Expected(md5=text)
    return Expected()


def _geojson_zip(resource: dict[str, Any], *, strict: bool = False) -> bool:
    url = str(resource.get("url") or "").split("?", 1)[0].lower()
    name = str(resource.get("name") or "").lower()
    if not url:
        return False
    if url.endswith(".geojson.zip") or name.endswith(".geojson.zip"):
        return True
    return not strict and url.endswith(".zip") and str(resource.get("format")).lower() == "geojson"


def ocha_remote(client: httpx.Client, settings: Settings) -> Remote:
    """The GeoJSON zip of HDX's COD-AB dataset for Syria, found through CKAN's API (its URL
    holds the resource's id, which changes with each edition)."""
    dataset = settings.fetch_boundaries_dataset
    api = f"{settings.fetch_hdx_url.rstrip('/')}/api/3/action/package_show"
    label, hint = OCHA.title, OCHA.manual
    try:
        response = client.get(api, params={"id": dataset})
    except httpx.HTTPError as exc:
        host = httpx.URL(api).host
        raise FetchError(
            f"{label}: cannot reach {host} ({type(exc).__name__}: {exc})", hint
        ) from None
    if response.status_code != 200:
        raise FetchError(
            f"{label}: HDX dataset {dataset} answered {response.status_code} (moved?)", hint
        )
    try:
        resources = orjson.loads(response.content)["result"]["resources"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise FetchError(f"{label}: HDX's answer about {dataset} is not CKAN's", hint) from None
    listed = [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    # The 2025 editions' syr_admin_boundaries.geojson.zip; else an older edition's GeoJSON zip
    # (syr_adm_unocha_20210113_json.zip, format "GeoJSON").
    ranked = sorted(
        (r for r in listed if _geojson_zip(r)), key=lambda r: not _geojson_zip(r, strict=True)
    )
    for resource in ranked:
        url = str(resource["url"])
        size = resource.get("size")
        version = str(resource.get("last_modified") or resource.get("created") or "")[:10]
        expected = _hash(resource.get("hash"))
        if isinstance(size, int) and size > 0:
            expected = Expected(expected.sha256, expected.md5, size)
        file_name = url.split("?", 1)[0].rsplit("/", 1)[-1] or "boundaries.geojson.zip"
        return Remote(url, version, file_name, expected)
    raise FetchError(
        f"{label}: HDX dataset {dataset} has no GeoJSON zip resource (format changed?)", hint
    )
