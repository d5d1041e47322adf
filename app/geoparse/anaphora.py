"""Possessive facility nouns: "مدينة دير الزور ومطارها العسكري", "Deir ez-Zor and its airport".

The noun refers to the facility of the place just named; it becomes a mention of that
facility when the gazetteer knows one ("مطار دير الزور", "Deir ez-Zor airport").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from app.geoparse.gazetteer import Snapshot
from app.geoparse.recognize import Match
from app.geoparse.resolve import Resolved
from app.geoparse.text import Folded, fold_name

_HEADS_AR = {"مطار": "مطار", "معبر": "معبر", "قاعده": "قاعده", "سد": "سد"}
_HEADS_EN = {
    "airport": "airport",
    "air base": "air base",
    "airbase": "air base",
    "crossing": "crossing",
    "dam": "dam",
    "base": "base",
}
_AR = re.compile(
    r"(?<![^\s])(?:و|ف|ب|ل)?(مطار|معبر|قاعده|سد)(?:ها|ه)(?: (العسكري|الدولي))?(?![^\s])"
)
_EN = re.compile(r"\bits (?:(military|international) )?(airport|air base|airbase|crossing|dam)\b")
_WINDOW = 40  # characters between the place and the noun
_ANCHORS = ("settlement", "admin")  # what "its airport" can refer back to


def _facility(snapshot: Snapshot, keys: list[str]) -> str | None:
    for key in keys:
        exact = [e for e in snapshot.entries.get(key, []) if e.prefix == 0]
        facilities = [e for e in exact if snapshot.places[e.place_id].place_class == "facility"]
        if facilities:
            return facilities[0].place_id
    return None


def resolve_anaphora(
    snapshot: Snapshot, folded: Folded, resolved: list[Resolved]
) -> list[Resolved]:
    """Facility mentions that refer back to the place named just before them."""
    found: list[Resolved] = []
    # By end offset, to look at the few mentions that end within the window (not at all of
    # them for every noun): the anchor is the last of those in the order given.
    by_end = sorted((r.match.end, i) for i, r in enumerate(resolved))
    ends = [end for end, _ in by_end]
    for pattern, heads, arabic in ((_AR, _HEADS_AR, True), (_EN, _HEADS_EN, False)):
        for m in pattern.finditer(folded.text):
            start_orig, end_orig = folded.span(m.start(1) if arabic else m.start(), m.end())
            lo, hi = bisect_left(ends, start_orig - _WINDOW), bisect_right(ends, start_orig)
            before = [i for _, i in by_end[lo:hi] if resolved[i].place.place_class in _ANCHORS]
            if not before:
                continue
            anchor = resolved[max(before)]
            name = fold_name(anchor.match.text)
            qualifier = m.group(2) if arabic else m.group(1)
            head = heads[m.group(1) if arabic else m.group(2)]
            if arabic:
                keys = [f"{head} {name} {qualifier}" if qualifier else "", f"{head} {name}"]
            else:
                keys = [f"{name} {qualifier} {head}" if qualifier else "", f"{name} {head}"]
            place_id = _facility(snapshot, [k for k in keys if k])
            if place_id is None:
                continue
            text = folded.source[start_orig:end_orig]
            match = Match(start_orig, end_orig, text, (), False, text.count(" ") + 1)
            found.append(
                Resolved(
                    match, snapshot.places[place_id], round(anchor.confidence * 0.9, 3), "anaphora"
                )
            )
    return found
