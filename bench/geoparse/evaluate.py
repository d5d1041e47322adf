"""Geoparsing quality against the labelled set: mentions, resolution, focus.

A predicted mention matches a gold one when their spans overlap (and, for the "exact"
figures, when they are identical); each gold mention matches at most one prediction.
Mentions of Syria as a whole are not annotated and not produced. Accuracy within 25 km is
over matched mentions: the linked place's point against the gold coordinates; for a country
(whose point is a convention: a capital here, a centroid elsewhere) the linked country must
be the gold one by name instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.geoparse.gazetteer import PlaceInfo, Snapshot
from app.geoparse.parser import geoparse
from app.geoparse.text import fold_name

GOLD = Path(__file__).parent
CLASSES = ("settlement", "facility", "region", "admin", "abroad")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    exact: int = 0
    within_25km: int = 0

    def add(self, other: Tally) -> None:
        for name in ("tp", "fp", "fn", "exact", "within_25km"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        ep = self.exact / (self.tp + self.fp) if self.tp + self.fp else 0.0
        er = self.exact / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(f1, 3),
            "exact_f1": round(2 * ep * er / (ep + er), 3) if ep + er else 0.0,
            "acc_25km": round(self.within_25km / self.tp, 3) if self.tp else 0.0,
            "gold": self.tp + self.fn,
            "predicted": self.tp + self.fp,
        }


@dataclass
class Result:
    overall: Tally = field(default_factory=Tally)
    by_class: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    focus_hits: int = 0
    reports: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _same_place(place: PlaceInfo, gold: dict[str, Any]) -> bool:
    if place.kind == "country":
        return fold_name(gold["name_en"]) in (fold_name(place.name_en), fold_name(place.id[3:]))
    return km(place.lon, place.lat, gold["lon"], gold["lat"]) <= 25


# "gold": the development set, whose errors guided changes; "heldout": written blind later,
# by someone who saw neither the gazetteer nor the code, scored without changes after.
SETS = ("gold", "heldout")


def load_gold(language: str, labelled_set: str = "gold") -> list[dict[str, Any]]:
    path = GOLD / f"{labelled_set}_{language}.jsonl"
    return [orjson.loads(line) for line in path.read_text().splitlines() if line.strip()]


def score_report(snapshot: Snapshot, report: dict[str, Any], result: Result) -> None:
    parsed = geoparse(snapshot, report["body"], report.get("title"))
    predicted = list(parsed.mentions)
    used: set[int] = set()
    for gold in report["gold"]:
        tally = result.by_class[gold["class"]]
        hit = next(
            (
                i
                for i, m in enumerate(predicted)
                if i not in used and m.match.start < gold["end"] and gold["start"] < m.match.end
            ),
            None,
        )
        if hit is None:
            tally.fn += 1
            result.errors.append({"id": report["id"], "missed": gold["text"]})
            continue
        used.add(hit)
        m = predicted[hit]
        tally.tp += 1
        tally.exact += (m.match.start, m.match.end) == (gold["start"], gold["end"])
        if _same_place(m.place, gold):
            tally.within_25km += 1
        else:
            result.errors.append(
                {
                    "id": report["id"],
                    "text": gold["text"],
                    "linked": m.place.id,
                    "gold": gold["name_en"],
                }
            )
    for i, m in enumerate(predicted):
        if i not in used:
            result.by_class[m.place.place_class].fp += 1
            result.errors.append(
                {"id": report["id"], "spurious": m.match.text, "linked": m.place.id}
            )
    result.reports += 1
    result.focus_hits += parsed.focus.governorate_pcode == report.get("focus_governorate")


def available(labelled_set: str) -> bool:
    return all((GOLD / f"{labelled_set}_{lang}.jsonl").exists() for lang in ("ar", "en"))


def evaluate(snapshot: Snapshot, language: str, labelled_set: str = "gold") -> Result:
    result = Result()
    for report in load_gold(language, labelled_set):
        score_report(snapshot, report, result)
    for tally in result.by_class.values():
        result.overall.add(tally)
    return result


def summary(result: Result) -> dict[str, Any]:
    classes = {c: result.by_class[c].scores() for c in CLASSES if c in result.by_class}
    return {
        **result.overall.scores(),
        "focus_governorate_accuracy": round(result.focus_hits / result.reports, 3)
        if result.reports
        else 0.0,
        "reports": result.reports,
        "by_class": classes,
    }
