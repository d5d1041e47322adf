"""Absolute links for responses, honouring ``SE_PUBLIC_URL`` behind a proxy."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus, urlencode

from fastapi import Request

# A query pair that is already a valid URL query component (RFC 3986), safe in a Link header.
_CLEAN = re.compile(r"(?:[A-Za-z0-9\-._~!$'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")


def absolute(request: Request, path: str) -> str:
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + path


def url_with(request: Request, **replace: str | None) -> str:
    """This request's URL with some query parameters replaced (None removes one). The others
    are kept as the client encoded them when that is a valid query component: decoding and
    encoding every pair again took 6% of the CPU of a 10-event page (py-spy under wrk)."""
    params = [
        pair
        if _CLEAN.fullmatch(pair)
        else urlencode(parse_qsl(pair, keep_blank_values=True))  # as Starlette reads it
        for pair in request.scope["query_string"].decode("latin-1").split("&")
        if pair and unquote_plus(pair.partition("=")[0]) not in replace
    ]
    params += [urlencode({k: v}) for k, v in replace.items() if v is not None]
    return absolute(request, request.url.path) + ("?" + "&".join(params) if params else "")
