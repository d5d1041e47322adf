"""Absolute links for responses, honouring ``SE_PUBLIC_URL`` behind a proxy."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request


def absolute(request: Request, path: str) -> str:
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + path


def url_with(request: Request, **replace: str | None) -> str:
    """This request's URL with some query parameters replaced (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in replace]
    params += [(k, v) for k, v in replace.items() if v is not None]
    query = urlencode(params)
    return absolute(request, request.url.path) + (f"?{query}" if query else "")
