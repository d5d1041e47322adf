"""What caching does: validators from the data version, read before the body it tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from app.caching import repository
from app.db import Database, Reader
from app.web.conditional import CachedRead, Validators

T = TypeVar("T")


@dataclass(frozen=True)
class Revalidated(Generic[T]):
    """A read's validators and its body; no body when the client's copy is current."""

    validators: Validators
    body: T | None = None


async def revalidate(reader: Reader, read: CachedRead) -> Validators:
    """The validators of ``read`` at the current data version. Read it before the body, through
    the reader that reads the body: a body is then never older than its tag (a newer one costs
    one more miss, never a stale hit)."""
    version = await repository.data_version(reader)
    return read.validators(version.changes, version.last_change)


async def prune(db: Database) -> int:
    """Fold the rows of committed writes into one (the version stays as it is); how many."""
    async with db.session() as session:
        return await repository.prune(await session.connection())
