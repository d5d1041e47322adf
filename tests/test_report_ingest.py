"""POST /reports: stored with its mentions, focus and draft events, in one transaction."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.reports import writes
from tests.conftest import Keys

ARABIC = (
    "قصفت طائرات حربية روسية أمس الجمعة مواقع في محيط مطار دير الزور العسكري، ما أسفر عن "
    "مقتل 7 عناصر من تنظيم الدولة. وتواصلت الاشتباكات بريف حمص الشرقي قرب معبر التنف. "
    "وقال مصدر عسكري في دمشق إن التعزيزات وصلت إلى مطار القامشلي."
)
ENGLISH = (
    "Government forces recaptured the town of Mayadin in Deir ez-Zor on Saturday, "
    "a military source said in Damascus. Airstrikes near Idlib killed three civilians on "
    "Tuesday, while Russian aircraft flew from Hmeimim air base."
)


async def _count(session: AsyncSession, table: str) -> int:
    conn = await session.connection()
    return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


@pytest.fixture(autouse=True)
def _as_analyst(client: httpx.AsyncClient, keys: Keys) -> None:
    client.headers.update(keys.analyst)


@pytest.mark.usefixtures("gazetteer")
async def test_arabic_report_links_places_with_exact_words(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/reports",
        json={"body": ARABIC, "published_at": "2017-09-09T10:00:00+03:00", "source": "test"},
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert response.headers["Location"] == f"/reports/{report['id']}"
    assert report["language"] == "ar"
    linked = {m["place"]["id"] for m in report["mentions"]}
    assert linked == {
        "sy-deir-ez-zor-military-airport",
        "sy-eastern-homs-countryside",
        "sy-al-tanf-crossing",
        "sy-damascus",
        "sy-qamishli-airport",
    }
    for mention in report["mentions"]:
        assert ARABIC[mention["start"] : mention["end"]] == mention["text"]
        assert 0 < mention["confidence"] <= 1
    region = next(
        m for m in report["mentions"] if m["place"]["id"] == "sy-eastern-homs-countryside"
    )
    assert region["text"] == "ريف حمص الشرقي"  # the clitic ب is not part of the name
    assert report["focus"]["governorate_pcode"] in ("SY09", "SY04")
    assert report["events"], "the strike and the clashes become draft events"
    strike = report["events"][0]
    assert strike["status"] == "draft"
    assert strike["event_date"] == "2017-09-08"  # أمس الجمعة before a Saturday
    assert strike["sub_event_type"] == "Air/drone strike"
    assert ARABIC[strike["quote_start"] : strike["quote_end"]] == strike["quote"]


@pytest.mark.usefixtures("gazetteer")
async def test_english_report_and_its_draft_events(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/reports",
        json={"body": ENGLISH, "title": "Mayadin retaken", "published_at": "2017-10-15T09:00:00Z"},
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["language"] == "en"
    linked = [m["place"]["id"] for m in report["mentions"]]
    assert linked == [
        "sy-mayadin",
        "sy-deir-ez-zor",
        "sy-damascus",
        "sy-idlib",
        "sy-hmeimim-air-base",
    ]
    assert report["focus"]["governorate_pcode"] == "SY09"
    subs = {e["sub_event_type"] for e in report["events"]}
    assert "Government regains territory" in subs and "Air/drone strike" in subs
    detail = (await client.get(f"/events/{report['events'][0]['id']}")).json()
    assert detail["properties"]["status"] == "draft"
    assert detail["properties"]["reports"][0]["id"] == report["id"]


@pytest.mark.usefixtures("gazetteer")
async def test_each_mention_says_why_it_won_or_lost(client: httpx.AsyncClient) -> None:
    body = (
        "BEIRUT (Reuters) - Air strikes hit the town of Mayadin in the eastern Deir ez-Zor "
        "countryside on Sunday, the London-based monitor said. The Russian military's "
        "reconciliation centre at Hmeimim air base said in a statement that its jets had "
        "not flown.\nTags: Syria, Lattakia, Aleppo"
    )
    response = await client.post("/reports", json={"body": body})
    assert response.status_code == 201, response.text
    report = (await client.get(f"/reports/{response.json()['id']}")).json()
    role = {m["text"]: (m["role"], m["focus_weight"]) for m in report["mentions"]}
    assert role["BEIRUT"] == ("dateline", 0)  # abroad: no vote at all
    assert role["Mayadin"][0] == "event" and role["Mayadin"][1] > 1
    assert role["Hmeimim air base"][0] == "speaker"
    assert role["Lattakia"] == ("tag", 0) and role["Aleppo"] == ("tag", 0)
    scores = report["focus"]["scores"]
    assert report["focus"]["governorate_pcode"] == scores[0]["governorate_pcode"] == "SY09"
    assert [s["weight"] for s in scores] == sorted((s["weight"] for s in scores), reverse=True)
    votes = sum(
        m["focus_weight"] for m in report["mentions"] if m["place"]["governorate_pcode"] == "SY09"
    )
    assert scores[0]["weight"] == pytest.approx(votes, abs=0.01)


@pytest.mark.usefixtures("gazetteer")
async def test_the_same_report_twice_is_stored_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await client.post("/reports", json={"body": ENGLISH})
    again = await client.post("/reports", json={"body": "  " + ENGLISH.replace(" ", "  ")})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert await _count(session, "reports") == 1


@pytest.mark.usefixtures("gazetteer")
async def test_html_is_reduced_to_its_text(client: httpx.AsyncClient) -> None:
    html = (
        "<html><head><script>var x = 'Aleppo';</script></head><body><p>Shelling hit "
        "<b>Aleppo</b> on Monday.</p></body></html>"
    )
    report = (await client.post("/reports", json={"body": html})).json()
    assert report["body"] == "Shelling hit Aleppo on Monday."
    assert [m["text"] for m in report["mentions"]] == ["Aleppo"]


@pytest.mark.usefixtures("gazetteer")
async def test_a_third_language_is_stored_without_mentions(client: httpx.AsyncClient) -> None:
    body = "Der Bericht beschreibt die Lage ohne einen einzigen Ortsnamen zu nennen."
    response = await client.post("/reports", json={"body": body})
    assert response.status_code == 201
    assert response.json()["language"] == "und" and response.json()["mentions"] == []


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n\t "}, "body"),
        ({"body": "<p></p>"}, "body"),
        ({"body": "abc\x00def"}, "body"),
        ({"body": "\x01\x02\x03\x04\x05\x06"}, "body"),
        ({}, "body"),
        ({"body": 42}, "body"),
        ({"body": "x", "published_at": "yesterday"}, "published_at"),
        # the ends of the driver's range would be stored as -infinity and infinity
        ({"body": "x", "published_at": "0001-01-01T00:00:00Z"}, "published_at"),
        ({"body": "x", "published_at": "9999-12-31T23:59:59.999999Z"}, "published_at"),
        ({"body": "x", "published_at": "0001-01-01T00:00:00+01:00"}, "published_at"),
        ({"body": "x", "url": "not a url"}, "url"),
        ({"body": "x", "language": "fr"}, "language"),
        ({"body": "x", "status": "published"}, "status"),
    ],
)
async def test_bad_reports_are_400_and_store_nothing(
    client: httpx.AsyncClient, session: AsyncSession, payload: dict[str, object], name: str
) -> None:
    response = await client.post("/reports", json=payload)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert name in response.json()["detail"]
    assert await _count(session, "reports") == 0


async def test_non_json_and_huge_bodies_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/reports",
        content=b"\x89PNG\r\n\x1a\n\x00\x00",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    huge = await client.post("/reports", json={"body": "x" * (5 * 1024 * 1024)})
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("gazetteer")
async def test_a_failure_midway_leaves_no_half_stored_report(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writes, "add_draft_events", broken)
    response = await client.post("/reports", json={"body": ARABIC})
    assert response.status_code == 500
    assert "disk on fire" not in response.text and "Traceback" not in response.text
    for table in ("reports", "report_mentions", "events"):
        assert await _count(session, table) == 0


@pytest.mark.usefixtures("gazetteer")
async def test_reports_need_a_key_and_their_drafts_are_the_analysts(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    anonymous = await client.post("/reports", json={"body": ENGLISH}, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    report = (await client.post("/reports", json={"body": ENGLISH})).json()
    draft = report["events"][0]["id"]
    assert (await client.get(f"/events/{draft}")).status_code == 200
    assert (await client.get(f"/events/{draft}", headers=keys.other_analyst)).status_code == 404
    assert (await client.get(f"/events/{draft}", headers={"Authorization": ""})).status_code == 404
