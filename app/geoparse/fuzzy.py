"""Spelling variants in English text: a capitalised name the gazetteer lacks as written
("Salamieh", "Jindires") is compared with the Latin names of Syrian places.

The threshold is fixed (not tuned on the evaluation set); a fuzzy match needs the same
support as a small village (another place of its governorate in the text), and its
confidence is lower than an exact match's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from app.geoparse.gazetteer import STOP_NAMES, NameEntry, Snapshot
from app.geoparse.recognize import Match
from app.geoparse.resolve import Resolved
from app.geoparse.text import fold_name

THRESHOLD = 90.0
_CANDIDATE = re.compile(r"\b(?:al-|el-|Al-|El-)?[A-Z][a-z'’]{3,}(?:[ -](?:al-)?[A-Z][a-z'’]{2,})?")


@dataclass(frozen=True)
class FuzzyIndex:
    keys: list[str]
    entries: list[list[NameEntry]]


def build_index(snapshot: Snapshot) -> FuzzyIndex:
    keys, entries = [], []
    for key, bucket in snapshot.entries.items():
        syrian = [
            e
            for e in bucket
            if e.prefix == 0 and not e.blocks and snapshot.places[e.place_id].country_code == "SY"
        ]
        if syrian and key.isascii() and len(key) >= 5:
            keys.append(key)
            entries.append(syrian)
    return FuzzyIndex(keys, entries)


def fuzzy_mentions(
    snapshot: Snapshot, index: FuzzyIndex, source: str, resolved: list[Resolved]
) -> list[Resolved]:
    """Mentions of near-spellings in the parts of ``source`` no exact match covers."""
    # Covered characters, one byte each (a test against every mention was quadratic), and
    # each distinct word compared with the gazetteer once.
    taken = bytearray(len(source) + 1)
    for r in resolved:
        taken[r.match.start : r.match.end] = b"\x01" * (r.match.end - r.match.start)
    nearest: dict[str, tuple[str, float, int] | None] = {}
    governorates = {r.place.governorate_pcode for r in resolved if r.place.governorate_pcode}
    found: list[Resolved] = []
    for m in _CANDIDATE.finditer(source):
        if taken.find(1, m.start(), m.end()) >= 0:
            continue
        key = fold_name(m.group(0))
        if key in STOP_NAMES or len(key) < 5 or m.start() == 0 or source[m.start() - 2] in ".!?":
            continue  # a capital after a full stop says nothing about a name
        if key not in nearest:
            nearest[key] = process.extractOne(
                key, index.keys, scorer=fuzz.ratio, score_cutoff=THRESHOLD
            )
        best = nearest[key]
        if best is None:
            continue
        candidates = [snapshot.places[e.place_id] for e in index.entries[best[2]]]
        supported = [p for p in candidates if p.governorate_pcode in governorates]
        if not supported:
            continue
        place = max(supported, key=lambda p: p.population)
        match = Match(m.start(), m.end(), m.group(0), (), False, m.group(0).count(" ") + 1)
        found.append(Resolved(match, place, round(0.6 * best[1] / 100, 3), "fuzzy"))
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return found
