"""``sortby``: the order of event pages, and the keyset that pages through it exactly.

OGC API - Features Part 8 (sorting) writes an order as ``sortby=-fatalities,event_date``: a
leading ``-`` for descending, ``+`` or nothing for ascending. Every order ends with the
event's id (in the direction of the first key), so that rows with equal keys still have one
place in it, and a page's cursor carries the last row's key values and id: the next page is
every row after that position in that order, whatever was written since.

The default (newest first) is ``-event_date`` and keeps the one-column comparison
``(event_date, id) < (...)`` that walks ``ix_events_date_id``. Missing fatalities sort as
below zero: last when descending, first when ascending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.errors import InvalidParameter

# name: (SQL over ``e``, how a cursor's value is read back)
SORTABLE: dict[str, tuple[str, str]] = {
    "event_date": ("e.event_date", "date"),
    "fatalities": ("coalesce(e.fatalities, -1)", "int"),
    "updated_at": ("e.updated_at", "timestamp"),
    "created_at": ("e.created_at", "timestamp"),
}


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool

    @property
    def sql(self) -> str:
        return SORTABLE[self.name][0]


@dataclass(frozen=True)
class Sort:
    keys: tuple[SortKey, ...]

    @property
    def default(self) -> bool:
        return self == DEFAULT

    @property
    def text(self) -> str:
        """The canonical ``sortby`` value: what a cursor is bound to."""
        return ",".join(("-" if k.descending else "") + k.name for k in self.keys)

    @property
    def _id_descending(self) -> bool:
        return self.keys[0].descending

    def order_by(self, *, reverse: bool = False) -> str:
        """ORDER BY terms, or those of the reverse order (a previous page's)."""
        terms = [f"{k.sql} {'DESC' if k.descending != reverse else 'ASC'}" for k in self.keys]
        terms.append(f"e.id {'DESC' if self._id_descending != reverse else 'ASC'}")
        return ", ".join(terms)

    def key_columns(self) -> str:
        """The keys of each row, for its cursor: one text array (``_keys``)."""
        return "ARRAY[" + ", ".join(f"({k.sql})::text" for k in self.keys) + "] AS _keys"

    def after(
        self, position: tuple[Any, ...], *, inclusive: bool = False
    ) -> tuple[str, dict[str, Any]]:
        """The rows after ``position`` (key values, then id) in this order; with
        ``inclusive``, also the row at it."""
        *values, row_id = position
        params: dict[str, Any] = {f"sk{i}": v for i, v in enumerate(values)}
        params["sk_id"] = row_id
        columns = [k.sql for k in self.keys] + ["e.id"]
        names = [f":sk{i}" for i in range(len(values))] + [":sk_id"]
        downs = [k.descending for k in self.keys] + [self._id_descending]
        if len(set(downs)) == 1:
            # One direction: a row comparison, which an index on those columns can walk.
            op = ("<" if downs[0] else ">") + ("=" if inclusive else "")
            return f"({', '.join(columns)}) {op} ({', '.join(names)})", params
        alternatives = []
        for i, (column, name, down) in enumerate(zip(columns, names, downs, strict=True)):
            equal = [f"{c} = {n}" for c, n in zip(columns[:i], names[:i], strict=True)]
            alternatives.append(" AND ".join([*equal, f"{column} {'<' if down else '>'} {name}"]))
        if inclusive:
            alternatives.append(
                " AND ".join(f"{c} = {n}" for c, n in zip(columns, names, strict=True))
            )
        return "(" + " OR ".join(f"({a})" for a in alternatives) + ")", params

    def position(self, row: Any) -> list[Any]:
        """A row's place in this order, as a cursor carries it."""
        if self.default:
            return [row["_date"].isoformat(), row["_id"]]
        return [self.text, *row["_keys"], row["_id"]]

    def read_position(self, raw: list[Any]) -> tuple[Any, ...]:
        """A cursor's position, typed; a 400 when it is not one of this order."""
        if not self.default:
            if not raw or raw[0] != self.text:
                raise InvalidParameter(
                    "cursor", "comes from a page of another sortby: page with the same one"
                )
            raw = raw[1:]
        if len(raw) != len(self.keys) + 1:
            raise InvalidParameter("cursor", "not a cursor from a 'next' link")
        try:
            values = [_typed(k.name, v) for k, v in zip(self.keys, raw, strict=False)]
            return (*values, int(raw[-1]))
        except (ValueError, TypeError):
            raise InvalidParameter("cursor", "not a cursor from a 'next' link") from None


def _typed(name: str, value: Any) -> Any:
    kind = SORTABLE[name][1]
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "int":
        return int(value)
    # PostgreSQL's text of a timestamptz ("2024-01-02 03:04:05.123456+00")
    return datetime.fromisoformat(value)


DEFAULT = Sort((SortKey("event_date", True),))


def parse_sortby(raw: str | None) -> Sort:
    """``-fatalities,event_date``: at most one mention of each sortable property."""
    if raw is None:
        return DEFAULT
    keys: list[SortKey] = []
    for item in raw.split(","):
        item = item.strip()
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in SORTABLE:
            allowed = ", ".join(SORTABLE)
            raise InvalidParameter(
                "sortby", f"cannot sort by '{name or item}': sortable are {allowed}"
            )
        if any(k.name == name for k in keys):
            raise InvalidParameter("sortby", f"'{name}' is given twice")
        keys.append(SortKey(name, descending))
    return Sort(tuple(keys))
