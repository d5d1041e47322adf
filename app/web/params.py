"""Parsing of the common query parameters; every failure names its parameter (400)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.errors import InvalidParameter

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# GDAL's OAPIF driver (3.6 and older) sends a date of a -where as "2017-01-01T": that date.
_GDAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T$")
# RFC 3339 date-time: 'T' or space separator, optional fraction, Z or an offset.
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class DateRange:
    """Inclusive day range; None is an open end."""

    start: date | None
    end: date | None


def parse_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(name, f"'{raw}' is not a number") from None
    if not math.isfinite(value):
        raise InvalidParameter(name, f"'{raw}' is not a finite number")
    return value


def parse_bbox(raw: str, name: str = "bbox") -> BBox:
    """``minLon,minLat,maxLon,maxLat`` in CRS84 (a 6-number 3D box drops its heights)."""
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter(
            name, f"expected 4 numbers minLon,minLat,maxLon,maxLat, got {len(parts)}"
        )
    nums = [parse_float(name, p.strip()) for p in parts]
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    min_lon, min_lat, max_lon, max_lat = nums
    for lon in (min_lon, max_lon):
        if not -180 <= lon <= 180:
            raise InvalidParameter(name, f"longitude {lon} is outside -180..180")
    for lat in (min_lat, max_lat):
        if not -90 <= lat <= 90:
            raise InvalidParameter(name, f"latitude {lat} is outside -90..90")
    if min_lon > max_lon:
        raise InvalidParameter(name, "minLon is greater than maxLon")
    if min_lat > max_lat:
        raise InvalidParameter(name, "minLat is greater than maxLat")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_point(raw: str, name: str) -> tuple[float, float]:
    """``lon,lat``."""
    parts = raw.split(",")
    if len(parts) != 2:
        raise InvalidParameter(name, "expected lon,lat")
    lon, lat = (parse_float(name, p.strip()) for p in parts)
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise InvalidParameter(name, "longitude must be in -180..180 and latitude in -90..90")
    return lon, lat


def _instant(name: str, raw: str) -> date:
    """A date or an RFC 3339 date-time, as the UTC day it falls on."""
    try:
        if _DATE.match(raw) or _GDAL_DATE.match(raw):
            return date.fromisoformat(raw[:10])
        if _DATETIME.match(raw):
            parsed = datetime.fromisoformat(raw.replace("z", "Z").replace("t", "T"))
            return parsed.astimezone(UTC).date()
    except (ValueError, OverflowError) as exc:  # overflow: a UTC day before year 1 or after 9999
        raise InvalidParameter(name, f"'{raw}' is not a valid date: {exc}") from None
    raise InvalidParameter(
        name,
        f"'{raw}' is not an RFC 3339 date or date-time (e.g. 2017-01-31 or 2017-01-31T12:00:00Z)",
    )


def parse_datetime(raw: str, name: str = "datetime") -> DateRange:
    """An instant, ``start/end``, ``../end``, ``start/..`` (an empty end is open too)."""
    raw = raw.strip()
    if "/" not in raw:
        day = _instant(name, raw)
        return DateRange(day, day)
    parts = raw.split("/")
    if len(parts) != 2:
        raise InvalidParameter(name, "an interval has exactly one '/'")
    start_raw, end_raw = (p.strip() for p in parts)
    start = None if start_raw in ("", "..") else _instant(name, start_raw)
    end = None if end_raw in ("", "..") else _instant(name, end_raw)
    if start is None and end is None:
        raise InvalidParameter(name, "both ends of the interval are open")
    if start and end and start > end:
        raise InvalidParameter(name, "the interval starts after it ends")
    return DateRange(start, end)


def parse_limit(raw: str | None, default: int, maximum: int, name: str = "limit") -> int:
    """Default when absent; values above the maximum are clamped, below 1 rejected."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(name, f"'{raw}' is not an integer") from None
    if value < 1:
        raise InvalidParameter(name, "must be at least 1")
    return min(value, maximum)


def parse_positive(raw: str, name: str, maximum: float) -> float:
    value = parse_float(name, raw)
    if not 0 < value <= maximum:
        raise InvalidParameter(name, f"must be greater than 0 and at most {maximum:g}")
    return value


def parse_bool(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    folded = raw.strip().lower()
    if folded in ("true", "1", "yes"):
        return True
    if folded in ("false", "0", "no", ""):
        return False
    raise InvalidParameter(name, "expected true or false")


def split_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_timestamp(raw: str, name: str) -> datetime:
    """An RFC 3339 date-time (a date alone is its midnight UTC), as an aware datetime."""
    raw = raw.strip()
    try:
        if _DATE.match(raw):
            return datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
        if _DATETIME.match(raw):
            parsed = datetime.fromisoformat(raw.replace("z", "Z").replace("t", "T"))
            # In UTC here, so an instant before year 1 or after 9999 there is a 400 (not the
            # database driver's overflow, a 500).
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidParameter(name, f"'{raw}' is not a valid date-time: {exc}") from None
    raise InvalidParameter(
        name, f"'{raw}' is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)"
    )
