"""ETags of events and the ``If-Match`` preconditions of writes (RFC 9110).

An event's ETag is ``"<version>-<digest>"``. The digest is of the Feature JSON served, which
embeds the names of the event's places and the titles of its reports: rename a place and the
tag of every event naming it changes, so that ``If-None-Match`` never answers 304 with the old
name. The version is what ``If-Match`` checks: a write guards the event's own fields, which
only its versions change (a renamed place conflicts with no event write). A bare ``"3"``, the
whole ETag before names were part of it, still names version 3.
"""

from __future__ import annotations

import re

from app.errors import PreconditionFailed, PreconditionRequired
from app.web.conditional import digest

_TAG = re.compile(r'"(\d+)(?:-[0-9a-f]+)?"')


def etag(version: int, feature: str) -> str:
    """The strong validator of an event's Feature JSON ``feature`` at ``version``."""
    return f'"{version}-{digest(feature.encode())}"'


def _version_of(tag: str) -> int | None:
    """The version an event's ETag names; None for a weak or foreign tag."""
    found = _TAG.fullmatch(tag.strip())
    return int(found.group(1)) if found else None


def check_if_match(raw: str | None, version: int, *, required: bool = True) -> None:
    """428 without If-Match (when required), 412 unless it names the current version.

    If-Match compares strongly: a weak validator (W/"3-...") never matches, ``*`` always does.
    """
    if raw is None:
        if required:
            raise PreconditionRequired(
                "If-Match is required: send the ETag of the version you read "
                "(GET /events/{id}), so that no one else's change is overwritten"
            )
        return
    tags = [t.strip() for t in raw.split(",")]
    if "*" in tags or version in {_version_of(t) for t in tags}:
        return
    raise PreconditionFailed(
        f"the event is at version {version}: it changed since it was read; GET it again "
        "(for its current ETag) and re-apply the change",
        current_version=version,
    )
