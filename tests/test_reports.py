"""GET /reports/{id}: the report with its mentions (exact words, offsets), focus and events."""

from __future__ import annotations

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ReportMention
from tests.factories import add_airport, add_event, add_report, link_report

BODY = "قصفت طائرات حربية محيط مطار دير الزور العسكري، فيما تواصلت الاشتباكات في ريف حمص الشرقي."


async def test_report_shows_mentions_with_offsets_focus_and_events(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_airport(session)
    report = await add_report(session, BODY, language="ar")
    words = "مطار دير الزور العسكري"
    start = BODY.index(words)
    assert report.id is not None
    session.add(
        ReportMention(
            report_id=report.id,
            place_id="sy-airport-test",
            text=words,
            start_offset=start,
            end_offset=start + len(words),
            confidence=0.97,
            method="gazetteer",
            role="event",
            focus_weight=2.91,
        )
    )
    report.focus_place_id, report.focus_governorate_pcode = "sy-airport-test", "SY09"
    report.focus_scores = {"SY06": 0.19, "SY09": 2.91}
    session.add(report)
    event = await add_event(
        session,
        "2017-09-05",
        40.17,
        35.28,
        status="draft",
        event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike",
    )
    await link_report(session, event, report, "قصفت طائرات حربية محيط مطار دير الزور العسكري")

    response = await client.get(f"/reports/{report.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "ar" and body["body"] == BODY
    [mention] = body["mentions"]
    assert BODY[mention["start"] : mention["end"]] == mention["text"] == words
    assert mention["place"]["id"] == "sy-airport-test" and mention["confidence"] == 0.97
    assert (mention["role"], mention["focus_weight"]) == ("event", 2.91)
    assert body["focus"] == {
        "place": mention["place"],
        "governorate_pcode": "SY09",
        "scores": [
            {"governorate_pcode": "SY09", "weight": 2.91},
            {"governorate_pcode": "SY06", "weight": 0.19},
        ],
    }
    assert [e["id"] for e in body["events"]] == [event.public_id]
    assert body["events"][0]["status"] == "draft"
