"""UCDP GED's CSV (the yearly and candidate releases): one row to one event.

GED codes three kinds of organised violence and no sub-types; they become the ACLED types
closest to what GED counts (events with at least one death):

| type_of_violence | ACLED event_type / sub_event_type |
| --- | --- |
| 1 state-based conflict | Battles / Armed clash |
| 2 non-state conflict | Battles / Armed clash |
| 3 one-sided violence (against civilians) | Violence against civilians / Attack |

GED's precision codes are finer than ACLED's and are mapped to the nearest coarser one:
``date_prec`` 1 day → 1; 2 (2-6 days), 3 (a week) → 2; 4 (a month), 5 (longer) → 3.
``where_prec`` 1 exact → 1; 2 within 25 km → 2; 3 district, 4 governorate, 5 a line
(road, river, front), 6 country, 7 waters or airspace → 3.
"""

from __future__ import annotations

import re

from app.events.schemas import fatality_range_problems
from app.exchange.fields import parse_date, parse_int, parse_optional_int, parse_point
from app.exchange.geography import PlaceIndex, governorate_pcode, name_key
from app.exchange.schemas import ActorLink, Record, RowError, Skip

SOURCE = "ucdp"
AUTHOR = "import:ucdp"
SYRIA_GW = 652  # Gleditsch-Ward code, GED's country_id

REQUIRED = ("id", "type_of_violence", "date_start", "latitude", "longitude")
TYPES = {
    1: ("Battles", "Armed clash", "state-based conflict"),
    2: ("Battles", "Armed clash", "non-state conflict"),
    3: ("Violence against civilians", "Attack", "one-sided violence"),
}
TIME_PRECISION = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}
GEO_PRECISION = {1: 1, 2: 2, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3}
# GED names a place with what it is: "Kafr Nubl town", "Aleppo city".
_KIND_SUFFIX = re.compile(
    r"\s+(town|city|village|district|sub-?district|nahiya|governorate|province|area)$", re.I
)


def _outside_syria(row: dict[str, str]) -> Skip | None:
    country_id = row.get("country_id", "").strip()
    country = row.get("country", "").strip()
    if country_id:
        if parse_int(country_id, "country_id", 0, 10_000) == SYRIA_GW:
            return None
        return Skip("not in Syria", country or f"country_id {country_id}")
    if not country:
        raise RowError("neither country_id nor country says where it happened")
    return None if name_key(country) == "syria" else Skip("not in Syria", country)


def _place_name(raw: str) -> str:
    return _KIND_SUFFIX.sub("", raw.split("(")[0].strip())


def _description(row: dict[str, str], label: str) -> str:
    """GED has no notes: what it says of the event, in one line."""
    start, end = row.get("date_start", "")[:10], row.get("date_end", "")[:10]
    when = start if not end or end == start else f"{start} to {end}"
    deaths = row.get("best", "").strip() or "unknown"
    low, high = row.get("low", "").strip(), row.get("high", "").strip()
    bounds = (
        f" (low {low}, high {high})" if low and high and (low, high) != (deaths, deaths) else ""
    )
    parts = [
        f"UCDP GED, {label}",
        row.get("dyad_name", "").strip() or row.get("conflict_name", "").strip(),
        f"{when}; best estimate {deaths} deaths{bounds}",
        row.get("where_description", "").strip(),
    ]
    return ". ".join(p for p in parts if p) + "."


def _deaths(row: dict[str, str]) -> tuple[int | None, int | None, int | None, int | None]:
    """best, low, high and deaths_civilians; a row whose figures contradict each other (low
    above best, best above high, more civilians than high) is a bad row, as the store's
    checks would refuse it."""
    figures = tuple(
        parse_optional_int(row.get(column, ""), column)
        for column in ("best", "low", "high", "deaths_civilians")
    )
    best, low, high, civilians = figures
    if fatality_range_problems(best, low, high, civilians):
        raise RowError(
            f"deaths do not add up: low {low}, best {best}, high {high},"
            f" deaths_civilians {civilians}"
        )
    return best, low, high, civilians


def parse_row(row: dict[str, str], places: PlaceIndex) -> Record | Skip:
    """One GED row as an event, a skip (another country), or a ``RowError``."""
    skip = _outside_syria(row)
    if skip is not None:
        return skip
    source_id = row["id"].strip()
    if not source_id:
        raise RowError("id is empty")
    violence = parse_int(row["type_of_violence"], "type_of_violence", 1, 3)
    event_type, sub_event_type, label = TYPES[violence]
    day = parse_date(row["date_start"], "date_start")
    if row.get("date_end", "").strip():
        parse_date(row["date_end"], "date_end")
    where_prec = parse_int(row.get("where_prec", ""), "where_prec", 1, 7, 1)
    lon, lat = parse_point(row["latitude"], row["longitude"])
    governorate = governorate_pcode(row.get("adm_1", ""))
    # Only a point that is the place itself (or within 25 km of it) names a place.
    place = (
        places.place(governorate, _place_name(row.get("where_coordinates", "")))
        if where_prec <= 2
        else None
    )
    district = places.district(governorate, row.get("adm_2", ""))
    actors = [
        ActorLink(name, side)
        for side, column in (("actor1", "side_a"), ("actor2", "side_b"))
        if (name := row.get(column, "").strip())
    ]
    best, low, high, civilians = _deaths(row)
    record = Record(
        source=SOURCE,
        source_id=source_id,
        source_version="",
        event_date=day,
        time_precision=TIME_PRECISION[parse_int(row.get("date_prec", ""), "date_prec", 1, 5, 1)],
        event_type=event_type,
        sub_event_type=sub_event_type,
        description=_description(row, label),
        fatalities=best,
        fatalities_low=low,
        fatalities_high=high,
        civilian_fatalities=civilians,
        lon=lon,
        lat=lat,
        geo_precision=GEO_PRECISION[where_prec],
        governorate_pcode=governorate,
        district_pcode=district or (places.district_of.get(place) if place else None),
        place_id=place,
        actors=tuple(actors),
    )
    # GED has no revision stamp: a re-import compares what it would store with what the
    # previous import stored, so an unchanged row writes nothing.
    record.source_version = record.content_digest()
    return record
