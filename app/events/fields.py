"""``properties=`` and ``skipGeometry=``: only what a dashboard draws.

A page, an OGC API item page or an export may name the properties it wants (``properties=
event_date,fatalities``) and drop the geometry (``skipGeometry=true``). Features keep their
``type`` and ``id`` and get a null geometry (RFC 7946 allows one); CSV keeps the ``id``
column and drops ``latitude``/``longitude``. Properties come in the collection's own order,
whatever order they are named in. ACLED's CSV (``f=acled``) has fixed columns: there, both
parameters are a 400 that says to use ``f=csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from app.errors import InvalidParameter
from app.events.sql import (
    CSV_COLUMNS,
    CSV_SELECT,
    FEATURE,
    FEATURE_PROPERTIES,
    csv_sql,
    feature_sql,
    typed_sql,
)
from app.web.columnar import Column
from app.web.params import parse_bool, split_list

_COORDINATES = ("latitude", "longitude")


@dataclass(frozen=True)
class Fields:
    properties: tuple[str, ...] | None = None  # None: every property
    geometry: bool = True

    @property
    def everything(self) -> bool:
        return self.properties is None and self.geometry

    def feature(self) -> str:
        """The Feature JSON expression of these fields."""
        return FEATURE if self.everything else feature_sql(self.properties, geometry=self.geometry)

    def csv(self) -> tuple[tuple[str, ...], str]:
        """The CSV columns of these fields and their SELECT list."""
        if self.everything:
            return CSV_COLUMNS, CSV_SELECT
        names = CSV_COLUMNS if self.properties is None else ("id", *self.properties)
        if not self.geometry:
            names = tuple(n for n in names if n not in _COORDINATES)
        return csv_sql(names)

    def typed(self) -> tuple[tuple[Column, ...], str]:
        """The typed columns of these fields (GeoParquet, FlatGeobuf) and their SELECT list,
        the point's coordinates last."""
        return typed_sql(None if self.properties is None else ("id", *self.properties))


ALL = Fields()


def parse_fields(
    request: Request, *, tabular: bool, fixed: bool = False, geometry_kept: bool = False
) -> Fields:
    """The fields a request names, for Features or (``tabular``) CSV columns; ``fixed``:
    the format's columns cannot change (ACLED's); ``geometry_kept``: the format always has
    its geometry (GeoParquet, FlatGeobuf)."""
    q = request.query_params
    raw, skip = q.get("properties"), q.get("skipGeometry")
    if raw is None and skip is None:
        return ALL
    if fixed:
        name = "properties" if raw is not None else "skipGeometry"
        raise InvalidParameter(name, "ACLED's columns are fixed: use f=csv to choose columns")
    geometry = not parse_bool(skip, "skipGeometry")
    if geometry_kept and not geometry:
        raise InvalidParameter(
            "skipGeometry",
            "GeoParquet and FlatGeobuf always carry the geometry: leave skipGeometry out, "
            "or use f=csv",
        )
    if raw is None:
        return Fields(None, geometry)
    allowed = CSV_COLUMNS if tabular else tuple(name for name, _ in FEATURE_PROPERTIES)
    wanted = split_list(raw)
    if not wanted:
        raise InvalidParameter("properties", "is empty")
    for name in wanted:
        if name not in allowed:
            kind = "column" if tabular else "property"
            raise InvalidParameter(
                "properties", f"no {kind} '{name}': choose among {', '.join(allowed)}"
            )
    chosen = tuple(n for n in allowed if n in wanted and n != "id")
    return Fields(chosen, geometry)
