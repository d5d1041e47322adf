"""GeoParquet 1.1 of points, streamed: one row group per batch, written as it comes.

The geometry is a WKB ``geometry`` column; the file's ``geo`` metadata (GeoParquet 1.1:
encoding, geometry types, bbox; no ``crs``, which means OGC:CRS84, lon/lat) is written into
the footer at the end, once the bbox of every row is known. pyarrow's ParquetWriter writes
into a sink that keeps only what has not been sent yet.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from app.web.columnar import Column, Kind

GEOPARQUET_VERSION = "1.1.0"
MEDIA_TYPE = "application/vnd.apache.parquet"

ARROW_TYPES: dict[Kind, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int32(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}

# A 2D point in little-endian WKB: byte order 1, type 1 (Point), x, y: 21 bytes, no padding.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


class _Drain(io.RawIOBase):
    """A write-only file that keeps its bytes until taken, and knows its position (the
    Parquet footer records the offset of every column chunk)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def wkb_points(lon: np.ndarray[Any, Any], lat: np.ndarray[Any, Any]) -> pa.Array:
    """WKB of points, one binary value each, made in one pass over the batch."""
    n = len(lon)
    points = np.empty(n, dtype=_WKB_POINT)
    points["order"], points["type"], points["x"], points["y"] = 1, 1, lon, lat
    offsets = np.arange(0, _WKB_POINT.itemsize * (n + 1), _WKB_POINT.itemsize, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(points.tobytes())]
    )


class GeoParquetWriter:
    """A GeoParquet file of points with ``columns`` and a WKB ``geometry``."""

    def __init__(self, columns: Sequence[Column], *, compression: str = "zstd") -> None:
        fields = [pa.field(c.name, ARROW_TYPES[c.kind]) for c in columns]
        self.schema = pa.schema([*fields, pa.field("geometry", pa.binary(), nullable=False)])
        self._types = [ARROW_TYPES[c.kind] for c in columns]
        self._out = _Drain()
        # No ARROW:schema in the footer: with it, pyarrow reads that schema's (empty)
        # metadata instead of the file's, and would not show ``geo``. Parquet's own logical
        # types carry every type here (DATE, TIMESTAMP adjusted to UTC, INT32, STRING).
        self._writer = pq.ParquetWriter(
            self._out, self.schema, compression=compression, store_schema=False
        )
        self._bbox = [math.inf, math.inf, -math.inf, -math.inf]

    def start(self) -> bytes:
        return self._out.take()

    def write(self, rows: Sequence[Sequence[Any]]) -> bytes:
        if not rows:
            return b""
        values = list(zip(*rows, strict=True))
        lon = np.asarray(values[-2], dtype=np.float64)
        lat = np.asarray(values[-1], dtype=np.float64)
        arrays = [pa.array(v, type=t) for v, t in zip(values, self._types, strict=False)]
        arrays.append(wkb_points(lon, lat))
        batch = pa.Table.from_arrays(arrays, schema=self.schema)
        self._writer.write_table(batch, row_group_size=len(rows))  # one row group per batch
        box = self._bbox
        box[:] = [
            min(box[0], lon.min()),
            min(box[1], lat.min()),
            max(box[2], lon.max()),
            max(box[3], lat.max()),
        ]
        return self._out.take()

    def finish(self) -> bytes:
        column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
        if math.isfinite(self._bbox[0]):
            column["bbox"] = [float(v) for v in self._bbox]
        geo = {
            "version": GEOPARQUET_VERSION,
            "primary_column": "geometry",
            "columns": {"geometry": column},
        }
        self._writer.add_key_value_metadata({"geo": orjson.dumps(geo).decode()})
        self._writer.close()
        return self._out.take()
