"""Unknown query parameters are a 400 on every route, as OGC API - Features asks: a typo such
as ``bbx=`` or ``as_off=`` must never be silently ignored."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.errors import InvalidParameter
from app.web.querydoc import documented_names


def _declared(dependant: Dependant) -> frozenset[str]:
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return frozenset(names)


def _declared_by(route: APIRoute) -> frozenset[str]:
    # Computed once per route and kept on it (APIRoute is unhashable, so no cache dict).
    names: frozenset[str] | None = getattr(route, "_se_query_names", None)
    if names is None:
        names = _declared(route.dependant) | documented_names(route.openapi_extra)
        route._se_query_names = names  # type: ignore[attr-defined]
    return names


async def reject_unknown_query(request: Request) -> None:
    """An app-wide dependency: the route's declared query parameters, and no others."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _declared_by(route)
    for name in request.query_params:
        if name not in allowed:
            raise InvalidParameter(name, "unknown parameter")
