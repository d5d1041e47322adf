"""Tables, one module per area; ``metadata`` is what Alembic compares against."""

from sqlmodel import SQLModel

from app.models.auth import ApiKey, IdempotencyKey
from app.models.events import (
    Actor,
    Event,
    EventActor,
    EventPlace,
    EventReport,
    EventType,
    EventVersion,
)
from app.models.places import Governorate, Place, PlaceName
from app.models.reports import Report, ReportMention

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

__all__ = [
    "Actor",
    "ApiKey",
    "Event",
    "EventActor",
    "EventPlace",
    "EventReport",
    "EventType",
    "EventVersion",
    "Governorate",
    "IdempotencyKey",
    "Place",
    "PlaceName",
    "Report",
    "ReportMention",
    "metadata",
]
