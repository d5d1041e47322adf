"""Everything CPU-bound about one report, as one pure function of the snapshot and the text:
what a geoparsing worker process runs (``app.geoparse.pool``), or the caller itself.

The result is columns of plain values, as they are stored: a worker sends it back pickled,
and the server unpickles it on its event loop's time, where thousands of mention objects
took tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.geoparse.events import DraftEvent, propose_events, select_drafts
from app.geoparse.gazetteer import Snapshot
from app.geoparse.parser import Parsed, geoparse


@dataclass(frozen=True)
class Job:
    """A cleaned report body to analyse."""

    body: str
    title: str | None
    reference: date  # relative dates ("yesterday") resolve against it
    max_drafts: int


@dataclass(frozen=True)
class Mentions:
    """Place mentions, one list per column of ``report_mentions``, in text order."""

    place_id: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    role: list[str] = field(default_factory=list)
    focus_weight: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, parsed: Parsed) -> Mentions:
        mentions = parsed.mentions
        return cls(
            [m.place.id for m in mentions],
            [m.match.text for m in mentions],
            [m.match.start for m in mentions],
            [m.match.end for m in mentions],
            [m.confidence for m in mentions],
            [m.method for m in mentions],
            list(parsed.roles.role),
            [round(w, 3) for w in parsed.weights],
        )


@dataclass(frozen=True)
class Drafts:
    """Draft events to store, one list per column, in text order; each has a place."""

    event_date: list[date] = field(default_factory=list)
    time_precision: list[int] = field(default_factory=list)
    event_type: list[str] = field(default_factory=list)
    sub_event_type: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    fatalities: list[int | None] = field(default_factory=list)
    geo_precision: list[int] = field(default_factory=list)
    place_id: list[str] = field(default_factory=list)
    governorate_pcode: list[str | None] = field(default_factory=list)  # the place's own
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    quote_start: list[int] = field(default_factory=list)
    quote_end: list[int] = field(default_factory=list)
    actors: list[list[tuple[str, str]]] = field(default_factory=list)  # (name, side)

    def __len__(self) -> int:
        return len(self.event_date)

    @classmethod
    def of(cls, drafts: list[DraftEvent]) -> Drafts:
        rows = cls()
        for d in drafts:
            assert d.place is not None
            place = d.place.place
            rows.event_date.append(d.event_date)
            rows.time_precision.append(d.time_precision)
            rows.event_type.append(d.event_type)
            rows.sub_event_type.append(d.sub_event_type)
            rows.description.append(d.description)
            rows.fatalities.append(d.fatalities)
            rows.geo_precision.append(d.geo_precision)
            rows.place_id.append(place.id)
            rows.governorate_pcode.append(place.governorate_pcode)
            rows.lon.append(place.lon)
            rows.lat.append(place.lat)
            rows.quote_start.append(d.quote_start)
            rows.quote_end.append(d.quote_end)
            rows.actors.append(list(d.actors))
        return rows


@dataclass(frozen=True)
class Analysis:
    mentions: Mentions
    focus_place_id: str | None
    focus_governorate_pcode: str | None
    focus_scores: dict[str, float]  # each governorate's vote, title included
    drafts: Drafts
    collapsed: int  # drafts that repeated a kept one
    omitted: int  # distinct drafts past ``max_drafts``


def analyse(snapshot: Snapshot, job: Job) -> Analysis:
    """The report's mentions, focus and the draft events it will store."""
    parsed = geoparse(snapshot, job.body, job.title)
    proposed = propose_events(
        parsed.folded, parsed.mentions, parsed.focus, job.reference, parsed.roles
    )
    chosen = select_drafts(proposed, job.max_drafts)
    return Analysis(
        Mentions.of(parsed),
        parsed.focus.place.id if parsed.focus.place else None,
        parsed.focus.governorate_pcode,
        parsed.focus.scores,
        Drafts.of(chosen.drafts),
        chosen.collapsed,
        chosen.omitted,
    )
