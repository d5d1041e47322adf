"""Typed tables of points, written batch by batch: what GeoParquet and FlatGeobuf share.

A writer takes rows in batches (each row: the values of its columns in order, then the
point's longitude and latitude) and answers the bytes each step adds to the file, so an export
sends a file while it is being written, in memory bounded by one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

# What a column holds: text, a whole number (int4), a double, a calendar day, an instant.
Kind = Literal["string", "int", "float", "date", "timestamp"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


class TableWriter(Protocol):
    def start(self) -> bytes:
        """The file's first bytes (magic, header)."""

    def write(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The bytes of one batch of rows: column values in order, then lon, lat."""

    def finish(self) -> bytes:
        """The file's last bytes (a footer); the writer is done."""


def table_bytes(writer: TableWriter, rows: Sequence[Sequence[Any]]) -> bytes:
    """A whole file of ``rows`` (a page)."""
    return writer.start() + writer.write(rows) + writer.finish()
