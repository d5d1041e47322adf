"""The geoparser's in-memory gazetteer: places and every matching form of their names.

Built once from the database (``load_snapshot``) and reused for every report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ahocorasick
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.geoparse.text import fold_name
from app.taxonomy import PLACE_KINDS

T = TypeVar("T")

# Arabic conjunctions and prepositions written attached to the next word.
CLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
# Never a place on their own: people, organisations, common nouns, the article's orphans.
STOP_NAMES = frozenset(
    fold_name(n)
    for n in (
        "الأسد",
        "الحر",
        "الكرامة",
        "السجن",
        "المدينة",
        "الريف",
        "الحدود",
        "المطار",
        "المعبر",
        "القاعدة",
        "الجيش",
        "الدولة",
        "النصرة",
        "الشام",
        "التحرير",
        "الثورة",
        "النصر",
        "السلام",
        "الشهداء",
        "العرب",
        "الحرية",
        "الوحدة",
        "البعث",
        "الجبهة",
        "المعارضة",
        "النظام",
        "الأمن",
        "الشرطة",
        "الحزب",
        "الجمعة",
        "السبت",
        "الأحد",
        "الاثنين",
        "الثلاثاء",
        "الأربعاء",
        "الخميس",
        "تموز",
        "آذار",
        "نيسان",
        "أيار",
        "حزيران",
        "آب",
        "أيلول",
        "شباط",
        "سوري",
        "سورية",
        "Assad",
        "Free",
        "Army",
        "Islamic",
        "State",
        "Front",
        "Union",
        "Victory",
        "Peace",
        "Freedom",
        "Unity",
        "Liberation",
        "Syria",
        "Syrian",
        "Iraqi",
        "Russian",
        "Turkish",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "March",
        "May",
        "June",
        "July",
        "August",
        "Homs Governorate Council",
        "Hamas",
        "Sham",
        "al-Sham",
        # heads of toponyms (gate, hill, monastery, spring, village, mountain...): never a
        # whole name on their own, always the start of one ("Bab Touma", "Tal Abyad")
        *("Bab", "Tal", "Tall", "Tell", "Tel", "Deir", "Dayr", "Ain", "Ayn", "Kafr", "Kfar"),
        *("Jabal", "Jebel", "Wadi", "Khan", "Qasr", "Bir", "Beit", "Bayt", "Ras", "Marj"),
        *("Nahr", "Jisr", "Sahl", "Hay", "Harat", "Souq", "Suq", "Umm", "Abu"),
    )
)
# Names of organisations and operations that contain a place name but locate nothing: as
# the longest match they hide the place inside them ("فيلق القدس" is not Jerusalem).
BLOCKING_PHRASES = tuple(
    fold_name(n)
    for n in (
        "فيلق القدس",
        "لواء القدس",
        "سرايا القدس",
        "درع الفرات",
        "غصن الزيتون",
        "نبع السلام",
        "فجر الفرات",
        "جيش الإسلام",
        "أحرار الشام",
        "فيلق الشام",
        "جبهة النصرة",
        "جيش العزة",
        "الحرس الجمهوري",
        "حزب الله",
        "قوات النمر",
        "المرصد السوري",
        "الجيش الوطني السوري",
        "حركة نور الدين الزنكي",
        "جيش الفتح",
        "لواء الفاطميون",
        "لواء زينبيون",
        "Quds Force",
        "Al-Quds Brigade",
        "Liwa al-Quds",
        "Euphrates Shield",
        "Olive Branch",
        "Peace Spring",
        "Jaish al-Islam",
        "Ahrar al-Sham",
        "Faylaq al-Sham",
        "Syrian Observatory",
        "Hayat Tahrir al-Sham",
        "Tahrir al-Sham",
        "Jabhat al-Nusra",
        "Jabhat Fatah al-Sham",
        "Free Syrian Army",
        "Syrian National Army",
        "Syrian Democratic Forces",
        "Damascus regime",
        "Hezbollah",
        "Aleppo Media Center",
        "Idlib Free Police",
        *("حماة الديار", "مجلس الدوما", "State Duma", "Bilad al-Sham"),
    )
)
_ENGLISH_WORD_ARTICLES = ("at ", "as ", "an ", "ad ")
_BLOCK = "\x00block"  # the place id of a blocking phrase's entries
_LATIN_ARTICLES = ("al ", "el ", "ar ", "as ", "ad ", "at ", "az ", "an ", "ash ", "ath ")


@dataclass(frozen=True)
class PlaceInfo:
    id: str
    name_en: str
    name_ar: str | None
    kind: str
    country_code: str
    governorate_pcode: str | None
    population: int
    lon: float
    lat: float
    source: str

    @property
    def place_class(self) -> str:
        if self.country_code != "SY":
            return "abroad"
        return PLACE_KINDS.get(self.kind, "settlement")


@dataclass(frozen=True)
class NameEntry:
    """One way a name can appear: the place, the clitic before it, how good the name is."""

    place_id: str
    prefix: int  # folded characters of a clitic before the name (0: none)
    preferred: bool

    @property
    def blocks(self) -> bool:
        """A phrase that hides the place names inside it and names no place itself."""
        return self.place_id == _BLOCK


@dataclass
class Snapshot:
    places: dict[str, PlaceInfo]
    automaton: ahocorasick.Automaton
    entries: dict[str, list[NameEntry]] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict)

    def derived(self, name: str, make: Callable[[Snapshot], T]) -> T:
        """An index built from this snapshot once, on first use."""
        if name not in self._derived:
            self._derived[name] = make(self)
        value: T = self._derived[name]
        return value


def _variants(name: str) -> list[tuple[str, int]]:
    """Folded forms of a name in text: itself, after clitics, and without a Latin article."""
    forms = [(name, 0)]
    if name and "\u0600" <= name[0] <= "\u06ff":
        forms += [(c + name, len(c)) for c in CLITICS]
        if name.startswith("ال"):
            # ل + ال contracts to لل: للرقه is "to al-Raqqa"
            forms += [(p + name[1:], len(p)) for p in ("ل", "ول", "فل")]
    else:
        for article in _LATIN_ARTICLES:
            rest = name[len(article) :]
            if name.startswith(article) and len(rest) >= 5:
                forms.append((rest, 0))
    return forms


def _admin_forms(place: PlaceInfo, names: list[str]) -> list[str]:
    """Governorates and districts are named with their head word: محافظة إدلب, Idlib province."""
    extra: list[str] = []
    if place.kind == "governorate":
        for n in names:
            extra += [f"محافظه {n}", f"{n} province", f"{n} governorate"]
    elif place.kind == "district":
        for n in names:
            extra += [f"منطقه {n}", f"{n} district"]
    return [fold_name(e) for e in extra]


_DIRECTIONAL = re.compile(
    r"^(?:eastern|western|northern|southern|east|west|north|south) (?P<en>\S{4,})$"
    r"|^(?P<ar>\S{4,}) (?:الشرقيه|الغربيه|الشماليه|الجنوبيه)$"
)


def _add_bare_heads(
    places: dict[str, PlaceInfo],
    names: list[tuple[str, str, bool]],
    entries: dict[str, list[NameEntry]],
) -> None:
    """A region named with a direction is also named without it when nothing else has that
    name: "Ghouta", "الغوطة" for Eastern Ghouta. When two regions share the head (Eastern and
    Western Ghouta), it goes to the better known, the one with more names."""
    known: dict[str, int] = {}
    for place_id, _, _ in names:
        known[place_id] = known.get(place_id, 0) + 1
    heads: dict[str, str] = {}
    for place_id, raw, _ in names:
        if places[place_id].kind != "region" or places[place_id].country_code != "SY":
            continue
        m = _DIRECTIONAL.match(fold_name(raw))
        head = m and (m.group("en") or m.group("ar"))
        if not head or head in entries or head in STOP_NAMES:
            continue
        current = heads.get(head)
        if current is None or (known[place_id], place_id) > (known[current], current):
            heads[head] = place_id
    for head, place_id in heads.items():
        for variant, prefix in _variants(head):
            entries.setdefault(variant, []).append(NameEntry(place_id, prefix, False))


def build(places: dict[str, PlaceInfo], names: list[tuple[str, str, bool]]) -> Snapshot:
    """Index (place_id, name, preferred) triples into one automaton."""
    entries: dict[str, list[NameEntry]] = {}
    for place_id, raw, preferred in names:
        place = places[place_id]
        if place.kind == "country" and place.country_code == "SY":
            continue  # "Syria" in a report about Syria locates nothing
        folded = fold_name(raw)
        # A bare governorate name usually means its city; the head word makes it the unit.
        bare_admin = place.kind in ("governorate", "district")
        forms = [(folded, preferred and not bare_admin)]
        if bare_admin:
            forms += [(f, True) for f in _admin_forms(place, [folded])]
        for form, strong in forms:
            if len(form.replace(" ", "")) < 3 and not any(ch.isdigit() for ch in form):
                continue
            if form in STOP_NAMES:
                continue
            for variant, prefix in _variants(form):
                if prefix == 0 and variant.startswith(_ENGLISH_WORD_ARTICLES):
                    continue  # "At-Tanf" folds to "at tanf": "at" is an English word
                entry = NameEntry(place_id, prefix, strong)
                bucket = entries.setdefault(variant, [])
                if entry not in bucket:
                    bucket.append(entry)
    _add_bare_heads(places, names, entries)
    # "ar raqqa" may mean the city whose names lack the article: same candidates.
    for key in list(entries):
        for article in _LATIN_ARTICLES:
            if key.startswith(article) and key[len(article) :] in entries:
                bucket = entries[key]
                bucket += [e for e in entries[key[len(article) :]] if e not in bucket]
    for phrase in BLOCKING_PHRASES:
        for variant, prefix in _variants(phrase):
            entries.setdefault(variant, []).append(NameEntry(_BLOCK, prefix, True))
    automaton = ahocorasick.Automaton()
    for key, bucket in entries.items():
        automaton.add_word(f" {key} ", (key, bucket))
    automaton.make_automaton()
    return Snapshot(places, automaton, entries)


@dataclass(frozen=True)
class Sources:
    """What a snapshot is built from: every place and every (place_id, name, preferred).

    What a geoparsing worker process is sent to build a snapshot of its own: for the built-in
    gazetteer 0.3 MB pickled, where the snapshot with its automaton is 9.7 MB."""

    places: dict[str, PlaceInfo]
    names: list[tuple[str, str, bool]]

    def build(self) -> Snapshot:
        return build(self.places, self.names)


async def load_sources(conn: AsyncConnection) -> Sources:
    """Every place and name from the database."""
    rows = await conn.execute(
        text(
            "SELECT id, name_en, name_ar, kind, country_code, governorate_pcode,"
            " coalesce(population, 0), ST_X(geom), ST_Y(geom), source FROM places"
        )
    )
    places = {r[0]: PlaceInfo(*r) for r in rows}
    name_rows = await conn.execute(
        text("SELECT place_id, name, is_preferred FROM place_names ORDER BY place_id, id")
    )
    return Sources(places, [(r[0], r[1], r[2]) for r in name_rows])


async def load_snapshot(conn: AsyncConnection) -> Snapshot:
    """Every place and name from the database, indexed for matching."""
    return (await load_sources(conn)).build()


def distance_km(a: PlaceInfo, b: PlaceInfo) -> float:
    """Great-circle distance (haversine), enough to compare candidates."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))
