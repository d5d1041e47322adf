"""Who may see and change which event: the rules of the roles, in one place.

Anonymous callers and other analysts never learn that a draft exists (404, not 403); an
analyst writes only its own drafts; editors and admins see and change every event.
"""

from __future__ import annotations

from app.auth.keys import Role, allows
from app.auth.service import Principal
from app.errors import Forbidden, Gone, NotFound, Unauthorized
from app.events.filters import EventFilters


def is_editor(principal: Principal | None) -> bool:
    return principal is not None and allows(principal.role, Role.editor)


def restrict_drafts(filters: EventFilters, principal: Principal | None) -> None:
    """Lists with ``status=draft``: a key is needed; analysts see their own drafts only."""
    if "draft" not in filters.statuses:
        return
    if principal is None:
        raise Unauthorized("status=draft lists drafts, which need an API key")
    if not is_editor(principal):
        filters.drafts_of = principal.name


def can_see(principal: Principal | None, status: str, owner: str | None) -> bool:
    if status != "draft" or is_editor(principal):
        return True
    return principal is not None and owner is not None and principal.name == owner


def check_visible(
    public_id: str, principal: Principal | None, status: str, owner: str | None
) -> None:
    if not can_see(principal, status, owner):
        raise NotFound(f"no event with id '{public_id}'")


def check_editable(
    public_id: str,
    principal: Principal,
    status: str,
    owner: str | None,
    retraction_reason: str | None,
) -> None:
    """Visible, not retracted, and the caller's to change (404, 410, 403)."""
    check_visible(public_id, principal, status, owner)
    if status == "retracted":
        raise Gone(f"event '{public_id}' was retracted: {retraction_reason}")
    if not is_editor(principal) and status != "draft":
        raise Forbidden("analysts change their own drafts only; this event is published")


def check_status_change(principal: Principal, status: str | None) -> None:
    if status is not None and status != "draft" and not is_editor(principal):
        raise Forbidden("only editors set status; an analyst's events are drafts")
