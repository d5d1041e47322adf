"""Synthetic ACLED- and UCDP-shaped rows, written for these tests (no real records)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from app.exchange.acled import COLUMNS as ACLED_COLUMNS

# ACLED's admin1 spelling, a town in it and its coordinates, for each governorate.
GOVERNORATE_ROWS = {
    "SY01": ("Damascus", "Damascus", 33.5102, 36.2913),
    "SY02": ("Aleppo", "Aleppo", 36.2021, 37.1343),
    "SY03": ("Rural Damascus", "Douma", 33.5711, 36.4027),
    "SY04": ("Homs", "Homs", 34.7324, 36.7137),
    "SY05": ("Hama", "Hama", 35.1318, 36.7578),
    "SY06": ("Lattakia", "Jableh", 35.3614, 35.9256),
    "SY07": ("Idleb", "Saraqab", 35.8622, 36.8006),
    "SY08": ("Al Hasakeh", "Qamishli", 37.0522, 41.2317),
    "SY09": ("Deir ez Zor", "Mayadin", 35.0192, 40.4511),
    "SY10": ("Tartous", "Baniyas", 35.1822, 35.9403),
    "SY11": ("Ar Raqqa", "Tabqa", 35.8370, 38.5481),
    "SY12": ("Dara", "Nawa", 32.8889, 36.0431),
    "SY13": ("As-Sweida", "Shahba", 32.8547, 36.6297),
    "SY14": ("Quneitra", "Khan Arnabah", 33.1833, 35.8833),
}

ACLED_DEFAULTS = {
    "event_id_cnty": "SYR900001",
    "event_date": "2024-01-31",
    "year": "2024",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "actor1": "Test Army Brigade",
    "assoc_actor_1": "",
    "inter1": "1",
    "actor2": "Test Hill Fighters",
    "assoc_actor_2": "",
    "inter2": "2",
    "interaction": "12",
    "civilian_targeting": "",
    "iso": "760",
    "region": "Middle East",
    "country": "Syria",
    "admin1": "Aleppo",
    "admin2": "",
    "admin3": "",
    "location": "Testville",
    "latitude": "36.2021",
    "longitude": "37.1343",
    "geo_precision": "1",
    "source": "Test Wire",
    "source_scale": "National",
    "notes": "A synthetic clash written for the tests.",
    "fatalities": "2",
    "tags": "",
    "timestamp": "1706745600",
}

UCDP_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_name",
    "dyad_name",
    "side_a",
    "side_b",
    "source_article",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
)

UCDP_DEFAULTS = {
    "id": "900001",
    "relid": "SYR-2017-1-900-1",
    "year": "2017",
    "active_year": "1",
    "code_status": "Clear",
    "type_of_violence": "1",
    "conflict_name": "Test conflict",
    "dyad_name": "Test Government - Test Movement",
    "side_a": "Test Government",
    "side_b": "Test Movement",
    "source_article": "Synthetic source",
    "where_prec": "1",
    "where_coordinates": "Testville town",
    "where_description": "near the test mill",
    "adm_1": "Halab governorate",
    "adm_2": "",
    "latitude": "36.2021",
    "longitude": "37.1343",
    "country": "Syria",
    "country_id": "652",
    "region": "Middle East",
    "event_clarity": "1",
    "date_prec": "1",
    "date_start": "2017-03-04 00:00:00.000",
    "date_end": "2017-03-04 00:00:00.000",
    "deaths_a": "1",
    "deaths_b": "2",
    "deaths_civilians": "0",
    "deaths_unknown": "0",
    "best": "3",
    "high": "5",
    "low": "3",
}


def acled_row(**values: str) -> dict[str, str]:
    return {**ACLED_DEFAULTS, **values}


def ucdp_row(**values: str) -> dict[str, str]:
    return {**UCDP_DEFAULTS, **values}


def write_csv(
    path: Path,
    columns: tuple[str, ...] | list[str],
    rows: list[dict[str, str]],
    *,
    bom: bool = False,
) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


def write_acled(path: Path, rows: list[dict[str, str]], **options: bool) -> Path:
    return write_csv(path, ACLED_COLUMNS, rows, **options)


def write_ucdp(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, UCDP_COLUMNS, rows)
