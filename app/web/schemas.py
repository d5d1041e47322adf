"""Wire shapes shared by every area (documented in OpenAPI; the hot path emits them from SQL)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=3, description="[longitude, latitude] (RFC 7946)"
    )


class InvalidParam(BaseModel):
    name: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    invalid_params: list[InvalidParam] | None = None


class PlaceSummary(BaseModel):
    id: str
    name_en: str
    name_ar: str | None
    kind: str
    longitude: float
    latitude: float
    governorate_pcode: str | None


PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {
        "model": Problem,
        "description": "An invalid parameter, named in the problem",
        "content": {"application/problem+json": {}},
    },
    404: {
        "model": Problem,
        "description": "Unknown id",
        "content": {"application/problem+json": {}},
    },
    503: {
        "model": Problem,
        "description": "Database unavailable or query too slow",
        "content": {"application/problem+json": {}},
    },
}


def problem_response(description: str) -> dict[str, object]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


PROBLEM_RESPONSES[429] = problem_response("Too many requests; see Retry-After")

AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    **PROBLEM_RESPONSES,
    401: problem_response("No API key, or an unknown or revoked one"),
    403: problem_response("The key's role may not do this"),
}
