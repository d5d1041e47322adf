"""Parsing of single CSV values; each failure is a ``RowError`` that names the column."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

from app.exchange.schemas import RowError
from app.taxonomy import EVENT_TYPES, SUB_EVENT_TYPES, canonical

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
# "31 January 2024" (ACLED's export tool), "31-Jan-2024", "31 Jan, 2024".
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)\.?[ ,-]+(\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# ACLED's older codebooks spell it "protestors"; the taxonomy table says "protesters".
_SUB_TYPE_ALIASES = {"excessive force against protestors": "Excessive force against protesters"}


def parse_date(raw: str, column: str) -> date:
    """An ISO date (a time after it is ignored) or "31 January 2024"; numeric day/month
    forms are refused, since 01/02/2024 reads both ways."""
    text = raw.strip()
    try:
        if m := _ISO.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
        elif (m := _DAY_MONTH_YEAR.match(text)) and m[2].lower() in _MONTHS:
            day = date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
        else:
            raise ValueError
    except ValueError:
        raise RowError(
            f"{column} '{raw}' is not a date (yyyy-mm-dd or '31 January 2024')"
        ) from None
    if day < date(1900, 1, 1) or day > datetime.now(UTC).date() + timedelta(days=1):
        raise RowError(f"{column} '{raw}' is out of range")
    return day


def parse_int(raw: str, column: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number within [low, high]; a blank gives ``default`` (or is an error)."""
    text = raw.strip()
    if not text:
        if default is None:
            raise RowError(f"{column} is empty")
        return default
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"{column} '{raw}' is not a number") from None
    if not number.is_integer() or not low <= number <= high:
        raise RowError(f"{column} '{raw}' is not a whole number in {low}..{high}")
    return int(number)


def parse_optional_int(raw: str, column: str, high: int = 1_000_000) -> int | None:
    return None if not raw.strip() else parse_int(raw, column, 0, high)


def parse_coordinate(raw: str, column: str, limit: float) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise RowError(f"bad coordinate: {column} '{raw}' is not a number") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise RowError(f"bad coordinate: {column} '{raw}' is outside -{limit:g}..{limit:g}")
    return value


def parse_point(latitude: str, longitude: str) -> tuple[float, float]:
    """(lon, lat) from the two columns."""
    lat = parse_coordinate(latitude, "latitude", 90)
    lon = parse_coordinate(longitude, "longitude", 180)
    if lat == 0 and lon == 0:
        raise RowError("bad coordinate: 0, 0 (no location)")
    return lon, lat


def event_types(event_type: str, sub_event_type: str) -> tuple[str, str]:
    """ACLED's event type and sub-event type as the taxonomy table spells them."""
    kind = canonical(event_type, list(EVENT_TYPES))
    if kind is None:
        raise RowError(f"unknown event_type '{event_type}'")
    raw_sub = _SUB_TYPE_ALIASES.get(sub_event_type.strip().casefold(), sub_event_type)
    sub = canonical(raw_sub, list(EVENT_TYPES[kind]))
    if sub is None:
        known = SUB_EVENT_TYPES.get(canonical(raw_sub, list(SUB_EVENT_TYPES)) or "")
        where = f" (it belongs to {known})" if known else ""
        raise RowError(f"unknown sub_event_type '{sub_event_type}' for {kind}{where}")
    return kind, sub


def split_names(raw: str) -> list[str]:
    """Actor names of one column; ACLED separates associated actors with '; '."""
    return [name.strip() for name in raw.split(";") if name.strip()]
