"""Citable answers: a link that asks the same question of the data as it stood, and a line
to cite.

Every list, export and statistic is an answer about the data at one moment: its data version
(app/caching), the last change it saw. The ``cite-as`` link (RFC 8574) is the same request
with ``as_of`` pinned to that moment, so that it can be asked again later, after corrections
and retractions, and give the same answer (an answer that already names ``as_of`` is its own
citation). The citation line names the service, the request, the data time and the day it
was retrieved.

How exact: a page reads its data version in the statement that reads its rows; statistics
and exports read it just before (a write committed in those milliseconds makes the answer
newer than its pin, and its ETag then differs from the pinned request's). ``as_of`` rebuilds
each event from the version written at or before that instant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from app.web.links import url_with

SERVICE = "Syria Events API"


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cite_as(request: Request, data_time: datetime | None) -> str | None:
    """This request with ``as_of`` pinned to the data it answered from; None for an empty
    database (no change yet: nothing to pin)."""
    if "as_of" in request.query_params:
        return url_with(request)
    if data_time is None:
        return None
    return url_with(request, as_of=_instant(data_time))


def citation(request: Request, data_time: datetime | None) -> dict[str, str]:
    """The ``cite-as`` link and the citation line, as the members a JSON answer carries."""
    link = cite_as(request, data_time)
    if link is None:
        return {}
    pinned = request.query_params.get("as_of") or _instant(data_time or datetime.now(UTC))
    host = request.headers.get("host", "")
    text = (
        f"{SERVICE} ({host}), {request.url.path}: data as of {pinned}, retrieved "
        f"{datetime.now(UTC).date().isoformat()}. {link}"
    )
    return {"href": link, "text": text}


def citation_headers(request: Request, data_time: datetime | None) -> dict[str, str]:
    """The same as headers: ``Link: <...>; rel="cite-as"`` and ``X-Citation``."""
    found = citation(request, data_time)
    if not found:
        return {}
    return {"Link": f'<{found["href"]}>; rel="cite-as"', "X-Citation": found["text"]}


def with_link(headers: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """``headers`` with ``extra`` added, their ``Link`` values joined."""
    merged = {**headers, **extra}
    if "Link" in headers and "Link" in extra:
        merged["Link"] = f"{headers['Link']}, {extra['Link']}"
    return merged
