"""A cql2-json tree turned into a SQL condition and its bound parameters.

Property names are looked up in the collection's queryables (anything else is a 400 naming
it) and replaced by the SQL those map to; every literal becomes a bound parameter cast to the
type of the property it meets. So nothing from the filter is ever written into the SQL text
but the fixed operator templates below.

Supported: AND, OR, NOT; =, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL; CASEI; the spatial
functions S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES,
S_CONTAINS with any GeoJSON/WKT geometry or BBOX; the fifteen temporal functions (T_AFTER,
T_BEFORE, T_INTERSECTS, T_DURING, ...) on date and timestamp properties (app/ogc/temporal.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.errors import InvalidParameter
from app.ogc import geometry, temporal
from app.ogc.queryables import NUMERIC, TEMPORAL, Kind, Queryable
from app.web.storable import unstorable

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
SPATIAL = {
    "s_intersects": "ST_Intersects({a}, {b})",
    "s_equals": "ST_Equals({a}, {b})",
    # NOT ST_Intersects is ST_Disjoint's definition, and lets the planner simplify.
    "s_disjoint": "NOT ST_Intersects({a}, {b})",
    "s_touches": "ST_Touches({a}, {b})",
    "s_within": "ST_Within({a}, {b})",
    "s_overlaps": "ST_Overlaps({a}, {b})",
    "s_crosses": "ST_Crosses({a}, {b})",
    "s_contains": "ST_Contains({a}, {b})",
}
SQL_TYPES = {
    Kind.string: "text",
    Kind.integer: "bigint",
    Kind.number: "double precision",
    Kind.boolean: "boolean",
    Kind.date: "date",
    Kind.timestamp: "timestamptz",
}


def problem(reason: str) -> InvalidParameter:
    return InvalidParameter("filter", reason)


@dataclass(frozen=True)
class Operand:
    sql: str
    kind: Kind


@dataclass
class Compiler:
    """Compiles one filter; parameters are named ``cql_0``, ``cql_1``, ... (no clash with
    the other filters' names)."""

    queryables: dict[str, Queryable]
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any, kind: Kind, array: bool = False) -> str:
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        values = value if array else [value]
        if kind is Kind.integer and any(isinstance(v, float) for v in values):
            kind = Kind.number
            self.params[name] = [float(v) for v in values] if array else float(value)
        return f"CAST(:{name} AS {SQL_TYPES[kind]}{'[]' if array else ''})"

    def predicate(self, node: Any) -> str:
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        op, args = _op(node)
        if op in ("and", "or"):
            if len(args) < 2:
                raise problem(f"{op.upper()} needs at least two operands")
            return "(" + f" {op.upper()} ".join(self.predicate(a) for a in args) + ")"
        if op == "not":
            _arity(op, args, 1)
            return f"(NOT {self.predicate(args[0])})"
        if op in COMPARISONS:
            _arity(op, args, 2)
            left, right = self.pair(args[0], args[1])
            if Kind.geometry in (left.kind, right.kind):
                raise problem(f"'{op}' does not compare geometries; use S_EQUALS")
            return f"({left.sql} {COMPARISONS[op]} {right.sql})"
        if op == "like":
            _arity(op, args, 2)
            left, right = self.pair(args[0], args[1])
            if left.kind is not Kind.string or right.kind is not Kind.string:
                raise problem("LIKE compares strings")
            return f"({left.sql} LIKE {right.sql})"
        if op == "between":
            _arity(op, args, 3)
            value = self.scalar(args[0], None)
            low, high = (self.scalar(a, value.kind) for a in args[1:])
            if value.kind not in NUMERIC | TEMPORAL | {Kind.string}:
                raise problem(f"BETWEEN does not apply to a {value.kind}")
            return f"({value.sql} BETWEEN {low.sql} AND {high.sql})"
        if op == "in":
            return self.in_list(args)
        if op == "isnull":
            _arity("IS NULL", args, 1)
            return f"({self.scalar(args[0], None, allow_geometry=True).sql} IS NULL)"
        if op in SPATIAL:
            _arity(op.upper(), args, 2)
            a, b = (self.spatial(x) for x in args)
            return f"({SPATIAL[op].format(a=a, b=b)})"
        if op in temporal.RELATIONS:
            _arity(op.upper(), args, 2)
            return temporal.relation(op, self.period(args[0]), self.period(args[1]), self.bind)
        raise problem(f"unsupported operator or function '{node.get('op')}'")

    def pair(self, a: Any, b: Any) -> tuple[Operand, Operand]:
        """Two operands, each literal read as the type of the property it meets."""
        if _is_property(b) and not _is_property(a):
            right = self.scalar(b, None)
            return self.scalar(a, right.kind), right
        left = self.scalar(a, None)
        return left, self.scalar(b, left.kind)

    def in_list(self, args: list[Any]) -> str:
        _arity("IN", args, 2)
        value = self.scalar(args[0], None)
        items = args[1]
        if not isinstance(items, list) or not items:
            raise problem("IN needs a non-empty list of literals")
        if value.kind in (Kind.geometry, Kind.boolean):
            raise problem(f"IN does not apply to a {value.kind}")
        values = [literal(item, value.kind) for item in items]
        return f"({value.sql} = ANY({self.bind(values, value.kind, array=True)}))"

    def scalar(self, node: Any, want: Kind | None, allow_geometry: bool = False) -> Operand:
        """A property, a CASEI(...) or a literal (read as ``want`` when given)."""
        if _is_property(node):
            q = self.property(node["property"])
            if q.kind is Kind.geometry and not allow_geometry:
                raise problem(f"'{q.name}' is a geometry: use a spatial function (S_INTERSECTS)")
            return Operand(q.sql, q.kind)
        if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
            args = node.get("args")
            if not isinstance(args, list) or len(args) != 1:
                raise problem("CASEI takes one argument")
            inner = self.scalar(args[0], Kind.string)
            if inner.kind is not Kind.string:
                raise problem("CASEI applies to strings")
            return Operand(f"lower({inner.sql})", Kind.string)
        if isinstance(node, dict) and "op" in node:
            raise problem(f"unsupported operator or function '{node['op']}' as a value")
        kind = want or _literal_kind(node)
        return Operand(self.bind(literal(node, kind), kind), kind)

    def property(self, name: Any) -> Queryable:
        q = self.queryables.get(name) if isinstance(name, str) else None
        if q is None:
            known = ", ".join(self.queryables)
            raise problem(f"unknown property '{name}' (queryables: {known})")
        return q

    def spatial(self, node: Any) -> str:
        if _is_property(node):
            q = self.property(node["property"])
            if q.kind is not Kind.geometry:
                raise problem(f"'{q.name}' is not a geometry")
            return q.sql
        wkb = geometry.literal_wkb(node)
        name = f"cql_{len(self.params)}"
        self.params[name] = wkb
        return f"ST_GeomFromWKB(CAST(:{name} AS bytea), 4326)"

    def period(self, node: Any) -> temporal.Period:
        """An instant (a temporal property or literal) or an interval, as its two ends."""
        if _is_property(node):
            q = self.property(node["property"])
            if q.kind not in TEMPORAL:
                raise problem(f"'{q.name}' is not a date or timestamp")
            end = temporal.End(sql=q.sql)
            return temporal.Period(end, end, q.kind)
        if isinstance(node, dict) and "interval" in node:
            bounds = node["interval"]
            if not isinstance(bounds, list) or len(bounds) != 2:
                raise problem("INTERVAL takes a start and an end")
            start, end = _bound(bounds[0], -1), _bound(bounds[1], 1)
            if start.value is not None and end.value is not None:
                first = temporal.as_kind(start.value, Kind.timestamp)
                if first > temporal.as_kind(end.value, Kind.timestamp):
                    raise problem("the INTERVAL starts after it ends")
            return temporal.Period(start, end, None)
        instant = temporal.End(value=temporal_literal(node))
        return temporal.Period(instant, instant, None)


def compile_filter(
    tree: dict[str, Any] | bool, queryables: dict[str, Queryable]
) -> tuple[str, dict[str, Any]]:
    """The filter as ``(sql, params)``, ready for ``EventFilters.cql`` or the places query."""
    compiler = Compiler(queryables)
    return compiler.predicate(tree), compiler.params


def _bound(node: Any, side: int) -> temporal.End:
    """An end of an INTERVAL: a literal instant, or '..' (open)."""
    if node == "..":
        return temporal.End(open=side)
    if _is_property(node):
        raise problem("INTERVAL takes literal dates or timestamps, or '..'")
    return temporal.End(value=temporal_literal(node))


def _op(node: Any) -> tuple[str, list[Any]]:
    if not isinstance(node, dict) or "op" not in node:
        raise problem(f"expected a predicate, got {_show(node)}")
    args = node.get("args")
    if not isinstance(args, list):
        raise problem(f"'{node['op']}' needs an argument list")
    return str(node["op"]).lower(), args


def _arity(op: str, args: list[Any], n: int) -> None:
    if len(args) != n:
        raise problem(f"{op.upper()} takes {n} operand{'s' if n > 1 else ''}, got {len(args)}")


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and "property" in node


def _show(node: Any) -> str:
    text = repr(node)
    return text if len(text) < 80 else text[:77] + "..."


def _literal_kind(node: Any) -> Kind:
    if isinstance(node, bool):
        return Kind.boolean
    if isinstance(node, int | float):
        return Kind.number
    if isinstance(node, str):
        return Kind.string
    if isinstance(node, dict) and "date" in node:
        return Kind.date
    if isinstance(node, dict) and "timestamp" in node:
        return Kind.timestamp
    raise problem(f"unsupported value {_show(node)}")


def literal(node: Any, kind: Kind) -> Any:
    """A literal as the Python value bound for a property of ``kind`` (400 when it is not
    one: ``'ten'`` for a number, ``3`` for a date)."""
    if kind in TEMPORAL:
        instant = temporal_literal(node)
        return temporal.as_kind(instant, kind)
    if isinstance(node, bool) or kind is Kind.boolean:
        if isinstance(node, bool) and kind is Kind.boolean:
            return node
        raise problem(f"{_show(node)} is not a {kind}")
    if kind in NUMERIC:
        if not isinstance(node, int | float):
            raise problem(f"{_show(node)} is not a number")
        if not math.isfinite(node):
            raise problem(f"{node} is not a finite number")
        # An integral number is bound as bigint (index-friendly); 2.5 against an integer
        # property is compared as a number, as CQL2 asks.
        if kind is Kind.integer and float(node).is_integer() and abs(node) < 2**63:
            return int(node)
        return float(node)
    if kind is Kind.string and isinstance(node, str):
        # A second layer of decoding (cql2-json's escapes) the request's own check cannot see.
        if reason := unstorable(node):
            raise problem(f"a string {reason}")
        return node
    raise problem(f"{_show(node)} is not a {kind}")


def temporal_literal(node: Any) -> date | datetime:
    """DATE('...'), TIMESTAMP('...') or a plain RFC 3339 string."""
    if isinstance(node, dict) and "date" in node and isinstance(node["date"], str):
        return temporal.parse_instant(node["date"], date_only=True)
    if isinstance(node, dict) and "timestamp" in node and isinstance(node["timestamp"], str):
        return temporal.parse_instant(node["timestamp"], date_only=False)
    if isinstance(node, str):
        return temporal.parse_instant(node, date_only=False)
    raise problem(f"{_show(node)} is not a date or timestamp")
