"""ETags of events (their version) and the ``If-Match`` preconditions of writes (RFC 9110)."""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(raw: str | None, version: int, *, required: bool = True) -> None:
    """428 without If-Match (when required), 412 unless it names the current version.

    If-Match compares strongly: a weak validator (W/"3") never matches, ``*`` always does.
    """
    if raw is None:
        if required:
            raise PreconditionRequired(
                "If-Match is required: send the ETag of the version you read "
                "(GET /events/{id}), so that no one else's change is overwritten"
            )
        return
    tags = [t.strip() for t in raw.split(",")]
    if "*" in tags or etag(version) in tags:
        return
    raise PreconditionFailed(
        f"the event is at version {version} (ETag {etag(version)}): it changed since it was "
        "read; GET it again and re-apply the change",
        current_version=version,
    )


def matches_none(raw: str | None, version: int) -> bool:
    """If-None-Match: True when the client's copy is current (answer 304)."""
    if raw is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in raw.split(",")]
    return "*" in tags or etag(version) in tags
