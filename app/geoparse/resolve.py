"""Resolution: the gazetteer entry each match means, with a confidence; and the focus."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from app.geoparse.gazetteer import PlaceInfo, Snapshot, distance_km
from app.geoparse.recognize import Match
from app.geoparse.text import fold_char, fold_name

# Below this, a match is not linked: a guess is worse than a gap an analyst can fill.
MIN_CONFIDENCE = 0.5
# Words that announce a settlement name: "قرية X", "the village of X".
_SETTLEMENT_CUES = frozenset(
    fold_name(w)
    for w in (
        "قرية",
        "قرى",
        "بلدة",
        "بلدات",
        "مدينة",
        "مدينتي",
        "ناحية",
        "حي",
        "مخيم",
        "village",
        "villages",
        "town",
        "towns",
        "city",
        "district",
        "neighbourhood",
        "neighborhood",
    )
)
_PATRONYMIC = frozenset(fold_name(w) for w in ("بن", "ابن", "بنت", "bin", "ibn", "bint"))
_KIND_PRIOR = {"settlement": 0.3, "facility": 0.4, "region": 0.3, "admin": 0.1, "abroad": 0.2}
_FOCUS_WEIGHT = {"settlement": 1.0, "facility": 1.0, "region": 0.8, "admin": 0.6}


@dataclass(frozen=True)
class Resolved:
    match: Match
    place: PlaceInfo
    confidence: float
    method: str


@dataclass(frozen=True)
class Focus:
    place: PlaceInfo | None
    governorate_pcode: str | None
    # Each governorate's share of the vote, for an analyst to audit the pick.
    scores: dict[str, float] = field(default_factory=dict)


def _prior(place: PlaceInfo, strong: bool) -> float:
    score = 1.0 if strong else 0.0
    score += _KIND_PRIOR.get(place.place_class, 0.2)
    score += 0.3 * min(math.log10(place.population + 1) / 6.5, 1.0)
    score += 0.5 if place.country_code == "SY" else 0.0
    score += 0.2 if place.source == "curated" else 0.0
    return score


class _Context:
    """Support from the unambiguous mentions (anchors): 0.6 for another anchor in the same
    governorate, else 0.5 for one within 50 km, 0.2 within 150 km.

    It depends only on the set of anchor places, so each place's is computed once per report
    over distinct anchors: comparing every candidate with every anchor mention made
    resolution quadratic in the text (most of the 16 s that parsing a 200,000-character
    report took).
    """

    def __init__(self, anchors: list[PlaceInfo]) -> None:
        self._anchors = list({a.id: a for a in anchors}.values())
        self._governorates: dict[str, set[str]] = defaultdict(set)
        for anchor in self._anchors:
            if anchor.governorate_pcode:
                self._governorates[anchor.governorate_pcode].add(anchor.id)
        self._known: dict[str, float] = {}

    def __call__(self, place: PlaceInfo) -> float:
        if place.id not in self._known:
            self._known[place.id] = self._compute(place)
        return self._known[place.id]

    def _compute(self, place: PlaceInfo) -> float:
        same = self._governorates.get(place.governorate_pcode or "", set())
        if same - {place.id}:
            return 0.6  # the most any anchor gives
        bonus = 0.0
        for anchor in self._anchors:
            if anchor.id == place.id:
                continue
            d = distance_km(place, anchor)
            bonus = max(bonus, 0.5 if d < 50 else 0.2 if d < 150 else 0.0)
            if bonus == 0.5:
                break  # the most left without a governorate in common
        return bonus


def _recognition_confidence(match: Match) -> float:
    base = 0.97 if match.words > 1 else 0.9
    return base - (0.05 if match.prefixed else 0.0)


def _small_village(place: PlaceInfo, match: Match) -> bool:
    """A one-word name of a small GeoNames place: in news text, often an ordinary word."""
    return place.source == "geonames" and place.population < 20_000 and match.words == 1


def cued(source: str, match: Match) -> bool:
    """Preceded by a settlement word: "قرية X", "بلدة X", "the village of X"."""
    before = fold_name(source[max(0, match.start - 25) : match.start]).split()
    words = before[-2:]
    return any(w in _SETTLEMENT_CUES or w[1:] in _SETTLEMENT_CUES for w in words)


def _patronymic(source: str, match: Match) -> bool:
    """After بن / ابن / bin / ibn a name is a person's father, not a place (حمد بن جاسم)."""
    window = source[max(0, match.start - 8) : match.start]
    if not any(_makes_b(ch) for ch in window):
        return False  # no letter of those words: not worth folding (most matches)
    before = fold_name(window).split()
    return bool(before) and before[-1] in _PATRONYMIC


@lru_cache(maxsize=1 << 16)
def _makes_b(ch: str) -> bool:
    """Whether a character folds to something with a b or a ب, as every patronymic has."""
    folded = fold_char(ch)
    return "b" in folded or "ب" in folded


def resolve(snapshot: Snapshot, matches: list[Match], source: str) -> list[Resolved]:
    """Pick one place per match: priors first, then agreement with unambiguous mentions.

    A small village named by one word needs support (a settlement word before it, or a
    co-mentioned place nearby or in its governorate); without it the match is dropped.
    """
    scored: list[dict[str, float]] = []
    matches = [m for m in matches if not _patronymic(source, m)]
    for match in matches:
        scores: dict[str, float] = {}
        for entry in match.entries:
            place = snapshot.places[entry.place_id]
            scores[place.id] = max(scores.get(place.id, -1.0), _prior(place, entry.preferred))
        scored.append(scores)
    anchors = [
        snapshot.places[best]
        for match, s in zip(matches, scored, strict=True)
        if (len(s) == 1 or _margin(s) > 0.5)
        and not _small_village(snapshot.places[best := max(s, key=s.__getitem__)], match)
    ]
    support = _Context(anchors)
    resolved: list[Resolved] = []
    for match, scores in zip(matches, scored, strict=True):
        context = {pid: support(snapshot.places[pid]) for pid in scores}
        final = {pid: s + context[pid] for pid, s in scores.items()}
        best = max(final, key=lambda pid: (final[pid], pid))
        # Candidates at the same spot (a city, its governorate and district of one name)
        # agree on the location: their weights add up instead of splitting.
        total = sum(math.exp(3 * v) for v in final.values())
        here = snapshot.places[best]
        share = (
            sum(
                math.exp(3 * v)
                for pid, v in final.items()
                if distance_km(here, snapshot.places[pid]) <= 25
            )
            / total
        )
        confidence = _recognition_confidence(match) * share
        place = snapshot.places[best]
        if _small_village(place, match) and context[best] == 0 and not cued(source, match):
            confidence *= 0.4
        if confidence < MIN_CONFIDENCE:
            continue
        method = "gazetteer+clitic" if match.prefixed else "gazetteer"
        resolved.append(Resolved(match, place, round(confidence, 3), method))
    return resolved


def _margin(scores: dict[str, float]) -> float:
    top = sorted(scores.values(), reverse=True)
    return top[0] - top[1] if len(top) > 1 else math.inf


def focus_weight(r: Resolved, factor: float, *, lead: bool, province: bool) -> float:
    """A mention's vote for its governorate: confidence, kind of place, role, position.

    A province cue votes as a place would (the kind's discount is for a governorate named
    in passing, not for "in Hasakeh province")."""
    if r.place.country_code != "SY" or r.place.governorate_pcode is None:
        return 0.0
    kind = 1.0 if province else _FOCUS_WEIGHT.get(r.place.place_class, 0.8)
    return r.confidence * kind * factor * (2.0 if lead else 1.0)


def focus(resolved: list[Resolved], weights: list[float]) -> Focus:
    """The governorate and place a report is mainly about: the governorate with the most
    votes (``focus_weight``), and in it the place with the most."""
    by_governorate: dict[str, float] = defaultdict(float)
    by_place: dict[str, float] = defaultdict(float)
    places: dict[str, PlaceInfo] = {}
    for r, weight in zip(resolved, weights, strict=True):
        if weight <= 0 or r.place.governorate_pcode is None:
            continue
        by_governorate[r.place.governorate_pcode] += weight
        by_place[r.place.id] += weight * _FOCUS_WEIGHT.get(r.place.place_class, 0.8)
        places[r.place.id] = r.place
    if not by_governorate:
        return Focus(None, None)
    governorate = max(by_governorate, key=lambda g: (by_governorate[g], g))
    in_governorate = [p for p in by_place if places[p].governorate_pcode == governorate]
    place = max(in_governorate, key=lambda p: (by_place[p], p))
    scores = {g: round(v, 3) for g, v in sorted(by_governorate.items(), key=lambda x: -x[1])}
    return Focus(places[place], governorate, scores)
