"""Events, the ACLED taxonomy they are validated against, their links and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Column,
    Computed,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import UserDefinedType
from sqlmodel import Field, SQLModel


class Xid8(UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id, which orders the change feed."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


def _timestamp() -> Any:
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class EventType(SQLModel, table=True):
    __tablename__ = "event_types"

    event_type: str = Field(primary_key=True)
    sub_event_type: str = Field(primary_key=True, unique=True)


class Actor(SQLModel, table=True):
    __tablename__ = "actors"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    name_ar: str | None = None
    inter_code: int | None = None
    created_at: datetime | None = _timestamp()


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["event_type", "sub_event_type"],
            ["event_types.event_type", "event_types.sub_event_type"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = Field(
        default=None,
        sa_column=Column(
            Text, nullable=False, unique=True, server_default=text("se_public_id('ev')")
        ),
    )
    event_date: date
    time_precision: int = 1
    event_type: str
    sub_event_type: str
    description: str = ""
    search_text: str | None = Field(
        default=None, sa_column=Column(Text, Computed("se_normalize(description)", persisted=True))
    )
    # The best figure (ACLED's only one); UCDP's low and high, and civilian deaths, where
    # known (migration 0010 checks low <= fatalities <= high, civilians <= high).
    fatalities: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    civilian_fatalities: int | None = None
    geom: Any = Field(
        sa_column=Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    )
    geo_precision: int = 1
    place_id: str | None = Field(default=None, foreign_key="places.id")
    governorate_pcode: str | None = Field(default=None, foreign_key="governorates.pcode")
    district_pcode: str | None = None
    status: str = "draft"
    retraction_reason: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="events.id")
    source: str = "analyst"
    source_id: str | None = None
    # The source's own version of an imported record (ACLED's timestamp, a digest for UCDP).
    source_version: str | None = None
    created_at: datetime | None = _timestamp()
    updated_at: datetime | None = _timestamp()
    version: int = 1
    created_by: str | None = None
    updated_by: str | None = None


class EventReport(SQLModel, table=True):
    __tablename__ = "event_reports"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    report_id: int = Field(foreign_key="reports.id", primary_key=True)
    quote: str | None = None
    quote_start: int | None = None
    quote_end: int | None = None


class EventPlace(SQLModel, table=True):
    __tablename__ = "event_places"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    place_id: str = Field(foreign_key="places.id", primary_key=True)
    role: str = Field(primary_key=True)


class EventActor(SQLModel, table=True):
    __tablename__ = "event_actors"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    actor_id: int = Field(foreign_key="actors.id", primary_key=True)
    side: str = Field(primary_key=True)


class EventVersion(SQLModel, table=True):
    """Written by a database trigger on every insert and update of ``events``."""

    __tablename__ = "event_versions"
    __table_args__ = (Index("ix_event_versions_txid_seq", "txid", "seq"),)

    event_id: int = Field(foreign_key="events.id", primary_key=True)
    version: int = Field(primary_key=True)
    op: str
    data: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    changed_at: datetime | None = _timestamp()
    changed_by: str | None = None
    change_reason: str | None = None
    # The writing transaction and the order within it: the change feed's sort key.
    txid: str | None = Field(
        default=None,
        sa_column=Column(Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    )
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), nullable=False))
    # The API request (se.write) that wrote it: links it writes complete this version.
    write_id: str | None = None
