"""The bulk formats' writers (GeoParquet, FlatGeobuf), chosen by format."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from app.web.columnar import Column, TableWriter, table_bytes
from app.web.flatgeobuf import FlatGeobufWriter
from app.web.formats import Format
from app.web.geoparquet import GeoParquetWriter

WRITERS: dict[Format, Callable[[Sequence[Column]], TableWriter]] = {
    Format.parquet: GeoParquetWriter,
    Format.fgb: FlatGeobufWriter,
}
FILE_NAMES = {Format.parquet: "events.parquet", Format.fgb: "events.fgb"}


def writer_for(fmt: Format, columns: Sequence[Column]) -> Callable[[], TableWriter]:
    """A new writer of ``fmt`` for ``columns`` each time it is called (one per response)."""
    make = WRITERS[fmt]
    return lambda: make(columns)


async def page_bytes(make_writer: Callable[[], TableWriter], rows: Sequence[Any]) -> bytes:
    """A whole file of one page's rows, encoded off the event loop."""
    return await asyncio.to_thread(table_bytes, make_writer(), rows)
