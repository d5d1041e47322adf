"""Imports into the store: what is stored, skipped and reported; re-imports; versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.exchange import service
from app.exchange.schemas import ImportSummary
from app.exchange.service import import_files, summary_lines
from tests.conftest import RolledBackDatabase
from tests.exchange_data import (
    ACLED_DEFAULTS,
    GOVERNORATE_ROWS,
    acled_row,
    ucdp_row,
    write_acled,
    write_csv,
    write_ucdp,
)
from tests.factories import add_place

QUIET = Console(quiet=True)


async def _import(db: RolledBackDatabase, source: str, *paths: Path) -> ImportSummary:
    return await import_files(db, source, list(paths), QUIET)


async def _rows(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    conn = await session.connection()
    return list((await conn.execute(text(sql), params)).all())


async def _versions(session: AsyncSession) -> int:
    return int((await _rows(session, "SELECT count(*) FROM event_versions"))[0][0])


async def _gazetteer(session: AsyncSession) -> None:
    """A town of each governorate under the name the rows use; one district with a pcode."""
    for pcode, (_, town, lat, lon) in GOVERNORATE_ROWS.items():
        slug = town.lower().replace(" ", "-")
        await add_place(session, f"sy-test-{slug}", lon, lat, name_en=town, governorate=pcode)
    await add_place(
        session,
        "ocha-test-sy0200",
        37.16,
        36.2,
        name_en="Jebel Saman",
        kind="district",
        governorate="SY02",
    )
    await (await session.connection()).execute(
        text("UPDATE places SET pcode = 'SY0200' WHERE id = 'ocha-test-sy0200'")
    )


async def test_every_governorate_is_stored_with_its_pcode_and_place(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await _gazetteer(session)
    rows = [
        acled_row(
            event_id_cnty=f"SYR9{i:05d}",
            admin1=admin1,
            location=town,
            latitude=str(lat),
            longitude=str(lon),
        )
        for i, (admin1, town, lat, lon) in enumerate(GOVERNORATE_ROWS.values())
    ]
    summary = await _import(db, "acled", write_acled(tmp_path / "govs.csv", rows))
    assert (summary.created, summary.problems) == (14, [])
    stored = await _rows(
        session,
        "SELECT governorate_pcode, place_id, status FROM events WHERE source = 'acled'",
    )
    assert sorted(r.governorate_pcode for r in stored) == sorted(GOVERNORATE_ROWS)
    assert all(r.place_id and r.place_id.startswith("sy-test-") for r in stored)
    assert {r.status for r in stored} == {"published"}


async def test_a_real_shaped_file_keeps_good_rows_and_reports_bad_ones_by_line(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await _gazetteer(session)
    # ACLED's columns in another order, an extra column, a byte order mark, both date forms.
    columns = ["notes", *reversed([c for c in ACLED_DEFAULTS if c != "notes"]), "my_comment"]
    rows = [
        acled_row(event_id_cnty="SYR900001", event_date="2024-01-31", admin2="Jebel Saman"),
        acled_row(event_id_cnty="SYR900002", event_date="31 January 2024"),
        acled_row(event_id_cnty="SYR900003", event_date="31/01/2024"),
        acled_row(event_id_cnty="SYR900004", latitude="361.2"),
        acled_row(event_id_cnty="SYR900005", event_type="Skirmishes"),
        acled_row(event_id_cnty="IRQ900006", country="Iraq", iso="368", admin1="Baghdad"),
        acled_row(event_id_cnty="SYR900007", my_comment="ours"),
    ]
    path = write_csv(tmp_path / "export.csv", columns, rows, bom=True)
    summary = await _import(db, "acled", path)
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.skipped == {"bad row": 3, "not in Syria": 1}
    assert summary.other_countries == {"Iraq": 1}
    assert summary.problems == [
        f"{path}:4: event_date '31/01/2024' is not a date (yyyy-mm-dd or '31 January 2024')",
        f"{path}:5: bad coordinate: latitude '361.2' is outside -90..90",
        f"{path}:6: unknown event_type 'Skirmishes'",
    ]
    stored = await _rows(
        session,
        "SELECT source_id, event_date::text, district_pcode, description FROM events"
        " WHERE source = 'acled' ORDER BY source_id",
    )
    assert [(r.source_id, r.event_date) for r in stored] == [
        ("SYR900001", "2024-01-31"),
        ("SYR900002", "2024-01-31"),
        ("SYR900007", "2024-01-31"),
    ]
    assert stored[0].district_pcode == "SY0200"
    assert stored[0].description == ACLED_DEFAULTS["notes"]
    lines = summary_lines(summary, "ACLED")
    assert lines[0] == "ACLED: 3 created, 0 updated, 0 unchanged."
    assert "  skipped, not in Syria: 1 (Iraq 1)" in lines


async def test_actors_keep_acled_sides_and_inter_codes(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    row = acled_row(
        assoc_actor_1="Test Militia A; Test Militia B", assoc_actor_2="Test Tribe", inter1="1"
    )
    await _import(db, "acled", write_acled(tmp_path / "a.csv", [row]))
    links = await _rows(
        session,
        "SELECT a.name, ea.side, a.inter_code FROM event_actors ea JOIN actors a"
        " ON a.id = ea.actor_id ORDER BY ea.side, a.name",
    )
    assert [tuple(r) for r in links] == [
        ("Test Army Brigade", "actor1", 1),
        ("Test Hill Fighters", "actor2", 2),
        ("Test Militia A", "assoc_actor_1", None),
        ("Test Militia B", "assoc_actor_1", None),
        ("Test Tribe", "assoc_actor_2", None),
    ]
    versions = await _rows(session, "SELECT version, data->'actors' AS actors FROM event_versions")
    assert len(versions) == 1, "the links complete the version of the insert"
    assert len(versions[0].actors) == 5


async def test_a_reimport_of_the_same_timestamps_writes_nothing(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    rows = [acled_row(event_id_cnty=f"SYR90000{i}") for i in range(1, 4)]
    path = write_acled(tmp_path / "a.csv", rows)
    first = await _import(db, "acled", path)
    before = await _versions(session)
    again = await _import(db, "acled", path)
    assert (first.created, again.created, again.updated, again.unchanged) == (3, 0, 0, 3)
    assert await _versions(session) == before == 3


async def test_a_newer_timestamp_is_one_new_version_with_its_reason(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await _import(db, "acled", write_acled(tmp_path / "week1.csv", [acled_row()]))
    revised = acled_row(timestamp="1707350400", fatalities="5", actor2="Test Valley Fighters")
    later = await _import(db, "acled", write_acled(tmp_path / "week2.csv", [revised]))
    assert (later.created, later.updated) == (0, 1)
    history = await _rows(
        session,
        "SELECT version, op, changed_by, change_reason, data->>'fatalities' AS fatalities,"
        " data->'actors' AS actors FROM event_versions ORDER BY version",
    )
    assert [(h.version, h.op, h.changed_by) for h in history] == [
        (1, "create", "import:acled"),
        (2, "update", "import:acled"),
    ]
    assert history[0].change_reason == "ACLED import"
    assert history[1].change_reason == "ACLED update 1707350400"
    assert history[1].fatalities == "5"
    assert {"name": "Test Valley Fighters", "side": "actor2"} in history[1].actors
    stale = await _import(db, "acled", write_acled(tmp_path / "week1b.csv", [acled_row()]))
    assert stale.skipped == {"older than the stored version": 1} and stale.problems == []
    assert "older than the stored 1707350400" in stale.notes[0]
    assert await _versions(session) == 2


async def test_an_update_keeps_an_editors_retraction(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await _import(db, "acled", write_acled(tmp_path / "a.csv", [acled_row()]))
    conn = await session.connection()
    await conn.execute(
        text("UPDATE events SET status = 'retracted', retraction_reason = 'duplicate'")
    )
    await _import(db, "acled", write_acled(tmp_path / "b.csv", [acled_row(timestamp="1800000000")]))
    assert [
        tuple(r) for r in await _rows(session, "SELECT status, source_version FROM events")
    ] == [("retracted", "1800000000")]


async def test_a_missing_file_or_another_export_is_reported_and_others_still_import(
    tmp_path: Path, db: RolledBackDatabase
) -> None:
    good = write_acled(tmp_path / "good.csv", [acled_row()])
    other = write_ucdp(tmp_path / "ged.csv", [ucdp_row()])
    summary = await _import(db, "acled", tmp_path / "missing.csv", other, good)
    assert summary.created == 1
    assert summary.problems[0].startswith(f"{tmp_path / 'missing.csv'}: cannot open")
    assert "missing columns event_id_cnty" in summary.problems[1]


async def test_ucdp_imports_syria_and_updates_only_changed_rows(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    rows = [
        ucdp_row(id="900001"),
        ucdp_row(id="900002", type_of_violence="3", side_b="Civilians", best="4"),
        ucdp_row(id="900003", country="Iraq", country_id="645", adm_1="Ninawa governorate"),
    ]
    first = await _import(db, "ucdp", write_ucdp(tmp_path / "ged.csv", rows))
    assert (first.created, first.skipped) == (2, {"not in Syria": 1})
    again = await _import(db, "ucdp", write_ucdp(tmp_path / "ged.csv", rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[1] = {**rows[1], "best": "6", "high": "8"}
    changed = await _import(db, "ucdp", write_ucdp(tmp_path / "ged2.csv", rows))
    assert (changed.updated, changed.unchanged) == (1, 1)
    stored = await _rows(
        session,
        "SELECT e.source_id, e.event_type, e.fatalities, e.governorate_pcode, e.version,"
        " (SELECT change_reason FROM event_versions v WHERE v.event_id = e.id"
        "  ORDER BY version DESC LIMIT 1) AS reason FROM events e ORDER BY e.source_id",
    )
    assert [tuple(r) for r in stored] == [
        ("900001", "Battles", 3, "SY02", 1, "UCDP import"),
        ("900002", "Violence against civilians", 6, "SY02", 2, "UCDP update (the row changed)"),
    ]


async def test_an_unknown_admin1_takes_the_governorate_of_the_point(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await add_place(session, "sy-test-near", 37.13, 36.2, name_en="Near", governorate="SY02")
    await _import(db, "acled", write_acled(tmp_path / "a.csv", [acled_row(admin1="")]))
    assert (await _rows(session, "SELECT governorate_pcode FROM events"))[0][0] == "SY02"


async def test_batches_of_new_rows_write_one_version_each_and_a_reimport_none(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession, monkeypatch: Any
) -> None:
    monkeypatch.setattr("app.exchange.service.BATCH_ROWS", 4)
    rows = [acled_row(event_id_cnty=f"SYR9{i:05d}", assoc_actor_1="Test Tribe") for i in range(10)]
    path = write_acled(tmp_path / "a.csv", rows)
    first = await _import(db, "acled", path)
    versions = await _rows(
        session,
        "SELECT version, op, change_reason, jsonb_array_length(data->'actors') AS actors"
        " FROM event_versions",
    )
    assert first.created == 10
    assert {tuple(v) for v in versions} == {(1, "create", "ACLED import", 3)}
    assert len(versions) == 10, "one version 1 per event, its actors in it"
    again = await _import(db, "acled", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert await _versions(session) == 10


async def test_updates_in_one_batch_keep_each_its_own_reason(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    rows = [acled_row(event_id_cnty=f"SYR9{i:05d}") for i in range(4)]
    await _import(db, "acled", write_acled(tmp_path / "a.csv", rows))
    rows[0] = {**rows[0], "timestamp": "1707350400", "actor2": "Test Valley Fighters"}
    rows[1] = {**rows[1], "timestamp": "1707350400", "fatalities": "9"}
    rows[2] = {**rows[2], "timestamp": "1707436800", "fatalities": "4"}
    later = await _import(db, "acled", write_acled(tmp_path / "b.csv", rows))
    assert (later.updated, later.unchanged) == (3, 1)
    history = await _rows(
        session,
        "SELECT e.source_id, v.version, v.op, v.change_reason, v.data->'actors' AS actors"
        " FROM event_versions v JOIN events e ON e.id = v.event_id WHERE v.version > 1"
        " ORDER BY e.source_id",
    )
    assert [(h.source_id, h.version, h.op, h.change_reason) for h in history] == [
        ("SYR900000", 2, "update", "ACLED update 1707350400"),
        ("SYR900001", 2, "update", "ACLED update 1707350400"),
        ("SYR900002", 2, "update", "ACLED update 1707436800"),
    ]
    assert {"name": "Test Valley Fighters", "side": "actor2"} in history[0].actors


async def test_rows_read_as_last_imported_are_not_parsed_again(
    db: RolledBackDatabase, session: AsyncSession, tmp_path: Path, monkeypatch: Any
) -> None:
    rows = [acled_row(event_id_cnty=f"SYR8{i:05d}", fatalities=str(i)) for i in range(6)]
    first = await _import(db, "acled", write_acled(tmp_path / "a.csv", rows))
    assert first.created == 6
    kept = await _rows(session, "SELECT source_id FROM import_rows WHERE source = 'acled'")
    assert sorted(r.source_id for r in kept) == [f"SYR8{i:05d}" for i in range(6)]

    parsed: list[str] = []
    acled_source = service.SOURCES["acled"]

    def counting(row: dict[str, str], places: Any) -> Any:
        parsed.append(row["event_id_cnty"])
        return acled_source.parse(row, places)

    monkeypatch.setitem(service.SOURCES, "acled", replace(acled_source, parse=counting))
    # Two rows change: a newer timestamp, and an edited cell under the same timestamp.
    rows[1] = {**rows[1], "timestamp": "1907350400", "fatalities": "40"}
    rows[4] = {**rows[4], "notes": "Edited after the first import."}
    again = await _import(db, "acled", write_acled(tmp_path / "b.csv", rows))
    assert sorted(parsed) == ["SYR800001", "SYR800004"]
    assert (again.created, again.updated, again.unchanged) == (0, 1, 5)
    # A row that no longer reads is still found, though its id and timestamp are stored.
    parsed.clear()
    rows[2] = {**rows[2], "latitude": "not a number"}
    broken = await _import(db, "acled", write_acled(tmp_path / "c.csv", rows))
    assert parsed == ["SYR800002"] and broken.skipped["bad row"] == 1
    assert (broken.updated, broken.unchanged) == (0, 5)
    # Under another parser version every row is read again.
    parsed.clear()
    monkeypatch.setattr(service, "PARSER_VERSION", "test-next")
    await _import(db, "acled", write_acled(tmp_path / "d.csv", rows))
    assert len(parsed) == 6
