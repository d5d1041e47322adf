"""Spellings the gazetteer lacks as written, in English text.

Two steps, for capitalised names (with lower-case articles between: "Dayr az Zawr") that no
exact match covers:

1. **Romanisation variants** (``app.geoparse.romanize``): the name's consonant skeleton is
   looked up among the skeletons of every Syrian place's names, Latin and Arabic, so "Raqa",
   "Dayr az Zawr" and "Maaret al-Numan" find al-Raqqa, Deir ez-Zor and Maarat al-Numan
   however the gazetteer spells them. A skeleton over-matches, so the spelling must also be
   close to one of the place's Latin names with vowels kept (``mild_key``); a place known
   only by an Arabic name of that skeleton needs a longer skeleton and the support below.
2. **Near-spellings** ("Salamieh", "Jindires"): rapidfuzz against the Latin names, at a fixed
   threshold (not tuned on the evaluation set).

A small place found either way needs support: another place of its governorate in the text,
or a settlement word before it ("the village of X"); its confidence is below an exact match's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from app.geoparse.gazetteer import STOP_NAMES, NameEntry, PlaceInfo, Snapshot
from app.geoparse.recognize import Match
from app.geoparse.resolve import Resolved, cued
from app.geoparse.romanize import ARTICLES, arabic_skeleton, is_arabic, latin_skeleton, mild_key
from app.geoparse.text import fold_name

THRESHOLD = 90.0  # near-spellings (rapidfuzz ratio of folded names)
VARIANT_THRESHOLD = 80.0  # romanisation variants (ratio of mild keys, same skeleton)
# Short skeletons ("rk": Raqa) and capitals after a full stop collide with English words
# ("Fourth" and al-Furat share "frt"): those need a closer spelling.
STRICT_THRESHOLD = 90.0
_SHORT_SKELETON = 3
_ARABIC_ONLY_SKELETON = 4  # consonants a skeleton needs when only an Arabic name has it
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’ʿʾ`](?=[^\W\d_]))*")
_MAX_WORDS = 5  # a window of a run of capitalised words, articles included


@dataclass(frozen=True)
class FuzzyIndex:
    keys: list[str]
    entries: list[list[NameEntry]]
    # skeleton -> (place id, mild key of a Latin name; None for an Arabic name)
    skeletons: dict[str, list[tuple[str, str | None]]]


def build_index(snapshot: Snapshot) -> FuzzyIndex:
    keys, entries = [], []
    skeletons: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for key, bucket in snapshot.entries.items():
        syrian = [
            e
            for e in bucket
            if e.prefix == 0 and not e.blocks and snapshot.places[e.place_id].country_code == "SY"
        ]
        if not syrian:
            continue
        if key.isascii() and len(key) >= 5:
            keys.append(key)
            entries.append(syrian)
        arabic = is_arabic(key)
        skeleton = arabic_skeleton(key) if arabic else latin_skeleton(key)
        if len(skeleton) < 2:
            continue
        for e in syrian:
            value = (e.place_id, None if arabic else mild_key(key))
            if value not in skeletons[skeleton]:
                skeletons[skeleton].append(value)
    return FuzzyIndex(keys, entries, dict(skeletons))


def _notable(place: PlaceInfo) -> bool:
    """Known well enough to be named without support: not a small village."""
    return place.place_class != "settlement" or place.kind == "city" or place.population >= 20_000


def _runs(source: str) -> list[list[re.Match[str]]]:
    """Runs of capitalised Latin words, joined by a space or a hyphen, with lower-case
    articles inside them ("Dayr az Zawr", "Maaret al-Numan")."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for m in _WORD.finditer(source):
        word = m.group(0)
        if not word.isascii() and is_arabic(word):
            continue
        joined = bool(current) and source[current[-1].end() : m.start()] in (" ", "-")
        capital = word[0].isupper() and len(word) >= 3
        article = word.lower() in ARTICLES
        if capital or (article and joined):
            if not joined and current:
                runs.append(current)
                current = []
            current.append(m)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    for run in runs:  # a run ends on a name, not an article
        while run and run[-1].group(0).lower() in ARTICLES:
            run.pop()
    return [r for r in runs if r]


def _sentence_start(source: str, start: int) -> bool:
    before = source[max(0, start - 3) : start].rstrip()
    return start == 0 or not before or before[-1] in ".!?\n"


@dataclass
class _Scan:
    snapshot: Snapshot
    index: FuzzyIndex
    source: str
    governorates: set[str]
    nearest: dict[str, tuple[str, float, int] | None]

    def variant(self, text: str, start: int, end: int) -> Resolved | None:
        """A romanisation variant of a Syrian place's name, confirmed and supported."""
        skeleton = latin_skeleton(text)
        found = self.index.skeletons.get(skeleton)
        if not found:
            return None
        mild = mild_key(text)
        strict = len(skeleton) <= _SHORT_SKELETON or _sentence_start(self.source, start)
        best: dict[str, float] = {}
        for place_id, latin in found:
            if latin is not None:
                if mild.endswith("i") and not latin.endswith("i"):
                    continue  # a nisba is a person: al-Halabi, al-Jolani
                score = fuzz.ratio(mild, latin)
                if strict and score < STRICT_THRESHOLD:
                    continue
            elif len(skeleton) >= _ARABIC_ONLY_SKELETON and not strict:
                score = VARIANT_THRESHOLD - 1  # Arabic name only: support required below
            else:
                continue
            best[place_id] = max(best.get(place_id, 0.0), score)
        chosen = self._supported(
            {p: s for p, s in best.items() if s >= VARIANT_THRESHOLD - 1}, start, end
        )
        if chosen is None:
            return None
        place, score = chosen
        match = Match(start, end, text, (), False, text.count(" ") + 1)
        return Resolved(match, place, round(0.85 * min(score, 100.0) / 100, 3), "variant")

    def near(self, text: str, start: int, end: int) -> Resolved | None:
        """A near-spelling of a Syrian place's Latin name, supported."""
        key = fold_name(text)
        if key not in self.nearest:
            self.nearest[key] = process.extractOne(
                key, self.index.keys, scorer=fuzz.ratio, score_cutoff=THRESHOLD
            )
        best = self.nearest[key]
        if best is None or (key.endswith("i") and not best[0].endswith("i")):
            return None  # a nisba is a person: al-Halabi
        candidates = [self.snapshot.places[e.place_id] for e in self.index.entries[best[2]]]
        supported = [p for p in candidates if p.governorate_pcode in self.governorates]
        if not supported:
            return None
        place = max(supported, key=lambda p: p.population)
        match = Match(start, end, text, (), False, text.count(" ") + 1)
        return Resolved(match, place, round(0.6 * best[1] / 100, 3), "fuzzy")

    def _supported(
        self, scores: dict[str, float], start: int, end: int
    ) -> tuple[PlaceInfo, float] | None:
        match = Match(start, end, "", (), False, 1)
        ranked = []
        for place_id, score in scores.items():
            place = self.snapshot.places[place_id]
            support = place.governorate_pcode in self.governorates or cued(self.source, match)
            confirmed = score >= VARIANT_THRESHOLD
            if support or (confirmed and _notable(place)):
                ranked.append((support, score, _notable(place), place.population, place_id))
        if not ranked:
            return None
        *_, place_id = max(ranked)
        return self.snapshot.places[place_id], scores[place_id]


def fuzzy_mentions(
    snapshot: Snapshot, index: FuzzyIndex, source: str, resolved: list[Resolved]
) -> list[Resolved]:
    """Mentions of variant and near spellings in the parts of ``source`` no exact match
    covers."""
    # Covered characters, one byte each (a test against every mention was quadratic), and
    # each distinct word compared with the gazetteer once.
    taken = bytearray(len(source) + 1)
    for r in resolved:
        taken[r.match.start : r.match.end] = b"\x01" * (r.match.end - r.match.start)
    governorates = {r.place.governorate_pcode for r in resolved if r.place.governorate_pcode}
    scan = _Scan(snapshot, index, source, governorates, {})
    found: list[Resolved] = []
    for run in _runs(source):
        i = 0
        while i < len(run):
            hit = None
            for n in range(min(_MAX_WORDS, len(run) - i), 0, -1):
                last = run[i + n - 1]
                if last.group(0).lower() in ARTICLES:
                    continue
                start, end = run[i].start(), last.end()
                if taken.find(1, start, end) >= 0:
                    continue
                text = source[start:end]
                key = fold_name(text)
                if any(e.blocks for e in snapshot.entries.get(key, ())):
                    taken[start:end] = b"\x01" * (end - start)  # "State Duma" names no place
                    continue
                if key in STOP_NAMES or len(key.replace(" ", "")) < 4:
                    continue
                hit = scan.variant(text, start, end)
                if hit is None and n == 1 and len(key) >= 5 and not _sentence_start(source, start):
                    hit = scan.near(text, start, end)  # a capital after a full stop says nothing
                if hit is not None:
                    found.append(hit)
                    taken[start:end] = b"\x01" * (end - start)
                    i += n
                    break
            else:
                i += 1
    return found
