"""The geoparser on the built-in gazetteer, without a database: what the issue asks of it."""

from __future__ import annotations

from datetime import date

import pytest

from app.gazetteer.loader import builtin_places, snapshot_of
from app.geoparse.dates import find_dates
from app.geoparse.events import propose_events
from app.geoparse.gazetteer import Snapshot
from app.geoparse.parser import Parsed, geoparse
from app.geoparse.text import fold


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return snapshot_of(builtin_places())


def links(parsed: Parsed) -> list[tuple[str, str]]:
    return [(m.match.text, m.place.id) for m in parsed.mentions]


def test_compound_facilities_and_regions_in_arabic(snapshot: Snapshot) -> None:
    text = (
        "استهدفت غارات محيط مطار دير الزور العسكري، فيما وصلت تعزيزات إلى معبر التنف "
        "وقاعدة حميميم، واندلعت اشتباكات بريف حمص الشرقي."
    )
    assert links(geoparse(snapshot, text)) == [
        ("مطار دير الزور العسكري", "sy-deir-ez-zor-military-airport"),
        ("معبر التنف", "sy-al-tanf-crossing"),
        ("قاعدة حميميم", "sy-hmeimim-air-base"),
        ("ريف حمص الشرقي", "sy-eastern-homs-countryside"),  # the region, not Homs city
    ]


def test_compound_facilities_and_regions_in_english(snapshot: Snapshot) -> None:
    text = (
        "Shelling hit the Deir ez-Zor military airport while US forces at the al-Tanf "
        "crossing watched fighting in the eastern Homs countryside; jets took off from "
        "Hmeimim air base."
    )
    assert [place for _, place in links(geoparse(snapshot, text))] == [
        "sy-deir-ez-zor-military-airport",
        "sy-al-tanf-crossing",
        "sy-eastern-homs-countryside",
        "sy-hmeimim-air-base",
    ]


def test_its_airport_after_a_city_is_that_citys_airport(snapshot: Snapshot) -> None:
    text = "تسعى القوات إلى فك الحصار عن مدينة دير الزور ومطارها العسكري."
    assert links(geoparse(snapshot, text)) == [
        ("دير الزور", "sy-deir-ez-zor"),
        ("مطارها العسكري", "sy-deir-ez-zor-military-airport"),
    ]


@pytest.mark.parametrize(
    ("word", "place"),
    [
        ("وبنش", "بنش"),
        ("ببنش", "بنش"),
        ("بنش", "بنش"),
        ("ببيلا", "ببيلا"),
        ("وببيلا", "ببيلا"),
        ("بصرى الشام", "بصرى الشام"),
        ("وحلب", "حلب"),
        ("لدمشق", "دمشق"),
        ("بالرقة", "الرقة"),
        ("للرقة", "لرقة"),
    ],
)
def test_clitics_are_stripped_only_when_the_whole_word_is_no_name(
    snapshot: Snapshot, word: str, place: str
) -> None:
    [mention] = geoparse(snapshot, f"قصفت الطائرات {word} صباح اليوم").mentions
    assert mention.match.text == place


@pytest.mark.parametrize(
    "text",
    [
        "قال بشار الأسد في خطاب إن الجيش الحر خسر مواقعه.",
        "تظاهر العشرات في ساحة الكرامة وطالبوا بالإفراج عن معتقلي السجن المركزي.",
        "The Free Syrian Army and Hayat Tahrir al-Sham said the Syrian Observatory was wrong.",
        "أعلن فيلق القدس وقوات درع الفرات بدء معركة جديدة.",
    ],
)
def test_people_organisations_and_common_words_are_not_places(
    snapshot: Snapshot, text: str
) -> None:
    assert links(geoparse(snapshot, text)) == []


def test_places_abroad_resolve_abroad(snapshot: Snapshot) -> None:
    parsed = geoparse(snapshot, "وصلت إمدادات من بغداد عبر الأردن، ونقلت عبر Istanbul.")
    assert [m.place.country_code for m in parsed.mentions] == ["IQ", "JO", "TR"]


def test_spelling_variants_resolve_to_one_place(snapshot: Snapshot) -> None:
    for spelling in ("Deir ez-Zor", "Deir Ezzor", "Dayr az-Zawr", "دير الزور", "ديرالزور"):
        [mention] = geoparse(snapshot, f"Clashes in {spelling} today.").mentions
        assert mention.place.id == "sy-deir-ez-zor", spelling


def test_focus_is_where_the_report_is_about(snapshot: Snapshot) -> None:
    text = (
        "Government forces advanced in Deir ez-Zor on Monday, taking villages east of "
        "Deir ez-Zor city near Mayadin, a statement from Damascus said."
    )
    focus = geoparse(snapshot, text, title="Advance near Mayadin").focus
    assert focus.governorate_pcode == "SY09"
    assert focus.place is not None and focus.place.governorate_pcode == "SY09"


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("أمس الجمعة", date(2017, 6, 9), 1),
        ("يوم الأحد الماضي", date(2017, 6, 4), 1),
        ("on Tuesday", date(2017, 6, 6), 1),
        ("last week", date(2017, 6, 3), 2),
        ("في 22 تشرين الأول 2016", date(2016, 10, 22), 1),
        ("on 5 September 2016", date(2016, 9, 5), 1),
        ("في ٥ أيلول ٢٠١٦", date(2016, 9, 5), 1),
    ],
)
def test_dates_resolve_against_publication(text: str, day: date, precision: int) -> None:
    published = date(2017, 6, 10)  # a Saturday
    [(_, _, found, found_precision)] = find_dates(fold(text).text, published)
    assert (found, found_precision) == (day, precision)


def test_draft_events_carry_type_place_date_actors_and_fatalities(snapshot: Snapshot) -> None:
    text = (
        "Russian warplanes carried out airstrikes on Douma on Tuesday, killing 12 civilians. "
        "Government forces recaptured the town of Mayadin after clashes with Islamic State."
    )
    parsed = geoparse(snapshot, text)
    strike, retaken = propose_events(parsed.folded, parsed.mentions, parsed.focus, date(2018, 3, 1))
    assert (strike.event_type, strike.sub_event_type) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )
    assert strike.place is not None and strike.place.place.id == "sy-douma"
    assert strike.event_date == date(2018, 2, 27) and strike.fatalities == 12
    assert ("Civilians (Syria)", "actor2") in strike.actors
    assert text[strike.quote_start : strike.quote_end].startswith("Russian warplanes")
    assert retaken.sub_event_type == "Government regains territory"
    assert retaken.actors[0] == ("Military Forces of Syria (2000-2024)", "actor1")


def test_offsets_point_at_the_exact_words(snapshot: Snapshot) -> None:
    text = "قصفت  الطائراتُ  مدينةَ حَلَب، وبلدة تَلْبِيسَة."
    for mention in geoparse(snapshot, text).mentions:
        assert text[mention.match.start : mention.match.end] == mention.match.text
    assert [m.match.text for m in geoparse(snapshot, text).mentions] == ["حَلَب", "تَلْبِيسَة"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Fighting near Jisr ash-Shughur and Jisr al-Shughur",
            ["Jisr ash-Shughur", "Jisr al-Shughur"],
        ),
        ("A shell hit Bab Zuwayla in the old city", []),  # "Bab" alone is not al-Bab
        ("التقى حمد بن جاسم بوزير الخارجية", []),  # a father's name, not the town of Jasim
        ("وضع ورقة على الطاولة", []),  # a sheet of paper, not و + الرقة
        ("قالت قوات حماة الديار إنها انسحبت", []),
        ("The State Duma discussed Syria", []),
    ],
)
def test_transliteration_and_false_friends(
    snapshot: Snapshot, text: str, expected: list[str]
) -> None:
    assert [m.match.text for m in geoparse(snapshot, text).mentions] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The army plans to capture Raqqa.", []),
        ("Rebels threatened to shell Aleppo on Monday.", []),
        ("تعتزم قوات النظام السيطرة على مدينة دير الزور.", []),
        ("Government forces captured Raqqa on Monday.", ["Government regains territory"]),
        (
            "تمكنت فصائل المعارضة من السيطرة يوم الأحد الماضي على مواقع في ريف حمص الشرقي.",
            ["Non-state actor overtakes territory"],
        ),
    ],
)
def test_intentions_and_threats_are_not_events(
    snapshot: Snapshot, text: str, expected: list[str]
) -> None:
    parsed = geoparse(snapshot, text)
    drafts = propose_events(parsed.folded, parsed.mentions, parsed.focus, date(2017, 6, 10))
    assert [d.sub_event_type for d in drafts] == expected


def test_romanisation_variants_of_a_town_need_a_place_of_its_governorate(
    snapshot: Snapshot,
) -> None:
    [variant, hama] = geoparse(snapshot, "Rebels entered Kafar Zeita near Hama.").mentions
    assert (variant.match.text, variant.place.id, variant.method) == (
        "Kafar Zeita",
        "sy-kafr-zeita",
        "variant",
    )
    assert variant.confidence < hama.confidence
    # alone, a variant spelling of a town links nothing: no other place supports it
    assert geoparse(snapshot, "Rebels entered Kafar Zeita.").mentions == []
    # a city's variant needs no support: "Maaret al-Numaan" is Maarat al-Numan
    [city] = geoparse(snapshot, "Rebels entered Maaret al-Numaan.").mentions
    assert (city.place.id, city.method) == ("sy-maarat-al-numan", "variant")
