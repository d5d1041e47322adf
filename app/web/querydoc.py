"""Query parameters documented by a model, parsed once by the route's own parser.

The list routes parse their filters by hand (``app.events.filters``, ``app.ogc.params``),
since one parser serves lists, exports, tiles and statistics alike. Their query models are
documentation: declared as a FastAPI ``Query()`` model, FastAPI would validate every request
against them as well (0.3 ms of a 1 ms page, measured in bench/). ``documented(Model)``
gives the route's ``openapi_extra`` instead: the same parameters in OpenAPI, and the names
that ``reject_unknown_query`` lets through.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` naming each field of ``model`` as a query parameter."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        prop = schema["properties"][alias]
        parameter: dict[str, Any] = {
            "name": alias,
            "in": "query",
            "required": alias in required,
            "schema": prop,
        }
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return {"parameters": parameters}


def documented_names(openapi_extra: dict[str, Any] | None) -> frozenset[str]:
    """The query parameters a route's ``openapi_extra`` documents."""
    return frozenset(
        p["name"] for p in (openapi_extra or {}).get("parameters", ()) if p.get("in") == "query"
    )
