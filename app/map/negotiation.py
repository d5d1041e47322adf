"""Which representation of ``GET /`` a client gets: ``f=`` wins, then ``Accept``.

Browsers (``text/html`` listed, ``*/*`` for the rest) get the map page, and so does a client
that says nothing; API clients get the landing JSON when they prefer ``application/json``: a
higher q, or the same q named more exactly (``application/json, */*`` as many HTTP libraries
send). At an exact tie HTML wins.
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import InvalidParameter


class Page(StrEnum):
    html = "html"
    json = "json"


# (q, specificity): 2 the exact type, 1 "type/*", 0 "*/*", -1 not acceptable at all.
_Preference = tuple[float, int]


def choose(f: str | None, accept: str | None) -> Page:
    """``f=html|json`` exactly (anything else is a 400), else the ``Accept`` header."""
    if f is not None:
        try:
            return Page(f)
        except ValueError:
            raise InvalidParameter("f", f"'{f}' is not one of html, json") from None
    ranges = _ranges(accept or "")
    json, html = _preference(ranges, "application/json"), _preference(ranges, "text/html")
    return Page.json if json[0] > 0 and json > html else Page.html


def _ranges(accept: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _preference(ranges: list[tuple[str, float]], media: str) -> _Preference:
    """RFC 9110 12.5.1: the most specific range that matches the media type sets its q."""
    kind = media.split("/", 1)[0]
    best: _Preference = (0.0, -1)
    for candidate, q in ranges:
        if candidate == media:
            specificity = 2
        elif candidate == f"{kind}/*":
            specificity = 1
        elif candidate == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best
