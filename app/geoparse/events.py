"""Draft events proposed from a report's sentences, for an analyst to confirm."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import ahocorasick

from app.geoparse.dates import find_dates
from app.geoparse.lexicon import SUB_EVENT_CUES
from app.geoparse.resolve import Focus, Resolved
from app.geoparse.roles import EVENT_ROLES, Roles
from app.geoparse.text import Folded
from app.geoparse.wording import (
    ACTOR_CUES,
    DEATH_WORDS,
    GOVERNMENT,
    INTENT_MARKERS,
    NUMBER_WORDS,
)
from app.taxonomy import SUB_EVENT_TYPES

_SENTENCE_END = re.compile(r"[.!?؟\n]+")
_NUMBER = re.compile(r"\d+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_GEO_PRECISION = {"facility": 1, "settlement": 1, "region": 2, "admin": 3}


@dataclass
class DraftEvent:
    event_date: date
    time_precision: int
    event_type: str
    sub_event_type: str
    description: str
    place: Resolved | None
    geo_precision: int
    actors: list[tuple[str, str]] = field(default_factory=list)
    fatalities: int | None = None
    quote_start: int = 0
    quote_end: int = 0


def _sentences(source: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(source):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(source)))
    spans = [(a + len(source[a:b]) - len(source[a:b].lstrip()), b) for a, b in spans]
    return [(a, b) for a, b in spans if len(source[a:b].split()) >= 4]


def _has(words: str, cue: str) -> bool:
    return f" {cue} " in words


def _happened(words: str, cue: str) -> bool:
    """The cue occurs at least once not just after an intention marker."""
    start = words.find(f" {cue} ")
    while start >= 0:
        before = words[max(0, start - 25) : start + 1]
        if not any(f" {marker} " in f" {before} " for marker in INTENT_MARKERS):
            return True
        start = words.find(f" {cue} ", start + 1)
    return False


@cache
def _cue_finder() -> ahocorasick.Automaton:
    """Every event cue, to find the few a sentence holds in one pass over it."""
    automaton = ahocorasick.Automaton()
    for _, cues in SUB_EVENT_CUES:
        for cue in cues:
            automaton.add_word(f" {cue} ", cue)
    automaton.make_automaton()
    return automaton


def _sub_event(words: str) -> str | None:
    present = {cue for _, cue in _cue_finder().iter(words)}
    if not present:
        return None
    for sub, cues in SUB_EVENT_CUES:
        if any(_happened(words, c) for c in cues if c in present):
            return sub
    return None


def names_event(words: str) -> bool:
    """Whether a sentence (folded, padded with spaces) reports an event."""
    return _sub_event(words) is not None


def _actors(words: str) -> list[str]:
    found = [
        (words.find(f" {c} "), actor)
        for actor, cues in ACTOR_CUES.items()
        for c in cues
        if _has(words, c)
    ]
    ordered: list[str] = []
    for _, actor in sorted(found):
        if actor not in ordered:
            ordered.append(actor)
    return ordered[:3]


def _fatalities(words: str) -> int | None:
    tokens = words.translate(_DIGITS).split()
    best: int | None = None
    for i, token in enumerate(tokens):
        if token not in DEATH_WORDS:
            continue
        for near in tokens[max(0, i - 3) : i + 4]:
            value = int(near) if _NUMBER.fullmatch(near) else NUMBER_WORDS.get(near)
            if value is not None and value < 10000 and not 1900 <= value <= 2100:
                best = max(best or 0, value)
    return best


def _territory(sub: str, actors: list[str]) -> str:
    """Who took the ground decides between ACLED's two territorial sub-types."""
    if sub in ("Government regains territory", "Non-state actor overtakes territory"):
        return (
            "Government regains territory"
            if actors[:1] == [GOVERNMENT]
            else "Non-state actor overtakes territory"
        )
    return sub


class _Places:
    """Where a sentence's event is: a mention of that sentence whose role can be where
    something happened (not a speaker, a dateline, a byline or a tag), else one of the
    sentence before or after, else the report's focus. Mentions are looked up by offset
    (bisect), not scanned for every sentence, which made proposing quadratic in the text."""

    def __init__(self, mentions: list[Resolved], roles: Roles | None, focus: Focus) -> None:
        order = sorted(range(len(mentions)), key=lambda i: mentions[i].match.start)
        self._mentions = [mentions[i] for i in order]
        self._rank = [
            EVENT_ROLES.index(roles.role[i])
            if roles and roles.role[i] in EVENT_ROLES
            else (len(EVENT_ROLES) if roles else 0)
            for i in order
        ]
        self._starts = [m.match.start for m in self._mentions]
        self._focus = focus
        self._at_focus = (
            next((m for m in self._mentions if m.place.id == focus.place.id), None)
            if focus.place is not None
            else None
        )

    def _within(self, start: int, end: int) -> tuple[Resolved, int] | None:
        lo, hi = bisect_left(self._starts, start), bisect_left(self._starts, end)
        usable = [
            (self._rank[i], _GEO_PRECISION.get(m.place.place_class, 3), i)
            for i, m in enumerate(self._mentions[lo:hi], start=lo)
            if m.place.country_code == "SY" and self._rank[i] < len(EVENT_ROLES)
        ]
        if not usable:
            return None
        # The best role first (the place of the event before the end of a journey), then
        # the most precise place.
        _, precision, i = min(usable)
        return self._mentions[i], precision

    def of(self, spans: list[tuple[int, int]], k: int) -> tuple[Resolved | None, int]:
        """The place of sentence ``k`` of ``spans`` and its ACLED geo_precision; without
        one in it or its neighbours, the report's focus, flagged as approximate (2)."""
        for j in (k, k - 1, k + 1):
            if 0 <= j < len(spans) and (found := self._within(*spans[j])):
                return found[0], found[1] if j == k else max(found[1], 2)
        if self._focus.place is not None:
            return self._at_focus, 2 if self._at_focus else 3
        return None, 3


def propose_events(
    folded: Folded,
    mentions: list[Resolved],
    focus: Focus,
    published: date,
    roles: Roles | None = None,
) -> list[DraftEvent]:
    """One draft per sentence that names an event, placed and dated from that sentence."""
    drafts: list[DraftEvent] = []
    dates = find_dates(folded.text, published)
    date_starts = [d[0] for d in dates]
    places = _Places(mentions, roles, focus)
    spans = _sentences(folded.source)
    for k, (start, end) in enumerate(spans):
        a, b = bisect_left(folded.origin, start), bisect_left(folded.origin, end)
        words = f" {folded.text[a:b].strip()} "
        sub = _sub_event(words)
        if sub is None:
            continue
        actors = _actors(words)
        sub = _territory(sub, actors)
        place, geo = places.of(spans, k)
        day, precision = published, 2
        first = bisect_left(date_starts, a)
        if first < len(dates) and dates[first][0] < b:
            day, precision = dates[first][2], dates[first][3]
        elif dates:
            day, precision = dates[0][2], dates[0][3]
        sides = ("actor1", "actor2", "assoc_actor_1")
        drafts.append(
            DraftEvent(
                event_date=day,
                time_precision=precision,
                event_type=SUB_EVENT_TYPES[sub],
                sub_event_type=sub,
                description=folded.source[start:end].strip(),
                place=place,
                geo_precision=geo,
                actors=list(zip(actors, sides, strict=False)),
                fatalities=_fatalities(words),
                quote_start=start,
                quote_end=end,
            )
        )
    return drafts


@dataclass(frozen=True)
class Selection:
    """The drafts a report stores, and what was left out and why."""

    drafts: list[DraftEvent]
    collapsed: int  # repeats of a kept draft (same date, type, place, actors, fatalities)
    omitted: int  # distinct drafts past the ceiling


def _identity(draft: DraftEvent) -> tuple[object, ...]:
    """Everything that makes a draft an event of its own: all but its sentence."""
    place = draft.place.place.id if draft.place else None
    return (
        draft.event_date,
        draft.time_precision,
        draft.event_type,
        draft.sub_event_type,
        place,
        draft.geo_precision,
        tuple(draft.actors),
        draft.fatalities,
    )


def select_drafts(drafts: list[DraftEvent], ceiling: int) -> Selection:
    """The placed drafts in text order, a repeat of an earlier one collapsed into it (its
    first sentence is the quote), at most ``ceiling`` of them (the first ones)."""
    seen: set[tuple[object, ...]] = set()
    distinct: list[DraftEvent] = []
    placed = [d for d in drafts if d.place is not None]  # an event must have a location
    for draft in placed:
        identity = _identity(draft)
        if identity not in seen:
            seen.add(identity)
            distinct.append(draft)
    kept = distinct[:ceiling]
    return Selection(kept, len(placed) - len(distinct), len(distinct) - len(kept))
