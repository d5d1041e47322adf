"""CQL2's temporal functions as conditions on the ends of two periods.

CQL2 (OGC 21-065r2, 7.8) defines each relation by the OWL-Time relation of the same name; an
instant is a period whose ends coincide. So ``T_DURING(event_date, INTERVAL(a, b))`` is
``a < event_date < b`` and ``T_INTERSECTS`` the inclusive ``a <= event_date <= b``. An open
end (``'..'``) is minus or plus infinity, so comparisons with it are constants.

``event_date`` is a day: a timestamp compared with it counts as its UTC day, as in the
``datetime`` parameter. A date compared with a timestamp property is its midnight UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from app.errors import InvalidParameter
from app.ogc.queryables import Kind

Binder = Callable[[Any, Kind], str]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class End:
    """One end of a period: a column, a literal instant, or open (-1 start, +1 end)."""

    sql: str | None = None
    value: date | datetime | None = None
    open: int = 0


@dataclass(frozen=True)
class Period:
    start: End
    end: End
    kind: Kind | None  # of the property, when the period is one; literals follow it


# (a, b) -> conditions on (a.start, a.end, b.start, b.end), all of which must hold.
_S, _E = "start", "end"
_ALL: dict[str, list[tuple[str, str, str, str]]] = {
    "t_before": [("a", _E, "<", _S)],
    "t_after": [("a", _S, ">", _E)],
    "t_meets": [("a", _E, "=", _S)],
    "t_metby": [("a", _S, "=", _E)],
    "t_overlaps": [("a", _S, "<", _S), ("a", _E, ">", _S), ("a", _E, "<", _E)],
    "t_overlappedby": [("a", _S, ">", _S), ("a", _S, "<", _E), ("a", _E, ">", _E)],
    "t_starts": [("a", _S, "=", _S), ("a", _E, "<", _E)],
    "t_startedby": [("a", _S, "=", _S), ("a", _E, ">", _E)],
    "t_during": [("a", _S, ">", _S), ("a", _E, "<", _E)],
    "t_contains": [("a", _S, "<", _S), ("a", _E, ">", _E)],
    "t_finishes": [("a", _S, ">", _S), ("a", _E, "=", _E)],
    "t_finishedby": [("a", _S, "<", _S), ("a", _E, "=", _E)],
    "t_equals": [("a", _S, "=", _S), ("a", _E, "=", _E)],
    "t_intersects": [("a", _S, "<=", _E), ("a", _E, ">=", _S)],
}
RELATIONS = frozenset({*_ALL, "t_disjoint"})


def relation(op: str, a: Period, b: Period, bind: Binder) -> str:
    """The SQL condition for ``op(a, b)``."""
    kinds = {p.kind for p in (a, b) if p.kind is not None}
    if len(kinds) > 1:
        raise InvalidParameter("filter", f"{op.upper()} compares a date with a timestamp")
    kind = kinds.pop() if kinds else Kind.timestamp
    if op == "t_disjoint":
        return f"(NOT {relation('t_intersects', a, b, bind)})"
    terms = [
        _compare(getattr(a, left), cmp, getattr(b, right), kind, bind)
        for _, left, cmp, right in _ALL[op]
    ]
    if "FALSE" in terms:
        return "FALSE"
    terms = [t for t in terms if t != "TRUE"]
    return "(" + " AND ".join(terms) + ")" if terms else "TRUE"


_HOLDS = {
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "=": lambda x, y: x == y,
}


def _compare(x: End, cmp: str, y: End, kind: Kind, bind: Binder) -> str:
    if x.open or y.open:
        # -inf < any instant < +inf; two open ends of the same side are equal.
        return "TRUE" if _HOLDS[cmp](x.open, y.open) else "FALSE"
    return f"{_sql(x, kind, bind)} {cmp} {_sql(y, kind, bind)}"


def _sql(end: End, kind: Kind, bind: Binder) -> str:
    if end.sql is not None:
        return end.sql
    assert end.value is not None
    return bind(as_kind(end.value, kind), kind)


def as_kind(instant: date | datetime, kind: Kind) -> date | datetime:
    """A date or timestamp as the type of the property it meets (see the module's doc)."""
    if kind is Kind.date:
        return instant.astimezone(UTC).date() if isinstance(instant, datetime) else instant
    if isinstance(instant, datetime):
        return instant
    return datetime.combine(instant, datetime.min.time(), UTC)


def parse_instant(raw: str, *, date_only: bool) -> date | datetime:
    """An RFC 3339 date (``DATE``) or date or date-time (``TIMESTAMP``, plain strings)."""
    text = raw.strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
        if not date_only and _DATETIME.match(text):
            parsed = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidParameter("filter", f"'{raw}' is not a valid date: {exc}") from None
    expected = "a date (2017-01-31)" if date_only else "an RFC 3339 date or date-time"
    raise InvalidParameter("filter", f"'{raw}' is not {expected}")
