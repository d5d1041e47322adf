"""What an import produces: events as the store keeps them, skips and the run's summary."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import orjson


class RowError(ValueError):
    """A row that cannot be imported: reported with its file and line, then skipped."""


class FileError(ValueError):
    """A file that cannot be read as the expected export (missing columns, not UTF-8)."""


@dataclass(frozen=True)
class Skip:
    """A well-formed row that is not ours to store (another country)."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ActorLink:
    name: str
    side: str  # actor1, actor2, assoc_actor_1, assoc_actor_2
    inter_code: int | None = None


RANGE_FIELDS = ("fatalities_low", "fatalities_high", "civilian_fatalities")


@dataclass
class Record:
    """One event as the importer stores it; ``source_version`` decides re-imports."""

    source: str
    source_id: str
    source_version: str
    event_date: date
    time_precision: int
    event_type: str
    sub_event_type: str
    description: str
    fatalities: int | None
    lon: float
    lat: float
    geo_precision: int
    governorate_pcode: str | None
    district_pcode: str | None
    place_id: str | None
    actors: tuple[ActorLink, ...] = ()
    # UCDP's low and high estimates and civilian deaths (ACLED has one figure only).
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    civilian_fatalities: int | None = None

    def content_digest(self) -> str:
        """A version for sources without one: what the import took from the row."""
        data = dataclasses.asdict(self)
        del data["source_version"]
        # Figures the row does not give leave the digest as it was before they existed, so
        # that an ACLED row without timestamp keeps its version.
        for name in RANGE_FIELDS:
            if data[name] is None:
                del data[name]
        digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
        return "sha256:" + digest.hexdigest()[:32]


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    other_countries: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # bad rows and files
    notes: list[str] = field(default_factory=list)  # rows older than the stored version

    @property
    def imported(self) -> int:
        """Rows that are in the store now, whether this run wrote them or found them there."""
        return self.created + self.updated + self.unchanged
