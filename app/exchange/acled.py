"""ACLED's CSV exports: the columns, their meaning here, and one row to one event.

Column names and codes follow ACLED's codebook (2023, revised 2024): precision codes are the
store's own (1 day / 2 week / 3 month; 1 place / 2 near it / 3 region), ``inter1``/``inter2``
come as numbers (0-8) or, in exports since 2024, as their labels.
"""

from __future__ import annotations

from app.exchange.fields import (
    event_types,
    parse_date,
    parse_int,
    parse_optional_int,
    parse_point,
    split_names,
)
from app.exchange.geography import PlaceIndex, governorate_pcode, name_key
from app.exchange.schemas import ActorLink, Record, RowError, Skip

SOURCE = "acled"
AUTHOR = "import:acled"
SYRIA_ISO = 760

# What ACLED publishes, in its order: f=acled writes exactly these.
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude")

INTER_CODES = {
    "state forces": 1,
    "rebel group": 2,
    "political militia": 3,
    "identity militia": 4,
    "rioters": 5,
    "protesters": 6,
    "civilians": 7,
    "external/other forces": 8,
}

# ACLED's disorder_type by sub-event type: political violence, demonstrations (protests and
# riots), or both for the two kinds of demonstration in which force is used against people;
# strategic developments are their own. The export derives it; the import ignores it.
DISORDER_BOTH = ("Excessive force against protesters", "Mob violence")
DISORDER_BY_EVENT_TYPE = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}


def _inter_code(raw: str, column: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if text.lower() in INTER_CODES:
        return INTER_CODES[text.lower()]
    return parse_int(text, column, 0, 8)


def _actors(row: dict[str, str]) -> tuple[ActorLink, ...]:
    links: list[ActorLink] = []
    for side, names_column, inter_column in (
        ("actor1", "actor1", "inter1"),
        ("assoc_actor_1", "assoc_actor_1", None),
        ("actor2", "actor2", "inter2"),
        ("assoc_actor_2", "assoc_actor_2", None),
    ):
        code = _inter_code(row.get(inter_column, ""), inter_column) if inter_column else None
        # An actor column holds one actor in ACLED's files; ours write several as "a; b".
        links += [ActorLink(n, side, code) for n in split_names(row.get(names_column, ""))]
    return tuple(dict.fromkeys(links))


def _outside_syria(row: dict[str, str]) -> Skip | None:
    country = row.get("country", "").strip()
    if country:
        if name_key(country) in ("syria", "syrianarabrepublic"):
            return None
        return Skip("not in Syria", country)
    iso = row.get("iso", "").strip()
    if not iso:
        raise RowError("neither country nor iso says where it happened")
    return None if iso in (str(SYRIA_ISO), "SYR") else Skip("not in Syria", f"iso {iso}")


def parse_row(row: dict[str, str], places: PlaceIndex) -> Record | Skip:
    """One ACLED row as an event, a skip (another country), or a ``RowError``."""
    skip = _outside_syria(row)
    if skip is not None:
        return skip
    source_id = row["event_id_cnty"].strip()
    if not source_id:
        raise RowError("event_id_cnty is empty")
    day = parse_date(row["event_date"], "event_date")
    year = row.get("year", "").strip()
    if year and year != str(day.year):
        raise RowError(f"year {year} is not the year of event_date {row['event_date']}")
    kind, sub = event_types(row["event_type"], row["sub_event_type"])
    lon, lat = parse_point(row["latitude"], row["longitude"])
    governorate = governorate_pcode(row.get("admin1", ""))
    place = places.place(governorate, row.get("location", ""))
    district = places.district(governorate, row.get("admin2", ""))
    record = Record(
        source=SOURCE,
        source_id=source_id,
        source_version="",
        event_date=day,
        time_precision=parse_int(row.get("time_precision", ""), "time_precision", 1, 3, 1),
        event_type=kind,
        sub_event_type=sub,
        description=row.get("notes", "").strip(),
        fatalities=parse_optional_int(row.get("fatalities", ""), "fatalities"),
        lon=lon,
        lat=lat,
        geo_precision=parse_int(row.get("geo_precision", ""), "geo_precision", 1, 3, 1),
        governorate_pcode=governorate,
        district_pcode=district or (places.district_of.get(place) if place else None),
        place_id=place,
        actors=_actors(row),
    )
    # ACLED's timestamp (unix seconds) changes whenever ACLED revises the event; a file
    # without one falls back to what was taken from the row.
    stamp = row.get("timestamp", "").strip()
    record.source_version = (
        str(parse_int(stamp, "timestamp", 0, 2**53)) if stamp else record.content_digest()
    )
    return record
