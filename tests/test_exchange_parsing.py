"""ACLED and UCDP rows to events, without a database: names, dates, codes, refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.exchange import acled, ucdp
from app.exchange.fields import parse_date
from app.exchange.geography import ACLED_ADMIN1, PlaceIndex, governorate_pcode
from app.exchange.reader import CsvRows
from app.exchange.schemas import ActorLink, FileError, Record, RowError, Skip
from app.taxonomy import GOVERNORATES
from tests.exchange_data import GOVERNORATE_ROWS, acled_row, ucdp_row, write_acled

# Spellings of the same governorates in UCDP GED (GeoNames) and in Arabic.
OTHER_SPELLINGS = {
    "SY01": ("Dimashq governorate", "دمشق"),
    "SY02": ("Halab governorate", "حلب"),
    "SY03": ("Rif Dimashq governorate", "ريف دمشق"),
    "SY04": ("Hims governorate", "حمص"),
    "SY05": ("Hamah governorate", "حماة"),
    "SY06": ("Al Ladhiqiyah governorate", "اللاذقية"),
    "SY07": ("Idlib governorate", "إدلب"),
    "SY08": ("Al Hasakah governorate", "الحسكة"),
    "SY09": ("Dayr az Zawr governorate", "دير الزور"),
    "SY10": ("Tartus governorate", "طرطوس"),
    "SY11": ("Ar Raqqah governorate", "الرقة"),
    "SY12": ("Dar'a governorate", "درعا"),
    "SY13": ("As Suwayda' governorate", "السويداء"),
    "SY14": ("Al Qunaytirah governorate", "القنيطرة"),
}


def _index(*places: tuple[str, str, str, str | None]) -> PlaceIndex:
    """(id, kind, governorate, name) rows, as ``load_places`` returns them."""
    rows = [
        SimpleNamespace(
            id=pid,
            kind=kind,
            pcode=pid.upper() if kind == "district" else None,
            governorate_pcode=gov,
            district_pcode=None,
            source="curated",
            population=0,
            name=name,
        )
        for pid, kind, gov, name in places
    ]
    return PlaceIndex.from_rows(rows)


def _acled(**values: str) -> Record:
    parsed = acled.parse_row(acled_row(**values), PlaceIndex())
    assert isinstance(parsed, Record)
    return parsed


@pytest.mark.parametrize("pcode", sorted(GOVERNORATES))
def test_every_governorate_in_every_spelling_maps_to_its_pcode(pcode: str) -> None:
    english, arabic = GOVERNORATES[pcode]
    spellings = (english, arabic, ACLED_ADMIN1[pcode], GOVERNORATE_ROWS[pcode][0])
    for name in (*spellings, *OTHER_SPELLINGS[pcode], name_upper := english.upper()):
        assert governorate_pcode(name) == pcode, name
    assert governorate_pcode(f"  {name_upper}  ") == pcode
    assert _acled(admin1=GOVERNORATE_ROWS[pcode][0]).governorate_pcode == pcode


def test_an_unknown_admin1_leaves_the_governorate_to_the_coordinates() -> None:
    assert governorate_pcode("Atlantis") is None
    assert _acled(admin1="Atlantis").governorate_pcode is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-31", date(2024, 1, 31)),
        ("31 January 2024", date(2024, 1, 31)),
        ("3 Jan 2024", date(2024, 1, 3)),
        ("31-January-2024", date(2024, 1, 31)),
        ("2017-03-04 00:00:00.000", date(2017, 3, 4)),
    ],
)
def test_dates_in_both_acled_forms(raw: str, expected: date) -> None:
    assert parse_date(raw, "event_date") == expected


@pytest.mark.parametrize("raw", ["01/02/2024", "2024-02-30", "31 Janvier 2024", "", "2099-01-01"])
def test_unreadable_ambiguous_or_future_dates_are_refused(raw: str) -> None:
    with pytest.raises(RowError, match="event_date"):
        parse_date(raw, "event_date")


def test_an_acled_row_keeps_ids_codes_actors_and_sides() -> None:
    record = _acled(
        assoc_actor_1="Test Militia A; Test Militia B",
        assoc_actor_2="Test Tribe",
        inter1="State forces",
        inter2="2",
        time_precision="2",
        geo_precision="3",
        fatalities="7",
        timestamp="1706745600",
    )
    assert (record.source, record.source_id, record.source_version) == (
        "acled",
        "SYR900001",
        "1706745600",
    )
    assert (record.time_precision, record.geo_precision, record.fatalities) == (2, 3, 7)
    assert record.description == "A synthetic clash written for the tests."
    assert record.actors == (
        ActorLink("Test Army Brigade", "actor1", 1),
        ActorLink("Test Militia A", "assoc_actor_1"),
        ActorLink("Test Militia B", "assoc_actor_1"),
        ActorLink("Test Hill Fighters", "actor2", 2),
        ActorLink("Test Tribe", "assoc_actor_2"),
    )
    assert (record.lon, record.lat) == (37.1343, 36.2021)


def test_a_row_without_timestamp_is_versioned_by_its_content() -> None:
    one, same = _acled(timestamp=""), _acled(timestamp="")
    other = _acled(timestamp="", fatalities="9")
    assert one.source_version.startswith("sha256:")
    assert one.source_version == same.source_version != other.source_version


def test_location_and_admin2_link_the_gazetteer_within_the_governorate() -> None:
    index = _index(
        ("sy-testville", "town", "SY02", "Testville"),
        ("sy-gov-aleppo", "governorate", "SY02", "Aleppo"),
        ("sy-aleppo", "city", "SY02", "Aleppo"),
        ("sy-aleppo-quarter", "neighbourhood", "SY02", "Test Quarter"),
        ("sy-other-testville", "town", "SY07", "Testville"),
        ("sy0200", "district", "SY02", "Jebel Saman"),
    )
    row = acled_row(location="Testville", admin2="Jebel Saman")
    parsed = acled.parse_row(row, index)
    assert isinstance(parsed, Record)
    assert (parsed.place_id, parsed.district_pcode) == ("sy-testville", "SY0200")
    assert index.place("SY02", "Aleppo") == "sy-aleppo", "the city before the governorate"
    assert index.place("SY02", "Aleppo - Test Quarter") == "sy-aleppo-quarter"
    assert index.place("SY02", "Aleppo - Unknown Quarter") == "sy-aleppo"
    assert index.place("SY07", "testville") == "sy-other-testville"
    assert index.place("SY05", "Testville") is None, "another governorate's place is not it"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"event_date": "31/01/2024"}, "event_date"),
        ({"latitude": "north"}, "bad coordinate: latitude"),
        ({"longitude": "190"}, "bad coordinate: longitude"),
        ({"event_type": "Skirmishes"}, "unknown event_type 'Skirmishes'"),
        ({"sub_event_type": "Air/drone strike"}, "belongs to Explosions/Remote violence"),
        ({"year": "2023"}, "year 2023"),
        ({"inter1": "Pirates"}, "inter1"),
        ({"fatalities": "-1"}, "fatalities"),
        ({"event_id_cnty": " "}, "event_id_cnty"),
    ],
)
def test_bad_acled_rows_say_why(values: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError, match=reason.replace("(", r"\(").replace("/", "/")):
        acled.parse_row(acled_row(**values), PlaceIndex())


def test_other_countries_are_skipped_not_refused() -> None:
    parsed = acled.parse_row(acled_row(country="Iraq", iso="368"), PlaceIndex())
    assert parsed == Skip("not in Syria", "Iraq")
    assert isinstance(acled.parse_row(acled_row(country="", iso="760"), PlaceIndex()), Record)


def test_protestors_spelling_and_case_are_accepted() -> None:
    record = _acled(event_type="PROTESTS", sub_event_type="Excessive force against protestors")
    assert (record.event_type, record.sub_event_type) == (
        "Protests",
        "Excessive force against protesters",
    )


@pytest.mark.parametrize(
    ("violence", "expected"),
    [
        ("1", ("Battles", "Armed clash")),
        ("2", ("Battles", "Armed clash")),
        ("3", ("Violence against civilians", "Attack")),
    ],
)
def test_ucdp_types_of_violence_map_to_acled_types(
    violence: str, expected: tuple[str, str]
) -> None:
    parsed = ucdp.parse_row(ucdp_row(type_of_violence=violence), PlaceIndex())
    assert isinstance(parsed, Record)
    assert (parsed.event_type, parsed.sub_event_type) == expected


@pytest.mark.parametrize(
    ("date_prec", "where_prec", "time_precision", "geo_precision"),
    [("1", "1", 1, 1), ("2", "2", 2, 2), ("3", "3", 2, 3), ("4", "4", 3, 3), ("5", "6", 3, 3)],
)
def test_ucdp_precisions_map_to_the_nearest_coarser_acled_code(
    date_prec: str, where_prec: str, time_precision: int, geo_precision: int
) -> None:
    parsed = ucdp.parse_row(ucdp_row(date_prec=date_prec, where_prec=where_prec), PlaceIndex())
    assert isinstance(parsed, Record)
    assert (parsed.time_precision, parsed.geo_precision) == (time_precision, geo_precision)


def test_a_ucdp_row_keeps_id_best_estimate_sides_and_place() -> None:
    index = _index(("sy-testville", "town", "SY02", "Testville"))
    parsed = ucdp.parse_row(ucdp_row(), index)
    assert isinstance(parsed, Record)
    assert (parsed.source, parsed.source_id, parsed.fatalities) == ("ucdp", "900001", 3)
    assert parsed.event_date == date(2017, 3, 4)
    assert (parsed.governorate_pcode, parsed.place_id) == ("SY02", "sy-testville")
    assert parsed.actors == (
        ActorLink("Test Government", "actor1"),
        ActorLink("Test Movement", "actor2"),
    )
    assert "Test Government - Test Movement" in parsed.description
    assert "best estimate 3 deaths (low 3, high 5)" in parsed.description
    assert parsed.source_version == parsed.content_digest()
    far = ucdp.parse_row(ucdp_row(where_prec="4"), index)
    assert isinstance(far, Record) and far.place_id is None, "a governorate-wide point"


def test_ucdp_other_countries_are_skipped_by_country_id() -> None:
    assert ucdp.parse_row(ucdp_row(country="Iraq", country_id="645"), PlaceIndex()) == Skip(
        "not in Syria", "Iraq"
    )
    with pytest.raises(RowError, match="type_of_violence"):
        ucdp.parse_row(ucdp_row(type_of_violence="4"), PlaceIndex())


def test_the_reader_takes_a_bom_any_order_extra_columns_and_counts_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    text = (
        "\ufeffNotes,EVENT_ID_CNTY,event_date,event_type,sub_event_type,latitude,longitude,extra\n"
        '"two\nlines",SYR1,2024-01-31,Battles,Armed clash,36.2,37.1,x\n'
        "short,row\n"
        "\n"
        "n,SYR2,2024-01-31,Battles,Armed clash,36.2,37.1,y\n"
    )
    path.write_text(text, encoding="utf-8")
    with CsvRows(path, acled.REQUIRED) as reader:
        rows = list(reader)
    assert [line for line, _ in rows] == [2, 4, 6]
    first = rows[0][1]
    assert isinstance(first, dict) and first["event_id_cnty"] == "SYR1"
    assert first["notes"] == "two\nlines"
    assert rows[1][1] == "2 fields where the header has 8"


def test_the_reader_refuses_another_export(tmp_path: Path) -> None:
    path = write_acled(tmp_path / "x.csv", [acled_row()])
    with pytest.raises(FileError, match="missing columns id, type_of_violence"):
        CsvRows(path, ucdp.REQUIRED)


def test_a_row_that_is_not_utf8_is_refused_alone_with_its_line(tmp_path: Path) -> None:
    path = write_acled(tmp_path / "x.csv", [acled_row(event_id_cnty=f"SYR{i}") for i in range(3)])
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"synthetic", b"synth\xe9tic")  # Latin-1 in the second row
    path.write_bytes(b"\r\n".join(lines))
    with CsvRows(path, acled.REQUIRED) as reader:
        rows = list(reader)
    assert [
        (line, row if isinstance(row, str) else row["event_id_cnty"]) for line, row in rows
    ] == [
        (2, "SYR0"),
        (3, "notes: not UTF-8 text"),
        (4, "SYR2"),
    ]
