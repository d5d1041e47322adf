"""Names in other datasets to OCHA pcodes and gazetteer places.

ACLED writes admin1 as OCHA's names with its own punctuation ("Deir ez Zor", "Al Hasakeh");
UCDP writes GeoNames-style names with a suffix ("Dayr az Zawr governorate"); analysts'
files mix in Arabic. All are folded the way the geoparser folds gazetteer names (case,
accents, apostrophes, the assimilated article ash-/ad-/ez- as al-), then articles, spaces
and words such as "governorate" are dropped, so that one key covers every spelling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.geoparse.text import fold_name
from app.taxonomy import GOVERNORATES

_NOISE = frozenset(
    {"al", "governorate", "governate", "province", "muhafazat", "mohafazat", "district"}
)
_ADMIN_KINDS = frozenset({"country", "governorate", "district", "subdistrict", "region"})

# ACLED's admin1 spellings for Syria, written back by f=acled.
ACLED_ADMIN1: dict[str, str] = {
    "SY01": "Damascus",
    "SY02": "Aleppo",
    "SY03": "Rural Damascus",
    "SY04": "Homs",
    "SY05": "Hama",
    "SY06": "Lattakia",
    "SY07": "Idleb",
    "SY08": "Al Hasakeh",
    "SY09": "Deir ez Zor",
    "SY10": "Tartous",
    "SY11": "Ar Raqqa",
    "SY12": "Dara",
    "SY13": "As-Sweida",
    "SY14": "Quneitra",
}

# Other spellings met in ACLED, UCDP (GeoNames) and reporting; OCHA's and ACLED's own names
# and the Arabic ones are added below.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "SY01": ("Dimashq", "Damascus City", "Damas"),
    "SY02": ("Halab", "Alep"),
    "SY03": (
        "Rif Dimashq",
        "Reef Damascus",
        "Rif Damascus",
        "Rural Damascus",
        "Damascus Countryside",
        "Damascus Rural",
    ),
    "SY04": ("Hims",),
    "SY05": ("Hamah", "Hamat"),
    "SY06": ("Latakia", "Latakiya", "Ladhiqiyah", "Al Ladhiqiyah", "Lattaquie"),
    "SY07": ("Idlib",),
    "SY08": ("Hasakeh", "Hasakah", "Al Hasakah", "Hassakeh", "Hasaka", "Al Hasaka", "Hassake"),
    "SY09": ("Deir ez-Zor", "Deir Ezzor", "Deir el Zor", "Dayr az Zawr", "Deir al Zour"),
    "SY10": ("Tartus", "Tartouss"),
    "SY11": ("Raqqa", "Ar Raqqah", "Raqqah", "Rakka"),
    "SY12": ("Daraa", "Dar'a", "Deraa", "Der'a"),
    "SY13": ("Sweida", "As Suwayda'", "Suwayda", "Swaida", "Sweida", "As Sweida"),
    "SY14": ("Al Qunaytirah", "Qunaytirah", "Kuneitra", "Qunaitra"),
}


# An export repeats a few hundred admin and location names: folding them once each took
# parsing from 17,800 to 28,000 rows/s (50,000 rows; folding was 2.2 of 5.6 s in cProfile).
@lru_cache(maxsize=1 << 14)
def name_key(name: str) -> str:
    """One key for all spellings of a name: folded, articles, spaces and admin words gone."""
    return "".join(w for w in fold_name(name).split() if w not in _NOISE)


def _governorate_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for pcode, (name_en, name_ar) in GOVERNORATES.items():
        for name in (name_en, name_ar, ACLED_ADMIN1[pcode], *_VARIANTS[pcode]):
            keys[name_key(name)] = pcode
    return keys


GOVERNORATE_KEYS = _governorate_keys()


def governorate_pcode(name: str) -> str | None:
    """The OCHA pcode of a governorate named in any of the spellings above, or a pcode."""
    raw = name.strip()
    if raw.upper() in GOVERNORATES:
        return raw.upper()
    return GOVERNORATE_KEYS.get(name_key(raw)) if raw else None


def _rank(kind: str, source: str, population: int) -> tuple[int, int, int]:
    # A named location is a settlement or a facility before it is an admin unit of the
    # same name (Aleppo the city, not the governorate); curated entries before GeoNames.
    return (kind in _ADMIN_KINDS, source != "curated", -population)


@dataclass
class PlaceIndex:
    """Gazetteer places and districts by (governorate, name key), built once per import."""

    places: dict[tuple[str, str], str] = field(default_factory=dict)
    districts: dict[tuple[str, str], str] = field(default_factory=dict)
    district_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> PlaceIndex:
        """Rows of (id, kind, pcode, governorate_pcode, district_pcode, source, population,
        name), one per name of a place in a governorate."""
        index = cls()
        best: dict[tuple[str, str], tuple[tuple[int, int, int], str]] = {}
        for r in rows:
            key = (r.governorate_pcode, name_key(r.name))
            if not key[1]:
                continue
            if r.kind == "district" and r.pcode:
                index.districts.setdefault(key, r.pcode)
            if r.district_pcode:
                index.district_of[r.id] = r.district_pcode
            rank = _rank(r.kind, r.source, r.population or 0)
            if key not in best or (rank, r.id) < best[key]:
                best[key] = (rank, r.id)
        index.places = {key: place_id for key, (_, place_id) in best.items()}
        return index

    def district(self, governorate: str | None, name: str) -> str | None:
        if governorate is None or not name.strip():
            return None
        return self.districts.get((governorate, name_key(name)))

    def place(self, governorate: str | None, name: str) -> str | None:
        """The place a location names in that governorate; "City - Quarter" tries the whole,
        then the quarter, then the city."""
        if governorate is None or not name.strip():
            return None
        parts = [name, *reversed([p for p in name.split(" - ") if p.strip()])]
        for part in parts:
            found = self.places.get((governorate, name_key(part)))
            if found is not None:
                return found
        return None
