"""Reading the ``filter``, ``filter-lang`` and ``filter-crs`` parameters (OGC API - Features
Part 3) into a CQL2 expression tree, with the ``cql2`` package (developmentseed's cql2-rs).

cql2 parses both encodings into one canonical cql2-json tree; app/ogc/compile.py turns that
tree into SQL itself (cql2's own ``to_sql`` writes literals into the SQL text, and knows
nothing of our queryables).
"""

from __future__ import annotations

import re
from typing import Any

import cql2

from app.errors import InvalidParameter

CQL2_TEXT = "cql2-text"
CQL2_JSON = "cql2-json"
FILTER_LANGS = (CQL2_TEXT, CQL2_JSON)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_CRS84_NAMES = frozenset({CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84", "[OGC:CRS84]"})

MAX_FILTER_CHARS = 16_000
# cql2's text parser recurses per nesting level and crashes the whole process (a stack
# overflow, not an exception) at a few thousand levels: measured at about 2,000 nested
# parentheses and 4,000 chained NOTs or minus signs. No honest filter nests this deep.
MAX_NESTING = 64
MAX_PREFIX_RUN = 8
# Each operator is evaluated on every candidate row: 730 ORed comparisons (what fits in
# MAX_FILTER_CHARS) took 0.36 s over 20,000 events and would run into the statement timeout
# over a million. A list of values belongs in one IN, which PostgreSQL hashes.
MAX_OPERATORS = 200
_PREFIX = re.compile(r"(?:(?<![\w.])NOT\b|-)\s*", re.IGNORECASE)


def parse_filter(
    raw: str | None, lang: str | None, crs: str | None
) -> dict[str, Any] | bool | None:
    """The filter as a cql2-json tree (None without one); 400 naming the bad parameter."""
    if lang is not None and lang not in FILTER_LANGS:
        raise InvalidParameter("filter-lang", f"'{lang}' is not one of {', '.join(FILTER_LANGS)}")
    if crs is not None and crs.strip() not in _CRS84_NAMES:
        raise InvalidParameter("filter-crs", f"only {CRS84} (longitude, latitude) is supported")
    if raw is None:
        return None
    if not raw.strip():
        raise InvalidParameter("filter", "is empty")
    if len(raw) > MAX_FILTER_CHARS:
        raise InvalidParameter("filter", f"longer than {MAX_FILTER_CHARS} characters")
    _check_nesting(raw)
    try:
        expr = cql2.parse_json(raw) if lang == CQL2_JSON else cql2.parse_text(raw)
    except (cql2.ParseError, ValueError) as exc:
        which = "cql2-json" if lang == CQL2_JSON else "cql2-text"
        raise InvalidParameter("filter", f"not valid {which}: {_one_line(exc)}") from None
    tree = expr.to_json()
    if not isinstance(tree, dict | bool):
        raise InvalidParameter("filter", "is not a predicate (a comparison, AND, OR, NOT, ...)")
    if (operators := _operators(tree)) > MAX_OPERATORS:
        raise InvalidParameter(
            "filter",
            f"{operators} operators, more than {MAX_OPERATORS}: put a list of values in one "
            "IN (...), e.g. fatalities IN (1, 2, 3)",
        )
    return tree


def _operators(node: Any) -> int:
    """How many operators (comparisons, AND, OR, functions, ...) the cql2-json tree holds."""
    count = 0
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += "op" in item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _check_nesting(raw: str) -> None:
    """Refuse filters nested deeper than any real one, before the parser recurses into them."""
    depth = deepest = 0
    quote: str | None = None
    outside: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote is not None:
            if ch == "\\" and quote == '"':
                i += 1  # a JSON escape: the next character is data
            elif ch == quote:
                quote = None
            outside.append(" ")
        elif ch in "'\"":
            quote = ch
            outside.append(" ")
        else:
            if ch in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif ch in ")]}":
                depth -= 1
            outside.append(ch)
        i += 1
    if deepest > MAX_NESTING:
        raise InvalidParameter("filter", f"nested more than {MAX_NESTING} levels deep")
    text = "".join(outside)
    for run in re.finditer(rf"(?:{_PREFIX.pattern})+", text, re.IGNORECASE):
        if len(_PREFIX.findall(run.group(0))) > MAX_PREFIX_RUN:
            raise InvalidParameter("filter", f"more than {MAX_PREFIX_RUN} NOT or - in a row")
