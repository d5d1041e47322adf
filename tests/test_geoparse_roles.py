"""Agency news: spellings from other romanisations, province cues, datelines, speakers,
journeys and lists, each mention's role, and each draft event placed where it happened.

Every text here was written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from app.gazetteer.loader import builtin_places, snapshot_of
from app.geoparse.events import propose_events
from app.geoparse.gazetteer import Snapshot
from app.geoparse.parser import Parsed, geoparse
from app.geoparse.roles import EVENT_ROLES, FOCUS_FACTOR
from app.geoparse.romanize import arabic_skeleton, latin_skeleton, mild_key


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return snapshot_of(builtin_places())


def roles(parsed: Parsed) -> list[tuple[str, str]]:
    return [(m.match.text, r) for m, r in zip(parsed.mentions, parsed.roles.role, strict=True)]


def role_of(parsed: Parsed, text: str) -> str:
    return next(r for t, r in roles(parsed) if t == text)


@pytest.mark.parametrize(
    "spellings",
    [
        ("Deir ez-Zor", "Dayr az Zawr", "Deir Ezzor", "Deir al-Zour", "دير الزور"),
        ("Maarat al-Numan", "Maaret al-Numan", "Ma'arrat al-Nu'man", "معرة النعمان"),
        ("Raqqa", "Raqa", "Ar-Raqqah", "Rakka", "الرقة"),
        ("Hasakah", "Hassakeh", "Al Hasakah", "al-Hasaka", "الحسكة"),
        ("Qamishli", "Kamishli", "القامشلي"),
        ("Jisr al-Shughur", "Jisr ech-Choghour", "Jisr ash-Shughour", "جسر الشغور"),
        ("Suwayda", "Sweida", "As-Suwayda", "السويداء"),
        ("Hmeimim", "Humaymim", "حميميم"),
    ],
)
def test_romanisations_of_one_arabic_name_share_a_skeleton(spellings: tuple[str, ...]) -> None:
    keys = {arabic_skeleton(s) if s[0] > "\u0600" else latin_skeleton(s) for s in spellings}
    assert len(keys) == 1, keys


def test_a_skeleton_alone_is_not_a_match_the_vowels_must_agree_too() -> None:
    assert latin_skeleton("Hamas") == arabic_skeleton("حمص")  # a skeleton over-matches
    assert mild_key("Sweida") == mild_key("Suwayda")
    assert mild_key("Hamas") != mild_key("Homs")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Warplanes carried out air raids on the city of Raqa on Tuesday.", "sy-raqqa"),
        ("Fighting went on in Dayr az Zawr through the night.", "sy-deir-ez-zor"),
        ("Shelling hit the centre of Maaret al-Numan on Friday.", "sy-maarat-al-numan"),
        ("Aid trucks reached Ghouta after a month of siege.", "sy-eastern-ghouta"),
        ("Protesters gathered in Kamishli on Sunday.", "sy-qamishli"),
    ],
)
def test_spellings_agencies_use_are_found(snapshot: Snapshot, text: str, place: str) -> None:
    parsed = geoparse(snapshot, text)
    assert [m.place.id for m in parsed.mentions] == [place]
    assert parsed.focus.place is not None and parsed.focus.place.id == place


@pytest.mark.parametrize(
    "text",
    [
        "A Hamas delegation arrived in Cairo for talks.",
        "The commander, Abu Mohammad al-Halabi, was killed.",
        "The Fourth Division moved its tanks south.",
        "The State Duma approved the treaty on Monday.",
    ],
)
def test_words_that_only_look_like_variant_spellings_link_nothing_in_syria(
    snapshot: Snapshot, text: str
) -> None:
    assert [m.place.id for m in geoparse(snapshot, text).mentions if m.place.id[:3] == "sy-"] == []


def test_a_province_cue_outweighs_a_city_named_in_passing(snapshot: Snapshot) -> None:
    text = (
        "Aleppo residents have followed the news closely. A car bomb exploded on Thursday in "
        "the village of Tal Tamr, killing four people. The village lies in Hasakeh province, "
        "near the road to the Iraqi border."
    )
    parsed = geoparse(snapshot, text)
    assert parsed.focus.governorate_pcode == "SY08"
    assert role_of(parsed, "Hasakeh province") == "province"
    assert parsed.focus.scores["SY08"] > parsed.focus.scores["SY02"]


def test_an_english_dateline_and_speakers_do_not_make_the_focus(snapshot: Snapshot) -> None:
    text = (
        "BEIRUT (AP) — Government warplanes struck the town of Saraqeb in rural Idlib on "
        "Monday, killing nine people, the Britain-based Syrian Observatory for Human Rights "
        "said. Officials in Damascus said the raids targeted militants, and Moscow said its "
        "jets were not involved. The Russian military's reconciliation centre at Hmeimim air "
        "base said in a statement that rebels had violated the truce."
    )
    parsed = geoparse(snapshot, text)
    assert role_of(parsed, "BEIRUT") == "dateline"
    assert role_of(parsed, "Damascus") == "speaker"
    assert role_of(parsed, "Moscow") == "speaker"
    assert role_of(parsed, "Hmeimim air base") == "speaker"
    assert role_of(parsed, "Saraqeb") == "event"
    assert parsed.focus.governorate_pcode == "SY07"
    strike = propose_events(
        parsed.folded, parsed.mentions, parsed.focus, date(2019, 5, 6), parsed.roles
    )[0]
    assert strike.place is not None and strike.place.place.id == "sy-saraqib"


def test_a_hmeimim_statement_about_operations_elsewhere(snapshot: Snapshot) -> None:
    """The seed article's case: the base speaks, the operations are around Deir ez-Zor."""
    text = (
        "دمشق - سانا\n"
        "أعلن مركز المصالحة الروسي في قاعدة حميميم أن الطيران الروسي نفذ غارات على مواقع "
        "لتنظيم داعش في محيط مطار دير الزور العسكري وعلى طريق دمشق بغداد. وقالت قاعدة حميميم "
        "في بيان إن وحدات الجيش تقدمت في بادية دير الزور، فيما تتواصل الاشتباكات في ريف حمص "
        "الشرقي قرب معبر التنف.\n"
        "الكلمات المفتاحية: سوريا، حميميم، اللاذقية، روسيا"
    )
    parsed = geoparse(snapshot, text)
    assert role_of(parsed, "دمشق") == "dateline"
    assert [r for t, r in roles(parsed) if t in ("قاعدة حميميم", "حميميم")] == [
        "speaker",
        "speaker",
        "tag",
    ]
    assert role_of(parsed, "اللاذقية") == "tag"
    assert role_of(parsed, "مطار دير الزور العسكري") == "event"
    assert parsed.focus.governorate_pcode == "SY09"
    tag = next(i for i, m in enumerate(parsed.mentions) if m.match.text == "اللاذقية")
    assert parsed.weights[tag] == 0  # a tag votes for nothing


def test_journeys_name_their_ends_and_the_event_is_on_the_way(snapshot: Snapshot) -> None:
    text = (
        "Buses carrying fighters and their families from Douma to Jarablus came under fire "
        "near Ramouseh on Saturday, wounding three passengers."
    )
    parsed = geoparse(snapshot, text)
    assert roles(parsed) == [
        ("Douma", "origin"),
        ("Jarablus", "destination"),
        ("Ramouseh", "event"),
    ]
    [draft] = propose_events(
        parsed.folded, parsed.mentions, parsed.focus, date(2018, 4, 7), parsed.roles
    )
    assert draft.place is not None and draft.place.match.text == "Ramouseh"
    assert parsed.focus.governorate_pcode == "SY02"


def test_an_arabic_journey(snapshot: Snapshot) -> None:
    text = "تعرضت حافلات تقل مهجرين من حرستا إلى إدلب لإطلاق نار قرب قلعة المضيق مساء أمس."
    parsed = geoparse(snapshot, text)
    assert role_of(parsed, "حرستا") == "origin"
    assert role_of(parsed, "إدلب") == "destination"
    assert role_of(parsed, "قلعة المضيق") == "event"


def test_a_list_of_governorates_does_not_outweigh_the_town_of_the_story(
    snapshot: Snapshot,
) -> None:
    text = (
        "An air strike on a market in Kafranbel killed eleven people on Tuesday. Strikes "
        "also hit Aleppo, Hama, Lattakia and Homs over the week, and the monitor recorded "
        "shelling in Daraa, Quneitra and Sweida."
    )
    parsed = geoparse(snapshot, text)
    assert {role_of(parsed, n) for n in ("Aleppo", "Hama", "Lattakia", "Homs")} == {"list"}
    assert {role_of(parsed, n) for n in ("Daraa", "Quneitra", "Sweida")} == {"list"}
    assert parsed.focus.governorate_pcode == "SY07"


def test_tag_and_byline_lines_vote_for_nothing(snapshot: Snapshot) -> None:
    text = (
        "Shelling killed two children in Nawa on Sunday, local activists said.\n"
        "Reporting by a correspondent in Amman; Editing by the Beirut desk\n"
        "Tags: Syria, Idlib, Aleppo, Damascus"
    )
    parsed = geoparse(snapshot, text)
    assert {role_of(parsed, n) for n in ("Idlib", "Aleppo", "Damascus")} == {"tag"}
    assert role_of(parsed, "Amman") == "byline"
    assert parsed.focus.governorate_pcode == "SY12"
    assert set(parsed.focus.scores) == {"SY12"}


def test_a_draft_without_a_place_in_its_sentence_takes_its_neighbours_not_the_focus(
    snapshot: Snapshot,
) -> None:
    text = (
        "Government forces pressed their offensive in the Hama countryside this week. "
        "In Kafr Zita, residents said the town was quiet. Later on Friday, shells killed "
        "three civilians in the afternoon market."
    )
    parsed = geoparse(snapshot, text)
    drafts = propose_events(
        parsed.folded, parsed.mentions, parsed.focus, date(2019, 5, 10), parsed.roles
    )
    shells = next(d for d in drafts if "shells killed" in d.description)
    assert shells.place is not None and shells.place.place.id == "sy-kafr-zeita"
    assert shells.geo_precision == 2  # taken from a neighbouring sentence: approximate


def test_every_role_has_a_focus_factor_and_speakers_count_least() -> None:
    assert set(EVENT_ROLES) < set(FOCUS_FACTOR)
    assert max(FOCUS_FACTOR[r] for r in ("speaker", "dateline", "byline", "tag")) < min(
        FOCUS_FACTOR[r] for r in ("event", "province", "mention")
    )


def test_the_api_and_the_database_know_every_role() -> None:
    from typing import get_args

    from app.reports.schemas import MentionRole

    assert set(get_args(MentionRole)) == set(FOCUS_FACTOR)
