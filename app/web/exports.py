"""An export's response under the app's export budget and stream limits."""

from __future__ import annotations

from fastapi import Request

from app.web.budgets import client_of
from app.web.streaming import ExportResponse, Producer


def export_response(
    request: Request,
    produce: Producer,
    *,
    media_type: str,
    headers: dict[str, str],
    head: bytes = b"",
) -> ExportResponse:
    """``produce`` streamed to the client; a slot of the export budget is held until the
    last byte (or a 429/503 problem when none is free)."""
    state = request.app.state
    client = client_of(request)
    return ExportResponse(
        produce,
        admit=lambda: state.budgets.exports.slot(client),
        limits=state.stream_limits,
        media_type=media_type,
        headers=headers,
        head=head,
    )
