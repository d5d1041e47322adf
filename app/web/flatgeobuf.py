"""FlatGeobuf of points, streamed: no spatial index, so one pass writes it as rows come.

Layout (flatgeobuf.org, schema ``header.fbs`` / ``feature.fbs``, format 3.0.1): the magic
bytes, the size-prefixed ``Header`` flatbuffer (``index_node_size`` 0: no index;
``features_count`` 0: unknown, as a stream cannot know it), then one size-prefixed ``Feature``
flatbuffer per row. The header is built with Google's ``flatbuffers`` runtime, field by field
in the schema's slot order (what ``flatc``'s generated code would call); a point's feature is
one fixed layout (below). A feature's
properties are FlatGeobuf's own buffer: for each non-null value its column's index (uint16),
then the value (int32, float64, or a uint32 length and UTF-8 bytes for strings and ISO 8601
date-times), all little-endian.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import flatbuffers

from app.web.columnar import Column, Kind

MEDIA_TYPE = "application/flatgeobuf"
MAGIC = b"fgb\x03fgb\x01"

# header.fbs: GeometryType.Point, ColumnType values.
_POINT = 1
_INT, _DOUBLE, _STRING, _DATETIME = 5, 10, 11, 13
COLUMN_TYPES: dict[Kind, int] = {
    "string": _STRING,
    "int": _INT,
    "float": _DOUBLE,
    "date": _DATETIME,
    "timestamp": _DATETIME,
}

# A point Feature is always the same tables, so it is written as one fixed layout rather
# than through flatbuffers.Builder (13k features/s in Python; this ~10x that). Positions
# after the size prefix (GDAL reads a feature into a buffer of its own, so doubles are
# 8-aligned from there):
#   0 root uoffset -> 12       4 Feature vtable [8, 12, geometry @4, properties @8]
#  12 Feature table: soffset 8 -> vtable; uoffset @16 -> 32 (Geometry); @20 -> 64 (properties)
#  24 Geometry vtable [8, 8, ends absent, xy @4]
#  32 Geometry table: soffset 8 -> vtable; uoffset @36 -> 44 (xy)
#  40 padding   44 xy: length 2, x, y (doubles at 48)   64 properties: length, bytes
_FEATURE = struct.Struct("<I I 4H i 2I 4H i I I I 2d I")
_FEATURE_LAYOUT = (12, 8, 12, 4, 8, 8, 16, 44, 8, 8, 0, 4, 8, 8, 0, 2)

# Slots (field order) of the tables used.
_HEADER_FIELDS, _COLUMN_FIELDS, _CRS_FIELDS = 14, 11, 6

_key = struct.Struct("<H").pack
_length = struct.Struct("<I").pack
_int = struct.Struct("<Hi").pack
_double = struct.Struct("<Hd").pack


def _text(index: int, value: str) -> bytes:
    data = value.encode()
    return _key(index) + _length(len(data)) + data


def _encoder(index: int, kind: Kind) -> Callable[[Any], bytes]:
    if kind == "int":
        return lambda v: _int(index, v)
    if kind == "float":
        return lambda v: _double(index, v)
    if kind in ("date", "timestamp"):
        return lambda v: _text(index, v.isoformat() if isinstance(v, date) else str(v))
    return lambda v: _text(index, v)


def _header(name: str, columns: Sequence[Column], epsg: int) -> bytes:
    b = flatbuffers.Builder(1024)
    made = []
    for c in columns:
        column_name = b.CreateString(c.name)
        b.StartObject(_COLUMN_FIELDS)
        b.PrependUOffsetTRelativeSlot(0, column_name, 0)
        b.PrependUint8Slot(1, COLUMN_TYPES[c.kind], 0)
        made.append(b.EndObject())
    b.StartVector(4, len(made), 4)
    for offset in reversed(made):
        b.PrependUOffsetTRelative(offset)
    column_vector = b.EndVector()
    org = b.CreateString("EPSG")
    b.StartObject(_CRS_FIELDS)
    b.PrependUOffsetTRelativeSlot(0, org, 0)
    b.PrependInt32Slot(1, epsg, 0)
    crs = b.EndObject()
    dataset = b.CreateString(name)
    b.StartObject(_HEADER_FIELDS)
    b.PrependUOffsetTRelativeSlot(0, dataset, 0)
    b.PrependUint8Slot(2, _POINT, 0)
    b.PrependUOffsetTRelativeSlot(7, column_vector, 0)
    b.PrependUint64Slot(8, 0, 0)  # features_count: unknown
    b.PrependUint16Slot(9, 0, 16)  # index_node_size: 0, no spatial index (the default is 16)
    b.PrependUOffsetTRelativeSlot(10, crs, 0)
    b.FinishSizePrefixed(b.EndObject())
    return bytes(b.Output())


class FlatGeobufWriter:
    """A FlatGeobuf file of points (EPSG:4326, x = longitude) with ``columns``."""

    def __init__(self, columns: Sequence[Column], *, name: str = "events", epsg: int = 4326):
        self._head = MAGIC + _header(name, columns, epsg)
        self._encoders = [_encoder(i, c.kind) for i, c in enumerate(columns)]

    def start(self) -> bytes:
        return self._head

    def write(self, rows: Sequence[Sequence[Any]]) -> bytes:
        return b"".join(self._feature(row) for row in rows)

    def finish(self) -> bytes:
        return b""

    def _feature(self, row: Sequence[Any]) -> bytes:
        properties = b"".join(
            encode(value)
            for encode, value in zip(self._encoders, row, strict=False)
            if value is not None
        )
        size = len(properties)
        pad = -size % 4
        return (
            _FEATURE.pack(_FEATURE.size - 4 + size + pad, *_FEATURE_LAYOUT, row[-2], row[-1], size)
            + properties
            + b"\0" * pad
        )
